// Benchmark P1 (gaussian sigma=2 | sobel_mag | threshold t=40): OpenCV op by op, naive tiling, tessera.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "own_flags.hpp"
#include "summary_reporter.hpp"
#include "synthetic.hpp"
#include "tessera/tessera.hpp"

namespace {

constexpr char kSpec[] = "gaussian sigma=2 | sobel_mag | threshold t=40";
constexpr unsigned kSeed = 1;
// Halo of the naive tiles: gaussian sigma=2 on 8-bit has 13 taps (radius 6), sobel radius 1.
constexpr int kNaiveHalo = 8;
constexpr int kNaiveTile = 512;

// Settings of this run, from flags (--size=, --cv_threads=) or environment variables.
struct Settings {
  int size = 8192;      // TESSERA_BENCH_SIZE
  int cv_threads = -1;  // TESSERA_BENCH_CV_THREADS; -1 = leave OpenCV's default
};

// Shared by every benchmark: the input image and the pipeline.
struct Workload {
  cv::Mat input;
  tessera::Pipeline pipeline;
  std::int64_t pixels = 0;
};
Workload g_work;

// Intermediates of the OpenCV chain, kept between calls so buffers are reused.
struct P1Buffers {
  cv::Mat blur, gx, gy, ax, ay, mag;
};

// P1 with plain OpenCV calls on `src`, default borders.
void opencv_p1(const cv::Mat& src, P1Buffers& b, cv::Mat& dst) {
  cv::GaussianBlur(src, b.blur, cv::Size(0, 0), 2);
  cv::Sobel(b.blur, b.gx, CV_16S, 1, 0, 3);
  cv::Sobel(b.blur, b.gy, CV_16S, 0, 1, 3);
  cv::convertScaleAbs(b.gx, b.ax);
  cv::convertScaleAbs(b.gy, b.ay);
  cv::addWeighted(b.ax, 0.5, b.ay, 0.5, 0, b.mag);
  cv::threshold(b.mag, dst, 40, 255, cv::THRESH_BINARY);
}

// The naive tiled baseline: each output tile reads its rect grown by a fixed halo
// (clipped to the image) into its own buffer and runs the OpenCV chain on it with
// OpenCV's default border, i.e. reflected at the patch edge. Speed reference only.
void naive_tiled_p1(const cv::Mat& src, cv::Mat& dst) {
  dst.create(src.size(), src.type());
  const int tiles_x = (src.cols + kNaiveTile - 1) / kNaiveTile;
  const int tiles_y = (src.rows + kNaiveTile - 1) / kNaiveTile;
  const cv::Rect image(0, 0, src.cols, src.rows);
  tbb::parallel_for(tbb::blocked_range<int>(0, tiles_x * tiles_y), [&](const tbb::blocked_range<int>& r) {
    thread_local P1Buffers buffers;
    thread_local cv::Mat patch, result;
    for (int i = r.begin(); i < r.end(); ++i) {
      const cv::Rect out = cv::Rect((i % tiles_x) * kNaiveTile, (i / tiles_x) * kNaiveTile, kNaiveTile, kNaiveTile) &
                           image;
      const cv::Rect in = cv::Rect(out.x - kNaiveHalo, out.y - kNaiveHalo, out.width + 2 * kNaiveHalo,
                                   out.height + 2 * kNaiveHalo) &
                          image;
      src(in).copyTo(patch);
      opencv_p1(patch, buffers, result);
      result(out - in.tl()).copyTo(dst(out));
    }
  });
}

std::string size_text(tessera::Size s) { return std::to_string(s.w) + "x" + std::to_string(s.h); }

void count_pixels(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * g_work.pixels);
  state.SetBytesProcessed(state.iterations() * g_work.pixels);  // 8-bit input: one byte a pixel
}

// OpenCV op by op with its intermediates and output kept between calls (reused buffers).
void bm_opencv(benchmark::State& state) {
  P1Buffers buffers;
  cv::Mat out;
  for (auto _ : state) {
    opencv_p1(g_work.input, buffers, out);
    benchmark::DoNotOptimize(out.data);
  }
  count_pixels(state);
}

