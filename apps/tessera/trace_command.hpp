// `tessera trace`: the summary and timeline of a trace written by `tessera run --trace`.
#pragma once

#include <CLI/CLI.hpp>

namespace tessera::cli {

/// Adds `tessera trace TRACE [--json] [--plot PNG] [--top N]` to `app`.
void add_trace_command(CLI::App& app);

}  // namespace tessera::cli
