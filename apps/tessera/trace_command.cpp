// `tessera trace FILE [--json] [--plot PNG]`: what a trace written by `tessera run --trace`
// says about the schedule, and a picture of it.
#include "trace_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include "chart.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/io.hpp"
#include "trace_summary.hpp"

namespace tessera::cli {

namespace {

struct TraceArgs {
  std::string trace, plot;
  bool json = false;
  int top = 10;
  int width = 1400;
};

/// Workers as rows, each tile phase a bar coloured by phase, pass boundaries marked.
void write_timeline(const TraceArgs& a, const TraceSummary& s) {
  const std::vector<std::string> kinds = {"read", "compute", "write", "close output"};
  TimelineSpec spec;
  spec.title = "tessera trace: " + std::filesystem::path(a.trace).filename().string();
  spec.subtitle = s.header.pipeline + " on " + to_string(s.header.input) + " " + s.header.input_type + ", " +
                  std::to_string(s.busy.size()) + " workers (" + s.header.backend + ")";
  spec.x_title = "time since the run started (ms)";
  spec.kinds = kinds;
  spec.x_max = static_cast<double>(s.wall) / 1e6;
  for (std::size_t w = 0; w < s.busy.size(); ++w) spec.rows.push_back("worker " + std::to_string(w));
  read_trace(a.trace, [&](const TraceSlice& e) {
    int kind = 3;
    if (e.tile) kind = e.name == "read" ? 0 : e.name == "compute" ? 1 : 2;
    spec.bars.push_back({e.worker, static_cast<double>(e.start - s.header.start) / 1e6,
                         static_cast<double>(e.end() - s.header.start) / 1e6, kind});
  });
  for (const TracePassSummary& p : s.passes) {
    spec.marks.push_back({static_cast<double>(p.pass.start - s.header.start) / 1e6, "pass " + std::to_string(p.pass.pass)});
    if (&p == &s.passes.back()) spec.marks.push_back({static_cast<double>(p.pass.end - s.header.start) / 1e6, "end"});
  }
  write_image_atomic(a.plot, draw_timeline(spec, a.width));
}

void trace_command(const TraceArgs& a) {
  if (!a.plot.empty()) check_image_output(a.plot);
  const TraceSummary s = summarize_trace(a.trace, static_cast<std::size_t>(a.top));
  if (!a.plot.empty()) write_timeline(a, s);
  if (a.json) std::cout << to_json(s).dump() << "\n";
  else std::cout << to_text(s);
  if (!a.plot.empty() && !a.json) std::cerr << "tessera: wrote " << a.plot << "\n";
}

}  // namespace

void add_trace_command(CLI::App& app) {
  auto args = std::make_shared<TraceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Summarise a schedule trace written by 'tessera run --trace', and draw its timeline");
  cmd->add_option("trace", args->trace, "The trace (JSON) to read")->required();
  cmd->add_flag("--json", args->json, "Print the summary as one JSON object");
  cmd->add_option("--plot", args->plot,
                  "Also draw the timeline to this image (PNG): workers as rows, each tile's read, compute and "
                  "write as bars, pass boundaries marked");
  cmd->add_option("--top", args->top, "How many of the slowest tiles to list")
      ->check(CLI::Range(0, 1000))->capture_default_str();
  cmd->add_option("--width", args->width, "Width of the --plot image in pixels")
      ->check(CLI::Range(400, 20000))->capture_default_str();
  cmd->footer(
      "The summary: wall time and workers; each worker's busy time; the idle time at the end of each\n"
      "pass (the tail, while the last tiles finish); the slowest tiles with their rectangles; the time\n"
      "spent writing (the serial writer, for TIFF outputs); and the scheduling overhead, wall time x\n"
      "workers - busy time.\n"
      "The trace itself opens in Perfetto (https://ui.perfetto.dev, 'Open trace file') or chrome://tracing.\n"
      "Examples:\n"
      "  tessera run in.tif out.tif -p \"gaussian sigma=2 | sobel_mag\" --trace run.json\n"
      "  tessera trace run.json\n"
      "  tessera trace run.json --plot timeline.png --json");
  cmd->callback([args] { trace_command(*args); });
}

}  // namespace tessera::cli
