// The tessera subcommands: each registers its options on a CLI11 app and runs from them.
#pragma once

#include <CLI/CLI.hpp>

namespace tessera::cli {

/// Exit codes, documented in README.md.
enum Exit : int { kOk = 0, kFailure = 1, kUsage = 2, kInput = 3, kCancelled = 130 };

/// Adds `tessera run` to `app`; the callback runs it.
void add_run_command(CLI::App& app);
/// Adds `tessera kernels [NAME]`.
void add_kernels_command(CLI::App& app);
/// Adds `tessera info FILE [--json]` (info_command.cpp).
void add_info_command(CLI::App& app);

}  // namespace tessera::cli