// The same chain written as a plain function would be: new intermediates every call, so
// each call also pays for allocating (and page-faulting) about 600 MB at 8192x8192.
void bm_opencv_fresh(benchmark::State& state) {
  for (auto _ : state) {
    P1Buffers buffers;
    cv::Mat out;
    opencv_p1(g_work.input, buffers, out);
    benchmark::DoNotOptimize(out.data);
  }
  count_pixels(state);
}

void bm_naive(benchmark::State& state) {
  cv::Mat out;
  for (auto _ : state) {
    naive_tiled_p1(g_work.input, out);
    benchmark::DoNotOptimize(out.data);
  }
  count_pixels(state);
}

// tessera::run(pipeline, mat): a fresh output image every call, as an application gets it.
void bm_tessera(benchmark::State& state, tessera::RunOptions options) {
  tessera::RunStats stats;
  try {
    for (auto _ : state) {
      cv::Mat out = tessera::run(g_work.pipeline, g_work.input, options, &stats);
      benchmark::DoNotOptimize(out.data);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["tiles"] = double(stats.tiles);
  count_pixels(state);
}

// tessera::run(pipeline, mat, out): the output buffer kept across calls, as the OpenCV
// "reused buffers" case keeps its intermediates.
void bm_tessera_reused(benchmark::State& state, tessera::RunOptions options) {
  cv::Mat out;
  try {
    for (auto _ : state) {
      tessera::run(g_work.pipeline, g_work.input, out, options);
      benchmark::DoNotOptimize(out.data);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  count_pixels(state);
}

// The cost of --trace: each iteration runs P1 untraced and traced (a TraceWriter writing its
// JSON to a new temporary file, finished and renamed as the CLI does), back to back and in
// alternating order, so that both see the same machine state. The iteration's time is the
// traced run's; the medians, and the median of the pairs' ratios, go to g_trace_overhead.
struct TraceOverhead {
  double untraced_ms = 0, traced_ms = 0, pair_ratio = 0;
  std::size_t pairs = 0;
  std::int64_t trace_bytes = 0;
};
std::optional<TraceOverhead> g_trace_overhead;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void bm_trace_overhead(benchmark::State& state, tessera::RunOptions options) {
  const std::string path = (std::filesystem::temp_directory_path() / "bench_p1_trace.json").string();
  cv::Mat out;
  std::vector<double> plain, traced, ratios;
  std::int64_t bytes = 0;
  const auto untraced_run = [&] {
    options.observer = nullptr;
    const auto t0 = std::chrono::steady_clock::now();
    tessera::run(g_work.pipeline, g_work.input, out, options);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const auto traced_run = [&] {
    std::filesystem::remove(path);  // a rename over an existing file makes ext4 flush it first
    const auto t0 = std::chrono::steady_clock::now();
    tessera::TraceWriter trace(path);
    options.observer = &trace;
    tessera::run(g_work.pipeline, g_work.input, out, options);
    trace.finish();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  try {
    for (auto _ : state) {
      const bool traced_first = traced.size() % 2 == 1;
      const double t = traced_first ? traced_run() : 0.0;
      const double u = untraced_run();
      const double v = traced_first ? t : traced_run();
      plain.push_back(u);
      traced.push_back(v);
      ratios.push_back(v / u);
      state.SetIterationTime(v);
      bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::filesystem::remove(path);
  g_trace_overhead = TraceOverhead{median(plain) * 1e3, median(traced) * 1e3, median(ratios), ratios.size(), bytes};
  count_pixels(state);
}

// One benchmark: its Google Benchmark name, its label in the summary, and for tessera
// cases the options whose output is checked against OpenCV before timing.
struct Case {
  std::string name;
  std::string label;
  std::function<void(benchmark::State&)> fn;
  std::optional<tessera::RunOptions> tessera_options;
};

tessera::RunOptions options_for(tessera::Backend backend, tessera::Size tile) {
  tessera::RunOptions o;
  o.backend = backend;
  o.tile = tile;
  o.threads = 0;
  return o;
}

std::vector<Case> make_cases(int size) {
  std::vector<Case> cases;
  cases.push_back({"opencv_op_by_op", "OpenCV op by op, reused buffers", bm_opencv, std::nullopt});
  cases.push_back({"opencv_op_by_op/fresh_buffers", "OpenCV op by op, fresh buffers", bm_opencv_fresh,
                   std::nullopt});
  cases.push_back({"naive_tiling/512x512", "naive tiling 512x512 (tbb::parallel_for)", bm_naive, std::nullopt});
  std::vector<tessera::Size> tiles = {{64, 64},     {128, 128},   {256, 256}, {512, 512}, {1024, 1024},
                                      {2048, 2048}, {512, 128},   {128, 512}, {2048, 64}};
  const tessera::Size whole{size, size};
  if (std::none_of(tiles.begin(), tiles.end(), [&](tessera::Size t) { return t == whole; })) tiles.push_back(whole);
  for (const tessera::Size tile : tiles) {
    const tessera::RunOptions o = options_for(tessera::Backend::Tbb, tile);
    const std::string name = size_text(tile);
    const std::string note = tile == whole ? " (1 tile: whole image)" : "";
    cases.push_back({"tessera/tbb/" + name, "tessera tbb " + name + note,
                     [o](benchmark::State& s) { bm_tessera(s, o); }, o});
  }
  // The same runs with fused row-wise execution off (every stage an OpenCV call per tile).
  for (const tessera::Size tile : std::vector<tessera::Size>{{64, 64}, {256, 256}, {1024, 1024}}) {
    tessera::RunOptions o = options_for(tessera::Backend::Tbb, tile);
    o.fused = false;
    const std::string name = size_text(tile);
    cases.push_back({"tessera/tbb/" + name + "/tile_at_a_time", "tessera tbb " + name + ", fused off",
                     [o](benchmark::State& s) { bm_tessera(s, o); }, o});
  }
  // The output buffer reused between calls (no fresh image to page-fault each call).
  for (const tessera::Size tile : std::vector<tessera::Size>{{256, 256}, {512, 512}, {2048, 64}, {8192, 32}}) {
    const tessera::RunOptions o = options_for(tessera::Backend::Tbb, tile);
    const std::string name = size_text(tile);
    cases.push_back({"tessera/tbb/" + name + "/reused_output", "tessera tbb " + name + ", reused output",
                     [o](benchmark::State& s) { bm_tessera_reused(s, o); }, std::nullopt});
  }
  {
    const tessera::RunOptions o = options_for(tessera::Backend::Tbb, {256, 256});
    cases.push_back({"tessera/tbb/256x256/reused_output/traced", "tessera tbb 256x256, reused output, --trace",
                     [o](benchmark::State& s) { bm_trace_overhead(s, o); }, std::nullopt});
  }
  for (const tessera::Backend backend : {tessera::Backend::Omp, tessera::Backend::Serial}) {
    const tessera::RunOptions o = options_for(backend, {512, 512});
    const std::string b = tessera::to_string(backend);
    cases.push_back({"tessera/" + b + "/512x512", "tessera " + b + " 512x512",
                     [o](benchmark::State& s) { bm_tessera(s, o); }, o});
  }
  return cases;
}

// Counts pixels where `got` differs from `want`; prints the first one.
std::int64_t count_differences(const cv::Mat& got, const cv::Mat& want, const std::string& what) {
  if (got.size() != want.size() || got.type() != want.type()) {
    std::cout << "  " << what << ": size/type " << got.cols << "x" << got.rows << " type " << got.type()
              << ", expected " << want.cols << "x" << want.rows << " type " << want.type() << "\n";
    return std::max<std::int64_t>(1, std::int64_t(want.total()));
  }
  cv::Mat diff;
  cv::compare(got, want, diff, cv::CMP_NE);
  const std::int64_t n = cv::countNonZero(diff);
  if (n > 0) {
    std::vector<cv::Point> where;
    cv::findNonZero(diff, where);
    const cv::Point p = where.front();
    std::cout << "  " << what << ": first difference at x=" << p.x << " y=" << p.y << ": got "
              << int(got.at<uchar>(p)) << ", expected " << int(want.at<uchar>(p)) << "\n";
  }
  return n;
}

// Checks every tessera configuration against OpenCV op by op. False on any difference.
bool verify(const std::vector<Case>& cases, const cv::Mat& expected) {
  bool ok = true;
  for (const Case& c : cases) {
    if (!c.tessera_options) continue;
    std::int64_t n = 0;
    try {
      n = count_differences(tessera::run(g_work.pipeline, g_work.input, *c.tessera_options), expected, c.label);
    } catch (const std::exception& e) {
      std::cout << "  " << c.label << ": threw: " << e.what() << "\n";
      n = -1;
    }
    std::cout << "  check " << c.label << " == OpenCV op by op: " << (n == 0 ? "OK" : "FAILED");
    if (n > 0) std::cout << " (" << n << " differing pixels)";
    std::cout << "\n";
    ok = ok && n == 0;
  }
  return ok;
}

// Prints each benchmark's time with its speedup over both OpenCV op-by-op variants.
void print_summary(const std::vector<Case>& cases, const tessera::bench::SummaryReporter& reporter,
                   const Settings& s) {
  const std::optional<double> reused = reporter.time_ms("opencv_op_by_op");
  const std::optional<double> fresh = reporter.time_ms("opencv_op_by_op/fresh_buffers");
  const auto ratio = [](std::optional<double> base, double t) {
    return base ? cv::format("%.2fx", *base / t) : std::string("n/a");
  };
  const auto ms = [](std::optional<double> v) {
    return v ? cv::format(*v < 10 ? "%.2f ms" : "%.1f ms", *v) : std::string("-");
  };
  std::printf("\nSummary: P1 on %dx%d, real time (median, min and stddev over repetitions when repeated), "
              "cv::getNumThreads() = %d; speedup = OpenCV op by op median / this median\n\n",
              s.size, s.size, cv::getNumThreads());
  std::printf("| %-44s | %10s | %10s | %9s | %-21s | %-20s |\n", "implementation", "median", "min", "stddev",
              "vs OpenCV reused bufs", "vs OpenCV fresh bufs");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(12, '-').c_str(),
              std::string(12, '-').c_str(), std::string(11, '-').c_str(), std::string(23, '-').c_str(),
              std::string(22, '-').c_str());
  for (const Case& c : cases) {
    const std::optional<double> t = reporter.time_ms(c.name);
    if (!t) continue;
    std::printf("| %-44s | %10s | %10s | %9s | %-21s | %-20s |\n", c.label.c_str(), ms(t).c_str(),
                ms(reporter.min_ms(c.name)).c_str(), ms(reporter.stddev_ms(c.name)).c_str(),
                ratio(reused, *t).c_str(), ratio(fresh, *t).c_str());
  }
  if (g_trace_overhead)
    std::printf("\nTrace overhead, 256x256 tiles, reused output, %zu pairs of untraced and traced runs: untraced "
                "%.2f ms, traced %.2f ms (medians; creating, writing and renaming the trace included): median "
                "of the pairs' ratios %+.1f%%; the trace holds %lld bytes\n",
                g_trace_overhead->pairs, g_trace_overhead->untraced_ms, g_trace_overhead->traced_ms,
                100.0 * (g_trace_overhead->pair_ratio - 1.0), static_cast<long long>(g_trace_overhead->trace_bytes));
  for (const auto& [name, message] : reporter.errors()) std::printf("ERROR %s: %s\n", name.c_str(), message.c_str());
}

// OpenCV's parallel framework as its build information names it (e.g. "TBB (ver 2021.8 interface 12080)").
std::string parallel_framework() {
  const std::string info = cv::getBuildInformation();
  const std::string key = "Parallel framework:";
  const auto at = info.find(key);
  if (at == std::string::npos) return "unknown";
  const auto begin = info.find_first_not_of(' ', at + key.size());
  return info.substr(begin, info.find('\n', begin) - begin);
}

// Parses a positive integer (or -1 when allow_default); exits with a message otherwise.
int parse_int(const std::string& text, const char* what, bool allow_default) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v > 1 << 20 || (v <= 0 && !(allow_default && v == -1))) {
    std::cerr << "bench_p1: " << what << "='" << text << "' must be a positive integer"
              << (allow_default ? " (or -1 for OpenCV's default)" : "") << "\n";
    std::exit(2);
  }
  return int(v);
}

// Reads the environment, then removes this program's own flags from argv (they win).
Settings parse_settings(int& argc, char** argv) {
  Settings s;
  if (const char* e = std::getenv("TESSERA_BENCH_SIZE")) s.size = parse_int(e, "TESSERA_BENCH_SIZE", false);
  if (const char* e = std::getenv("TESSERA_BENCH_CV_THREADS"))
    s.cv_threads = parse_int(e, "TESSERA_BENCH_CV_THREADS", true);
  if (const auto v = tessera::bench::take_flag(argc, argv, "size")) s.size = parse_int(*v, "--size", false);
  if (const auto v = tessera::bench::take_flag(argc, argv, "cv_threads"))
    s.cv_threads = parse_int(*v, "--cv_threads", true);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings settings = parse_settings(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (settings.cv_threads != -1) cv::setNumThreads(settings.cv_threads);

  const int n = settings.size;
  const double t0 = double(cv::getTickCount());
  g_work.input = tessera::bench::make_slide_like(n, n, kSeed);
  const double gen_s = (double(cv::getTickCount()) - t0) / cv::getTickFrequency();
  g_work.pipeline = tessera::Pipeline::parse(kSpec);
  g_work.pixels = std::int64_t(n) * n;

  P1Buffers buffers;
  cv::Mat expected, naive;
  opencv_p1(g_work.input, buffers, expected);
  cv::Scalar mean, stddev;
  cv::meanStdDev(g_work.input, mean, stddev);

  std::printf("bench_p1: P1 = \"%s\" on a %dx%d 8-bit gray slide-like image (seed %u, generated in %.2f s)\n",
              kSpec, n, n, kSeed, gen_s);
  std::printf("  input mean %.1f, stddev %.1f; OpenCV output: %.2f%% of pixels set\n", mean[0], stddev[0],
              100.0 * cv::countNonZero(expected) / double(g_work.pixels));
  std::printf("  OpenCV %s, parallel framework '%s', cv::getNumThreads() = %d: OpenCV's own threading %s%s\n",
              CV_VERSION, parallel_framework().c_str(), cv::getNumThreads(),
              cv::getNumThreads() > 1 ? "ON" : "OFF",
              settings.cv_threads == -1 ? " (default; --cv_threads=1 or TESSERA_BENCH_CV_THREADS=1 turns it off)"
                                        : " (set by --cv_threads / TESSERA_BENCH_CV_THREADS)");
  std::printf("  tessera threads = %d (all cores), TBB default concurrency = %d\n", tessera::effective_threads(0),
              tbb::info::default_concurrency());

  const std::vector<Case> cases = make_cases(n);
  if (!verify(cases, expected)) {
    std::printf("FAILED: tessera's output is not bit-identical to OpenCV op by op; not benchmarking.\n");
    return 1;
  }
  naive_tiled_p1(g_work.input, naive);
  const std::int64_t naive_wrong = count_differences(naive, expected, "naive tiling");
  std::printf("  naive tiling 512x512 vs OpenCV op by op: %lld differing pixels (speed reference only)\n\n",
              static_cast<long long>(naive_wrong));
  std::fflush(stdout);

  const auto fastest = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  for (const Case& c : cases) {
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(c.name.c_str(), c.fn);
    if (c.name.find("/traced") != std::string::npos) b->UseManualTime();  // the traced run's time only
    else b->UseRealTime();
    b->Unit(benchmark::kMillisecond)->ComputeStatistics("min", fastest);
  }

  tessera::bench::SummaryReporter reporter(benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);
  print_summary(cases, reporter, settings);
  benchmark::Shutdown();
  return reporter.errors().empty() ? 0 : 1;
}
