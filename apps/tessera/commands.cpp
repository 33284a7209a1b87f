#include "commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "input.hpp"
#include "process.hpp"
#include "progress.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"

namespace tessera::cli {

namespace {

using Json = nlohmann::ordered_json;

struct RunArgs {
  std::string input, output, pipeline, tile = "256", backend = "tbb", memory, trace;
  int threads = 0, page = -1;
  bool quiet = false, verbose = false, json = false;
  // TIFF output
  std::string out_tile = "256", compression = "deflate";
  int quality = 90, rows_per_strip = 64;
  bool striped = false, bigtiff = false;
};

/// The size and pixel type of the input and of the output of a run.
struct Shapes {
  Size in, out;
  PixelType in_type, out_type;
};

double megapixels(Size s) { return static_cast<double>(s.area()) / 1e6; }
double mp_per_s(Size input, const RunStats& stats) { return stats.seconds > 0 ? megapixels(input) / stats.seconds : 0.0; }

/// A non-TIFF output is assembled in memory and encoded by OpenCV: refuse, before running,
/// one that does not fit the memory budget.
void check_in_memory_output(const std::string& path, const Shapes& shapes, std::int64_t budget) {
  const std::int64_t bytes = shapes.out.area() * CV_ELEM_SIZE(shapes.out_type.cv_type());
  if (bytes > budget)
    throw UsageError("the output " + path + " (" + to_string(shapes.out) + " " + shapes.out_type.str() + ", " +
                     format_bytes(bytes) + ") does not fit the memory budget of " + format_bytes(budget) +
                     " for an in-memory format; write a .tif (streamed tile by tile) instead");
}

/// Bytes one tile task holds at least: the tile (clipped to each stage's image) at every
/// stage's pixel size, halos not counted.
std::int64_t min_tile_bytes(const PipelineShape& ps, Size tile) {
  std::int64_t bytes = 0;
  for (std::size_t n = 0; n < ps.sizes.size(); ++n) {
    const Size t{std::min(tile.w, ps.sizes[n].w), std::min(tile.h, ps.sizes[n].h)};
    bytes += t.area() * CV_ELEM_SIZE(ps.types[n].cv_type());
  }
  return bytes;
}

/// The run keeps the tiles in flight within a quarter of an explicit --memory budget, but
/// never below one tile: say so once when that one tile is already more.
void warn_if_budget_below_a_tile(const PipelineShape& ps, Size tile, std::int64_t budget) {
  const std::int64_t need = min_tile_bytes(ps, tile);
  if (need <= budget / 4) return;
  std::cerr << "tessera: warning: --memory " << format_bytes(budget) << " leaves " << format_bytes(budget / 4)
            << " for tiles in flight, less than one " << to_string(tile) << " tile needs (at least "
            << format_bytes(need) << "); running one tile at a time, which may use more\n";
}

TiffWriteOptions tiff_options(const RunArgs& a) {
  TiffWriteOptions o;
  o.tiled = !a.striped;
  o.tile = parse_tile_size(a.out_tile);
  o.rows_per_strip = a.rows_per_strip;
  o.compression = parse_tiff_compression(a.compression);
  o.jpeg_quality = a.quality;
  o.bigtiff = a.bigtiff;
  return o;
}

/// Exit 130 always means no output file: a Ctrl-C that arrived while the file was being
/// finished (no temp file may remain) undoes the finished file.
void undo_if_cancelled(const std::string& path, CancelOnSignal& signals) {
  if (!signals.finish()) return;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  throw Cancelled();
}

/// A sink whose close() -- for a TiffSink, finishing the file and renaming it into place -- runs
/// under a CancelOnSignal::Defer that lasts until this sink is destroyed, after the command has
/// decided (undo_if_cancelled) whether the run stands. Without it, a second signal between the
/// rename and that decision ended the process at once, exit 130 with the output in place.
class CommitDeferringSink final : public Sink {
 public:
  explicit CommitDeferringSink(std::unique_ptr<Sink> inner) : inner_(std::move(inner)) {}
  void open(Size size, PixelType type) override { inner_->open(size, type); }
  void write(const Rect& r, const cv::Mat& tile) override { inner_->write(r, tile); }
  cv::Mat region(const Rect& r) override { return inner_->region(r); }
  bool concurrent() const override { return inner_->concurrent(); }
  void close() override {
    defer_.emplace();
    inner_->close();
  }

