// `tessera bench`: times a pipeline over a sweep of tile sizes and thread counts.
#pragma once

#include <CLI/CLI.hpp>

namespace tessera::cli {

/// Adds `tessera bench IN --pipeline SPEC [--tiles ...] [--threads ...] ...` to `app`.
void add_bench_command(CLI::App& app);

}  // namespace tessera::cli
