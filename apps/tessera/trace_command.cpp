// `tessera trace FILE [--json] [--plot PNG]`: what a trace written by `tessera run --trace`
// says about the schedule, and a picture of it.
#include "trace_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include "chart.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/io.hpp"
#include "trace_summary.hpp"

namespace tessera::cli {

namespace {

struct TraceArgs {
  std::string trace, plot, window;
  bool json = false;
  int top = 10;
  int width = 1400;
};

/// "A:B" (milliseconds since the run started, A < B) for --window; the whole run when empty.
std::pair<double, double> parse_window(const std::string& text, double wall_ms) {
  if (text.empty()) return {0.0, wall_ms};
  const auto bad = [&] { return UsageError("--window '" + text + "' is not START:END in milliseconds, START < END (e.g. 100:150)"); };
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) throw bad();
  try {
    std::size_t n1 = 0, n2 = 0;
    const double a = std::stod(text.substr(0, colon), &n1), b = std::stod(text.substr(colon + 1), &n2);
    if (n1 != colon || n2 != text.size() - colon - 1 || !(a >= 0) || !(b > a)) throw bad();
    return {a, b};
  } catch (const std::logic_error&) {
    throw bad();
  }
}

/// Workers as rows, each tile phase a bar coloured by phase, pass boundaries marked.
void write_timeline(const TraceArgs& a, const TraceSummary& s) {
  const auto [from, to] = parse_window(a.window, static_cast<double>(s.wall) / 1e6);
  const std::vector<std::string> kinds = {"read", "compute", "write", "close output"};
  TimelineSpec spec;
  spec.title = "tessera trace: " + std::filesystem::path(a.trace).filename().string();
  spec.subtitle = s.header.pipeline + " on " + to_string(s.header.input) + " " + s.header.input_type + ", " +
                  std::to_string(s.busy.size()) + " workers (" + s.header.backend + ")";
  spec.x_title = a.window.empty() ? "time since the run started (ms)"
                                  : "time since " + a.window.substr(0, a.window.find(':')) + " ms into the run (ms)";
  spec.kinds = kinds;
  spec.x_max = to - from;
  const auto ms = [&, from = from](std::int64_t t) { return static_cast<double>(t - s.header.start) / 1e6 - from; };
  for (std::size_t w = 0; w < s.busy.size(); ++w) spec.rows.push_back("worker " + std::to_string(w));
  const auto mark = [&](double x, const std::string& label) {
    if (x >= 0 && x <= spec.x_max) spec.marks.push_back({x, label});
  };
  for (const TracePassSummary& p : s.passes) {
    mark(ms(p.pass.start), "pass " + std::to_string(p.pass.pass));
    if (&p == &s.passes.back()) mark(ms(p.pass.end), "end");
  }
  TimelineBins bins(spec, a.width);  // the trace is read again, its events binned as they come
  read_trace(a.trace, [&](const TraceSlice& e) {
    int kind = 3;
    if (e.tile) kind = e.name == "read" ? 0 : e.name == "compute" ? 1 : 2;
    bins.add(e.worker, ms(e.start), ms(e.end()), kind);
  });
  write_image_atomic(a.plot, draw_timeline(spec, bins, a.width));
}

void trace_command(const TraceArgs& a) {
  if (!a.plot.empty()) check_image_output(a.plot);
  if (!a.window.empty() && a.plot.empty()) throw UsageError("--window needs --plot");
  parse_window(a.window, 1.0);  // its syntax, before the trace is read
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
  cmd->add_option("--window", args->window,
                  "Draw only this stretch of the run, START:END in milliseconds since it started (e.g. 100:150)");
  cmd->footer(
      "The summary: wall time and workers; each worker's busy time; the idle time at the end of each\n"
      "pass (the tail, while the last tiles finish); the slowest tiles with their rectangles; the time\n"
      "spent writing (the serial writer, for TIFF outputs); and the scheduling overhead, wall time x\n"
      "workers - busy time.\n"
      "The trace itself opens in Perfetto (https://ui.perfetto.dev, 'Open trace file') or chrome://tracing.\n"
      "Examples:\n"
      "  tessera run in.tif out.tif -p \"gaussian sigma=2 | sobel_mag\" --trace run.json\n"
      "  tessera trace run.json\n"
      "  tessera trace run.json --plot timeline.png --json\n"
      "  tessera trace run.json --plot start.png --window 0:50   (the first 50 ms, in detail)");
  cmd->callback([args] { trace_command(*args); });
}

}  // namespace tessera::cli
