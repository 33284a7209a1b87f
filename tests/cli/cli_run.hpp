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
  std::int64_t peak_rss = 0;  ///< bytes: the process's peak resident memory (rss_probe.cpp)
};

/// One tessera_cli run, as the CLI tests bound its memory (cli_test.cpp, Cli::TearDown).
struct CliRun {
  std::string args;
  std::int64_t peak_rss = 0;
  /// tessera warned that --memory is less than one tile needs, and that it may use more.
  bool warned_over_budget = false;
};

/// Every tessera_cli run since the last clear().
inline std::vector<CliRun>& cli_runs() {
  static std::vector<CliRun> runs;
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
  const std::string out = dir.file(".stdout"), err = dir.file(".stderr"), rss = dir.file(".rss");
  const std::string cmd = env + " " + TESSERA_CLI + " " + args + " >" + out + " 2>" + err + " </dev/null";
  // Through rss_probe (TESSERA_RSS_PROBE), which measures what sh -c and tessera take, not this
  // test process's size (rss_probe.cpp says why).
  const pid_t pid = fork();
  if (pid == 0) {
    execl(TESSERA_RSS_PROBE, TESSERA_RSS_PROBE, rss.c_str(), "/bin/sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) status = -1;
  Result r{status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  r.peak_rss = std::atoll(slurp(rss).c_str());
  cli_runs().push_back({args, r.peak_rss, r.err.find("tessera: warning: --memory") != std::string::npos});
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  std::filesystem::remove(rss);
  return r;
}

}  // namespace tessera::test