 private:
  std::unique_ptr<Sink> inner_;
  std::optional<CancelOnSignal::Defer> defer_;
};

/// Writes an in-memory output with OpenCV's codecs (temp file + rename).
void commit_output(const std::string& path, const cv::Mat& image, CancelOnSignal& signals) {
  if (signals.cancelled()) throw Cancelled();
  CancelOnSignal::Defer defer;
  write_image_atomic(path, image);
  undo_if_cancelled(path, signals);
}

/// "tessera: wrote out.png (640x480 u8x1) in 0.012 s: 6 tiles of 256x256, 2 threads, tbb backend, 25.6 MP/s"
std::string summary_line(const RunArgs& a, const Shapes& shapes, const RunOptions& options, const RunStats& stats) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(3) << "tessera: wrote " << a.output << " (" << to_string(shapes.out) << " "
     << shapes.out_type.str() << ") in " << stats.seconds << " s: " << stats.tiles
     << " tiles of " << to_string(options.tile) << (a.tile == "auto" ? " (auto)" : "") << ", " << stats.threads
     << " thread" << (stats.threads == 1 ? "" : "s") << ", " << to_string(options.backend) << " backend, "
     << std::setprecision(1) << mp_per_s(shapes.in, stats) << " MP/s\n";
  return os.str();
}

Json run_json(const RunArgs& a, const Pipeline& pipeline, const Shapes& shapes, const RunOptions& options,
              const RunStats& stats, const std::optional<TileChoice>& choice) {
  Json results = Json::array();
  for (const StageResult& r : stats.results) results.push_back({{"stage", r.stage}, {"result", Json::parse(r.json)}});
  Json j = {{"input", a.input},
            {"output", a.output},
            {"pipeline", pipeline.str()},
            {"width", shapes.in.w},
            {"height", shapes.in.h},
            {"type", shapes.in_type.str()},
            {"output_width", shapes.out.w},
            {"output_height", shapes.out.h},
            {"output_type", shapes.out_type.str()},
            {"tile", {options.tile.w, options.tile.h}},
            {"tile_auto", choice.has_value()},
            {"threads", stats.threads},
            {"backend", to_string(options.backend)},
            {"tiles", stats.tiles},
            {"passes", stats.passes},
            {"seconds", stats.seconds},
            {"megapixels_per_s", mp_per_s(shapes.in, stats)},
            {"peak_rss_mib", peak_rss_mib()},
            {"results", std::move(results)}};
  if (choice)
    j["autotune"] = {{"predicted_seconds", choice->predicted_seconds},
                     {"calibration_seconds", choice->calibration_seconds}};
  return j;
}

/// --verbose, after the run: what it did, and for --tile auto how the prediction held up.
void print_verbose_result(std::ostream& os, const RunStats& stats, const std::optional<TileChoice>& choice) {
  os << std::fixed << std::setprecision(4) << "tessera: " << stats.tiles << " tiles in " << stats.passes << " pass"
     << (stats.passes == 1 ? "" : "es") << ", measured " << stats.seconds << " s";
  if (choice && choice->predicted_seconds > 0)
    os << " (predicted " << choice->predicted_seconds << " s, " << std::showpos << std::setprecision(0)
       << 100.0 * (stats.seconds / choice->predicted_seconds - 1.0) << "%" << std::noshowpos << ")";
  os << std::setprecision(1) << ", peak RSS " << peak_rss_mib() << " MiB\n";
}

/// The trace must not overwrite the run's input or output.
void check_trace_path(const RunArgs& a) {
  namespace fs = std::filesystem;
  const auto same = [](const std::string& x, const std::string& y) {
    std::error_code ex, ey;
    const fs::path px = fs::weakly_canonical(x, ex), py = fs::weakly_canonical(y, ey);
    return !ex && !ey && px == py;
  };
  if (same(a.trace, a.output)) throw UsageError("--trace " + a.trace + " is the output image; give the trace its own file");
  if (same(a.trace, parse_path_page(a.input).path))
    throw UsageError("--trace " + a.trace + " is the input image; give the trace its own file");
}

/// A run that failed keeps its trace (status "failed", with the error): it shows what ran
/// before the failure. A run refused before it started has nothing to show: no trace. Failing
/// to write it does not replace the run's error. (The error stays one line; --verbose says
/// where the trace is.)
void keep_failed_trace(TraceWriter* trace, bool verbose) {
  if (!trace || !trace->has_run()) return;
  try {
    trace->finish();
    if (verbose) std::cerr << "tessera: the trace of the failed run is in " << trace->path() << "\n";
  } catch (const Error&) {
  }
}

/// After a run that succeeded: the output is in place, so a trace that cannot be written is a
/// warning, not a failure that would undo it.
void finish_trace(TraceWriter& trace, bool verbose) {
  try {
    trace.finish();
    if (verbose) std::cerr << "tessera: wrote the trace " << trace.path() << " ('tessera trace " << trace.path() << "' sums it up)\n";
  } catch (const Error& e) {
    std::cerr << "tessera: warning: " << e.what() << "\n";
  }
}

/// How long a run goes before the progress bar appears: 1 s, or TESSERA_PROGRESS_DELAY_MS.
std::chrono::milliseconds progress_delay() {
  const char* env = std::getenv("TESSERA_PROGRESS_DELAY_MS");
  return std::chrono::milliseconds(env && *env ? std::atol(env) : 1000);
}

void run_command(const RunArgs& a) {
  RunOptions options;
  const bool auto_tile = a.tile == "auto";
  if (!auto_tile) options.tile = parse_tile_size(a.tile);
  options.backend = parse_backend(a.backend);
  options.threads = a.threads;
  if (!a.memory.empty()) options.memory_budget = parse_memory_size(a.memory);
  const std::int64_t budget = options.memory_budget > 0 ? options.memory_budget : default_memory_budget();
  const Pipeline pipeline = Pipeline::parse(a.pipeline);
  // The output's options and format are checked before anything is read or run.
  const bool tiff_out = is_tiff_path(a.output);
  std::unique_ptr<Sink> sink;
  if (tiff_out) {
    sink = std::make_unique<CommitDeferringSink>(std::make_unique<TiffSink>(a.output, tiff_options(a)));
  } else {
    check_image_output(a.output);
    sink = std::make_unique<MatSink>();
  }
  // The trace file too: an unwritable path is refused before anything runs.
  std::unique_ptr<TraceWriter> trace;
  if (!a.trace.empty()) {
    check_trace_path(a);
    trace = std::make_unique<TraceWriter>(a.trace);
  }
  CancelOnSignal signals;  // from here on, Ctrl-C means "stop and exit 130"
  options.cancel = signals.flag();
  const std::unique_ptr<Source> input = open_input(a.input, a.page, budget);
  const PipelineShape ps = pipeline.validate(input->type(), input->size());
  const Shapes shapes{input->size(), ps.sizes[pipeline.output()], input->type(), ps.types[pipeline.output()]};
  if (!tiff_out) {
    check_image_output(a.output, shapes.out_type, shapes.out);
    check_in_memory_output(a.output, shapes, budget);
  }

  std::optional<TileChoice> choice;
  if (auto_tile) {
    if (signals.cancelled()) throw Cancelled();  // the tuner does not poll the flag
    choice = choose_tile(pipeline, *input, options);
    options.tile = choice->tile;
    if (a.verbose) std::cerr << choice->explain();
  }
  if (options.memory_budget > 0) warn_if_budget_below_a_tile(ps, options.tile, options.memory_budget);
  if (a.verbose)
    std::cerr << "tessera: " << pipeline.str() << " on " << to_string(shapes.in) << " " << shapes.in_type.str()
              << ", tile " << to_string(options.tile) << ", " << effective_threads(options.threads) << " threads, "
              << to_string(options.backend) << " backend\n";
  std::optional<ProgressBar> bar;
  if (!a.quiet && !a.json && stderr_is_terminal()) {
    bar.emplace(megapixels(shapes.in), progress_delay());
    options.progress = bar->callback();
  }
  RunStats stats;
  options.observer = trace.get();
  try {
    stats = run(pipeline, *input, *sink, options);  // a TiffSink finishes and renames its file in close()
  } catch (const Cancelled&) {
    throw;  // Ctrl-C writes nothing: the trace's temporary file goes too
  } catch (const std::exception&) {
    keep_failed_trace(trace.get(), a.verbose);
    throw;
  }
  if (bar) bar->finish();
  if (tiff_out) undo_if_cancelled(a.output, signals);
  else commit_output(a.output, static_cast<MatSink&>(*sink).mat(), signals);

  if (trace) finish_trace(*trace, a.verbose);
  if (a.verbose) print_verbose_result(std::cerr, stats, choice);
  if (a.json) {
    std::cout << run_json(a, pipeline, shapes, options, stats, choice).dump() << "\n";
    return;
  }
  if (!a.quiet) std::cout << summary_line(a, shapes, options, stats);
  // Stages whose result is data (stats): one JSON object per line on stdout.
  for (const StageResult& r : stats.results)
    std::cout << "{\"stage\": " << Json(r.stage).dump() << ", \"result\": " << r.json << "}\n";
}

std::string param_line(const ParamSpec& p) {
  std::ostringstream os;
  os << "    " << std::left << std::setw(12) << p.name << " " << std::setw(22) << p.range_str() << " "
     << std::setw(16) << (p.default_value ? "default " + *p.default_value : "required") << " " << p.help;
  return os.str();
}

/// "  halo: 6x6 (with sigma=2)\n" for stencils; composites list the nodes they expand to.
std::string halo_line(const KernelInfo& k) {
  const std::vector<Step> steps = Registry::builtin().steps(k.name, k.example_params());
  const std::string with = k.example.empty() ? "" : " (with " + k.example + ")";
  if (steps.size() > 1) {
    std::string names;
    for (const Step& s : steps) names += (names.empty() ? "" : ", ") + s.kernel->name();
    return "  composite of: " + names + with + "\n";
  }
  const Halo h = steps[0].kernel->halo();
  if (h == Halo{}) return "";
  return "  halo: " + std::to_string(h.rx) + "x" + std::to_string(h.ry) + with + "\n";
}

/// "  runs fused (row by row) on: u8x1, u8x3\n", for the input types where the kernel (with
/// its example parameters) does.
std::string fused_line(const KernelInfo& k) {
  const Pipeline p = Pipeline::example(k);
  std::string types;
  for (const PixelType& t : k.types.all())
    if (runs_fused(p, t, {256, 256})) types += (types.empty() ? "" : ", ") + t.str();
  return "  runs fused (row by row) on: " + (types.empty() ? std::string("none (tile at a time)") : types) + "\n";
}

void kernels_command(const std::string& name) {
  const Registry& reg = Registry::builtin();
  if (!name.empty()) {
    const KernelInfo& k = reg.at(name);
    std::cout << k.name << ": " << k.description << "\n  class: " << to_string(k.kernel_class)
              << "\n  types: " << k.types.str() << "\n" << fused_line(k) << halo_line(k) << "  parameters:" << (k.params.empty() ? " none" : "")
              << "\n";
    for (const auto& p : k.params) std::cout << param_line(p) << "\n";
    if (!k.example.empty()) std::cout << "  example: " << k.name << " " << k.example << "\n";
    return;
  }
  std::size_t width = 0;
  for (const KernelInfo* k : reg.entries()) width = std::max(width, k->name.size());
  for (const KernelInfo* k : reg.entries()) {
    std::cout << std::left << std::setw(static_cast<int>(width + 2)) << k->name << std::setw(16) << to_string(k->kernel_class) << " "
              << k->description << "\n";
    for (const auto& p : k->params) std::cout << param_line(p) << "\n";
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a pipeline on an image, tile by tile, and write the result");
  cmd->add_option("input", args->input,
                  "Input image: TIFF/BigTIFF/SVS streamed tile by tile (file.tif[page=N] or --page N picks a "
                  "page), or any format OpenCV reads (decoded whole)")
      ->required();
  cmd->add_option("output", args->output,
                  "Output image; the format follows the extension (.tif is streamed; others are encoded whole)")
      ->required();
  cmd->add_option("-p,--pipeline", args->pipeline,
                  "Kernels separated by '|', each 'name key=value ...' ('tessera kernels' lists them)")
      ->required();
  cmd->add_option("-t,--tile", args->tile,
                  "Tile size: N (square), WxH, or auto (timed on a few tiles; see --verbose)")
      ->capture_default_str();
  cmd->add_option("-j,--threads", args->threads, "Worker threads; 0 = all cores")->capture_default_str();
  cmd->add_option("-b,--backend", args->backend, "Scheduler: tbb (task graph), omp (OpenMP) or serial")
      ->capture_default_str();
  add_page_option(cmd, args->page);
  cmd->add_option("-m,--memory", args->memory,
                  "Memory budget, e.g. 512M or 4G: the tiles in flight are kept within a quarter of it (a "
                  "warning when one tile needs more); global stages (canny), non-TIFF inputs and outputs "
                  "that do not fit are refused; default: half the RAM (no tile limit)");
  cmd->add_flag("-q,--quiet", args->quiet, "No summary line or progress bar (stats results are still printed)");
  cmd->add_flag("-v,--verbose", args->verbose,
                "On stderr: the run's settings, its tiles, time and peak memory; with --tile auto, the "
                "candidates and the predicted time next to the measured one");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout instead of the summary line");
  cmd->add_option("--trace", args->trace,
                  "Write the schedule to this file as Chrome Trace Event JSON: each tile's read, compute and "
                  "write on its worker. 'tessera trace FILE' sums it up; Perfetto (ui.perfetto.dev) opens it");
  auto* out = "TIFF output";
  cmd->add_option("--out-tile", args->out_tile, "TIFF tile size, N or WxH, multiples of 16")
      ->capture_default_str()->group(out);
  cmd->add_option("--compression", args->compression, "TIFF compression: none, lzw, deflate, jpeg")
      ->capture_default_str()->group(out);
  cmd->add_option("--quality", args->quality, "JPEG quality for --compression jpeg")
      ->check(CLI::Range(1, 100))->capture_default_str()->group(out);
  cmd->add_flag("--striped", args->striped, "Write strips instead of tiles")->group(out);
  cmd->add_option("--rows-per-strip", args->rows_per_strip, "Rows per strip with --striped")
      ->check(CLI::Range(1, 1 << 20))->capture_default_str()->group(out);
  cmd->add_flag("--bigtiff", args->bigtiff, "Force BigTIFF (chosen automatically past 4 GiB)")->group(out);
  cmd->footer(
      "Examples:\n"
      "  tessera run slide.png edges.png --pipeline \"gaussian sigma=2 | sobel_mag | threshold t=40\"\n"
      "  tessera run photo.jpg soft.jpg -p \"gaussian sigma=3\" --tile 512x128 --threads 8\n"
      "  tessera run big.tif out.tif -p \"median ksize=5\" --tile auto --verbose\n"
      "  tessera run slide.svs[page=1] out.tif -p \"gray | equalize\" --compression jpeg --quality 85\n"
      "  tessera run slide.svs out.tif --page 1 -p \"invert\"   (the same page as slide.svs[page=1])\n"
      "  tessera run scan.tif eq.png -p \"gray | equalize | stats\" --json   (stats inside the JSON)\n"
      "  tessera run big.tif out.tif -p \"gaussian sigma=2\" --trace run.json   (then: tessera trace run.json)\n"
      "The output is identical, bit for bit, for every tile size, thread count and backend.\n"
      "It is written to a temporary file and renamed, so a failed run leaves no partial file.\n"
      "Runs over a second show a progress bar when stderr is a terminal. Ctrl-C stops the run\n"
      "(tiles in flight finish), writes nothing and exits with 130; a second one ends it at once,\n"
      "removing the temporary file, also with 130.");
  cmd->callback([args] { run_command(*args); });
}

void add_kernels_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("kernels", "List the kernels, or describe one, with parameters and defaults");
  cmd->add_option("name", *name, "A kernel to describe");
  cmd->footer("Examples:\n  tessera kernels\n  tessera kernels threshold");
  cmd->callback([name] { kernels_command(*name); });
}

}  // namespace tessera::cli
