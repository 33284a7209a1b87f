/// A bench program's own `--name=value` flags, taken out of argv before Google Benchmark
/// parses (and would refuse) them.
#pragma once

#include <optional>
#include <string>

namespace tessera::bench {

/// Removes every `--NAME=VALUE` from argv and returns the last VALUE, or nullopt if none.
inline std::optional<std::string> take_flag(int& argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  std::optional<std::string> value;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(prefix, 0) == 0) value = arg.substr(prefix.size());
    else argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  return value;
}

}  // namespace tessera::bench
