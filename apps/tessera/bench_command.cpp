#include "bench_command.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>


#include "bench_report.hpp"
#include "input.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"

namespace tessera::cli {

namespace {

struct BenchArgs {
  std::string input, pipeline, tiles = "64,128,256,512,1024", threads, backend = "tbb", csv, plot;
  int repeat = 5, warmup = 1, page = -1;
  bool no_auto = false, quiet = false;
};

/// "a, b,c" -> {"a", "b", "c"}; empty entries are kept so that they are reported.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream is(text);
  for (std::string item; std::getline(is, item, ',');) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    items.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
  }
  if (text.empty() || text.back() == ',') items.push_back("");
  return items;
}

template <typename T>
void push_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

std::vector<Size> parse_tiles(const std::string& text) {
  std::vector<Size> tiles;
  for (const std::string& item : split_list(text)) push_unique(tiles, parse_tile_size(item));
  return tiles;
}

/// "1,2,4"; every entry an integer >= 1. Empty: 1 and all cores.
std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> threads;
  if (text.empty()) {
    threads = {1};
    push_unique(threads, effective_threads(0));
    return threads;
  }
  for (const std::string& item : split_list(text)) {
    const bool digits = !item.empty() && item.size() <= 4 && item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(item) < 1)
      throw UsageError("threads '" + item + "' is not an integer >= 1 (e.g. --threads 1,2,4)");
    push_unique(threads, effective_threads(std::stoi(item)));
  }
  return threads;
}

