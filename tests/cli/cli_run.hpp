// Runs the tessera binary (TESSERA_CLI, set by CMake) for the CLI tests and collects its exit
// code, stdout, stderr and peak resident memory.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

namespace tessera::test {

struct Result {
  int code = -1;
  std::string out, err;
  std::int64_t peak_rss = 0;  ///< bytes: the process's peak resident memory (wait4's ru_maxrss)
};

/// The arguments and peak resident memory of every tessera_cli run since the last clear(): the
/// CLI tests print and bound them per test (cli_test.cpp, Cli::TearDown).
inline std::vector<std::pair<std::string, std::int64_t>>& cli_runs() {
  static std::vector<std::pair<std::string, std::int64_t>> runs;
  return runs;
}

inline std::string slurp(const std::string& path) {
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

/// Runs the tessera binary with `args` (a shell-quoted string), and `env` ("NAME=value ..."),
/// stdin closed; its output goes through files in `dir`, removed afterwards.
inline Result tessera_cli(const TempDir& dir, const std::string& args, const std::string& env = "") {
  const std::string out = dir.file(".stdout"), err = dir.file(".stderr");
  const std::string cmd = env + " " + TESSERA_CLI + " " + args + " >" + out + " 2>" + err + " </dev/null";
  // sh -c runs the command as itself (or waits for it): wait4's usage covers tessera's memory.
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) status = -1;
  Result r{status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err),
           std::int64_t{usage.ru_maxrss} * 1024};
  cli_runs().emplace_back(args, r.peak_rss);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace tessera::test
