// Short constructors for ParamSpec, shared by the kernel family files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tessera/registry.hpp"

namespace tessera::detail {

/// A real-valued parameter; default nullopt makes it required.
inline ParamSpec real_param(std::string name, std::optional<std::string> def, double min, double max, std::string help,
                            bool min_exclusive = false) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Float;
  p.default_value = std::move(def);
  p.min = min;
  p.max = max;
  p.min_exclusive = min_exclusive;
  p.help = std::move(help);
  return p;
}

inline ParamSpec int_param(std::string name, std::optional<std::string> def, double min, double max, std::string help) {
  ParamSpec p = real_param(std::move(name), std::move(def), min, max, std::move(help));
  p.type = ParamType::Int;
  return p;
}

inline ParamSpec choice_param(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Choice;
  p.default_value = std::move(def);
  p.choices = std::move(choices);
  p.help = std::move(help);
  return p;
}

}  // namespace tessera::detail