/// Fails before any timing if a report file could not be written afterwards.
void check_output(const std::string& path, bool image) {
  if (path.empty()) return;
  if (image) return check_image_output(path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw IoError("cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
}

/// The process's peak resident set, reset between combinations through /proc/self/clear_refs.
class PeakMemory {
 public:
  /// Starts a new measurement; false (and process-wide peaks from then on) if the kernel refuses.
  bool reset() {
    std::ofstream os("/proc/self/clear_refs");
    os << "5";
    os.flush();
    if (!os) resettable_ = false;
    return resettable_;
  }
  bool resettable() const { return resettable_; }
  /// VmHWM in MiB, if /proc/self/status has it.
  static std::optional<double> peak_mib() {
    std::ifstream is("/proc/self/status");
    for (std::string line; std::getline(is, line);)
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:   1234 kB"
    return std::nullopt;
  }

 private:
  bool resettable_ = true;
};

std::string describe(Size tile, int threads) {
  return "tile " + to_string(tile) + ", " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
}

class Bench {
 public:
  Bench(const BenchArgs& a, Pipeline pipeline, cv::Mat input)
      : args_(a), pipeline_(std::move(pipeline)), input_(std::move(input)), backend_(parse_backend(a.backend)) {}

  /// Warm-up runs, then timed runs of one combination; checks its output against the first.
  BenchRow measure(Size tile, int threads, bool is_auto) {
    RunOptions options;
    options.tile = tile;
    options.threads = threads;
    options.backend = backend_;
    memory_.reset();
    cv::Mat output;
    for (int i = 0; i < args_.warmup; ++i) output = run(pipeline_, input_, options);
    std::vector<double> seconds;
    for (int i = 0; i < args_.repeat; ++i) {
      const auto start = std::chrono::steady_clock::now();
      output = run(pipeline_, input_, options);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    check_identical(output, describe(tile, threads));
    std::sort(seconds.begin(), seconds.end());
    const std::size_t n = seconds.size();
    BenchRow row;
    row.tile = tile;
    row.threads = threads;
    row.is_auto = is_auto;
    row.median = n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
    row.min = seconds.front();
    row.max = seconds.back();
    row.mpix_per_s = static_cast<double>(input_.total()) / 1e6 / row.median;
    row.peak_mib = PeakMemory::peak_mib();
    return row;
  }

  BenchRow measure_auto(int threads) {
    RunOptions options;
    options.threads = threads;
    options.backend = backend_;
    const TileChoice choice = choose_tile(pipeline_, input_, options);
    BenchRow row = measure(choice.tile, threads, true);
    row.tune_seconds = choice.calibration_seconds;
    return row;
  }

  bool memory_resettable() const { return memory_.resettable(); }

 private:
  void check_identical(const cv::Mat& output, const std::string& what) {
    if (reference_.empty()) {
      reference_ = output;
      reference_what_ = what;
    } else if (!same_bits(output, reference_)) {
      throw Error("the output with " + what + " differs from the output with " + reference_what_ +
                  ": tiling changed the result (a tessera bug; please report it)");
    }
  }

  const BenchArgs& args_;
  Pipeline pipeline_;
  cv::Mat input_;
  Backend backend_;
  PeakMemory memory_;
  cv::Mat reference_;
  std::string reference_what_;
};

void bench_command(const BenchArgs& a) {
  if (a.repeat < 1) throw UsageError("--repeat " + std::to_string(a.repeat) + " must be >= 1");
  if (a.warmup < 0) throw UsageError("--warmup " + std::to_string(a.warmup) + " must be >= 0");
  const std::vector<Size> tiles = parse_tiles(a.tiles);
  const std::vector<int> threads = parse_threads(a.threads);
  parse_backend(a.backend);
  check_output(a.csv, false);
  check_output(a.plot, true);
  Pipeline pipeline = Pipeline::parse(a.pipeline);
  cv::Mat input = read_input(a.input, a.page);

  BenchInfo info{a.input, a.pipeline, a.backend, "", {input.cols, input.rows}, a.repeat, a.warmup, {}};
  std::ostringstream image;
  image << input.cols << "x" << input.rows << " " << PixelType::of(input).str() << " (" << std::fixed
        << std::setprecision(2) << static_cast<double>(input.total()) / 1e6 << " MP)";
  info.image = image.str();

  Bench bench(a, std::move(pipeline), std::move(input));
  std::vector<BenchRow> rows;
  const std::size_t total = tiles.size() * threads.size() + (a.no_auto ? 0 : threads.size());
  const auto progress = [&](const BenchRow& r) {
    if (a.quiet) return;
    std::cerr << "tessera: bench [" << rows.size() << "/" << total << "] " << (r.is_auto ? "auto " : "")
              << describe(r.tile, r.threads) << ": median " << std::fixed << std::setprecision(4) << r.median << " s\n";
  };
  for (Size tile : tiles)
    for (int t : threads) progress(rows.emplace_back(bench.measure(tile, t, false)));
  if (!a.no_auto) {
    for (int t : threads) {
      if (!a.quiet) std::cerr << "tessera: bench choosing a tile size for " << t << " thread" << (t == 1 ? "" : "s") << "\n";
      progress(rows.emplace_back(bench.measure_auto(t)));
    }
  }
  fill_speedups(rows);
  if (!bench.memory_resettable())
    info.footnotes.push_back("peak MiB is the process-wide peak so far: /proc/self/clear_refs could not be written");
  if (std::none_of(threads.begin(), threads.end(), [](int t) { return t == 1; }))
    info.footnotes.push_back("speedup needs 1 thread in --threads");

  print_table(std::cout, info, rows);
  if (!a.no_auto) {
    std::cout << "\n";
    print_auto_summary(std::cout, rows);
  }
  if (!a.csv.empty()) write_csv(a.csv, info, rows);
  if (!a.plot.empty()) write_chart(a.plot, info, rows);
  if (!a.quiet && !a.csv.empty()) std::cerr << "tessera: wrote " << a.csv << "\n";
  if (!a.quiet && !a.plot.empty()) std::cerr << "tessera: wrote " << a.plot << "\n";
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time a pipeline over tile sizes and thread counts, and compare with the auto-tuned tile size");
  cmd->add_option("input", args->input,
                  "Input image, read whole: TIFF (file.tif[page=N] or --page N picks a page), or any format "
                  "OpenCV reads")
      ->required();
  add_page_option(cmd, args->page);
  cmd->add_option("-p,--pipeline", args->pipeline, "Kernels separated by '|' (as for 'tessera run')")->required();
  cmd->add_option("--tiles", args->tiles, "Tile sizes to sweep, comma separated: N (square) or WxH")
      ->capture_default_str();
  cmd->add_option("-j,--threads", args->threads, "Thread counts to sweep, comma separated; default: 1 and all cores");
  cmd->add_option("--repeat", args->repeat, "Timed runs per combination (the median is reported)")->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Untimed runs before the timed ones")->capture_default_str();
  cmd->add_option("-b,--backend", args->backend, "Scheduler: tbb, omp or serial")->capture_default_str();
  cmd->add_option("--csv", args->csv, "Also write the results as CSV to this file");
  cmd->add_option("--plot", args->plot, "Also draw MP/s against tile size, one line per thread count, to this PNG");
  cmd->add_flag("--no-auto", args->no_auto, "Do not time the tile size the auto-tuner (choose_tile) picks");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress lines on stderr");
  cmd->footer(
      "Every combination runs --warmup times untimed, then --repeat times timed; the table shows the\n"
      "median, min and max seconds, MP/s (input megapixels / median), the speedup over 1 thread with\n"
      "the same tile size, and the peak resident memory while the combination ran. The lowest median\n"
      "is marked '*'. Every output is checked to be identical, bit for bit, to the first one.\n"
      "Examples:\n"
      "  tessera bench slide.png -p \"gaussian sigma=2 | sobel_mag | threshold t=40\"\n"
      "  tessera bench photo.jpg -p \"gaussian sigma=3\" --tiles 128,256,512x128 --threads 1,2,4,8 --repeat 9\n"
      "  tessera bench scan.tif -p \"median ksize=5\" --csv bench.csv --plot bench.png --no-auto");
  cmd->callback([args] { bench_command(*args); });
}

}  // namespace tessera::cli
