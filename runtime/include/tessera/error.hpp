/// Errors: every failure tessera reports is a tessera::Error subclass whose message names the bad value.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "tessera/geometry.hpp"

namespace tessera {

/// Base of every error tessera throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller asked for something invalid: a bad spec, parameter, option or type.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written, or its contents are unusable.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A kernel failed while processing. Carries the region of its stage's image it was computing:
/// the output tile, grown by the halos of the stages after it.
class KernelError : public Error {
 public:
  KernelError(const std::string& what, std::optional<Rect> tile = std::nullopt)
      : Error(what), tile_(tile) {}
  const std::optional<Rect>& tile() const { return tile_; }

 private:
  std::optional<Rect> tile_;
};

/// The run was cancelled (e.g. Ctrl-C) before it finished.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

}  // namespace tessera
