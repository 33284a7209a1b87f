// Microbenchmarks: the hot kernels per tile (fused row path vs tile at a time), the
// scheduler's per-tile overhead, and how close a parallel run comes to the sum of its
// single-thread tile times divided by the thread count.
//
//   build/bin/bench_kernels [--benchmark_filter=REGEX] [--size=N]
//
// The simd/ cases run the kernels with vector loops at each level the CPU has (tessera/simd.hpp:
// baseline SSE2, AVX2, AVX-512), one thread, and a table compares them.
//
// Every case runs on an N x N slide-like image (default 2048: it stays in L3) with the
// output buffer reused, so that no case pays for page faults. OpenCV's own threading is
// off (cv::setNumThreads(1)): a "1 thread" figure is one thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "own_flags.hpp"
#include "summary_reporter.hpp"
#include "synthetic.hpp"
#include "tessera/tessera.hpp"

namespace {

int g_size = 2048;
cv::Mat g_gray, g_bgr;

struct KernelCase {
  std::string spec;
  bool colour;
};

// The kernels issue 6 names as hot, and the chains the compare harness runs.
const std::vector<KernelCase> kKernels = {
    {"gaussian sigma=2", false},
    {"gaussian sigma=1.5", true},
    {"box ksize=5", false},
    {"sobel_mag", false},
    {"threshold t=40", false},
    {"gamma g=0.8", true},
    {"erode ksize=3", false},
    {"dilate ksize=5", false},
    {"gray", true},
    {"unsharp sigma=2 amount=1", true},
    {"gaussian sigma=2 | sobel_mag | threshold t=40", false},
    {"gaussian sigma=1.5 | unsharp sigma=2 amount=1 | gamma g=0.8", true},
};

// The kernels with vector row loops, for the per-level table: every loops file at least once.
const std::vector<KernelCase> kSimdKernels = {
    {"gaussian sigma=1.5", false},
    {"gaussian sigma=1.5", true},
    {"box ksize=3", false},
    {"filter kernel=\"0 -1 0; -1 5 -1; 0 -1 0\"", false},
    {"sobel_mag", false},
    {"scharr dx=1 dy=0", false},
    {"threshold t=40", false},
    {"invert", true},
    {"gamma g=0.8", true},
    {"erode ksize=3", false},
    {"dilate ksize=5", true},
    {"median ksize=3", false},
    {"median ksize=5", true},
    {"unsharp sigma=2 amount=1", true},
    {"bilateral sigma_color=30 sigma_space=2", false},
    {"resize scale=0.7", true},
    {"resize scale=0.5 interp=area", true},
    {"convert to=f32 | pyrdown", false},
    {"convert to=f32 | hsv", true},
    {"gaussian sigma=2 | sobel_mag | threshold t=40", false},
};

using Clock = std::chrono::steady_clock;

/// Runs `p` on `in` once per benchmark iteration, the output reused; returns the wall
/// seconds per tile over all of them.
double run_per_tile(benchmark::State& state, const tessera::Pipeline& p, const cv::Mat& in,
                    const tessera::RunOptions& o) {
  cv::Mat out;
  tessera::RunStats stats;
  const auto start = Clock::now();
  for (auto _ : state) {
    stats = tessera::run(p, in, out, o);
    benchmark::DoNotOptimize(out.data);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  state.SetLabel(std::to_string(stats.tiles) + " tiles");
  return seconds / std::max<double>(1, double(state.iterations()) * double(stats.tiles));
}

const cv::Mat& input_for(bool colour) { return colour ? g_bgr : g_gray; }

tessera::RunOptions serial_options(tessera::Size tile, bool fused) {
  tessera::RunOptions o;
  o.backend = tessera::Backend::Serial;
  o.threads = 1;
  o.tile = tile;
  o.fused = fused;
  return o;
}

// One kernel (or chain) over the whole image in `tile` tiles on one thread.
void bm_kernel(benchmark::State& state, const KernelCase& c, tessera::Size tile, bool fused) {
  const tessera::Pipeline p = tessera::Pipeline::parse(c.spec);
  const cv::Mat& in = input_for(c.colour);
  const double per_tile = run_per_tile(state, p, in, serial_options(tile, fused));
  state.SetItemsProcessed(state.iterations() * std::int64_t(in.total()));
  state.SetBytesProcessed(state.iterations() * std::int64_t(in.total() * in.elemSize()));
  state.counters["us_per_tile"] = per_tile * 1e6;
}

// A kernel case fused on one thread, 256x256 tiles, with the vector loops capped at `level`.
void bm_simd(benchmark::State& state, const KernelCase& c, tessera::SimdLevel level) {
  const tessera::SimdLevel before = tessera::simd_level();
  tessera::set_simd_level(level);
  bm_kernel(state, c, {256, 256}, true);
  tessera::set_simd_level(before);
}

// The scheduler alone: `invert` (one table lookup per pixel) over many small tiles, so
// the time is mostly per-tile cost: creating, scheduling and finishing the task, reading
// the source view and writing the output view.
void bm_scheduler(benchmark::State& state, tessera::Backend backend, tessera::Size tile, int threads) {
  static const tessera::Pipeline p = tessera::Pipeline::parse("invert");
  const int side = std::min(1024, g_size);
  const cv::Mat in = g_gray(cv::Rect(0, 0, side, side));
  tessera::RunOptions o;
  o.backend = backend;
  o.threads = threads;
  o.tile = tile;
  const double per_tile = run_per_tile(state, p, in, o);
  state.counters["ns_per_tile"] = per_tile * 1e9;
}

// Per P1 case: the sums over its iterations of the run's wall time and busy time.
struct Utilisation {
  double wall = 0, busy = 0;
  int runs = 0;
};
std::map<std::string, Utilisation> g_utilisation;

// P1 on `threads` threads (TBB graph) or on one (serial: the sum of the tile times).
void bm_p1_parallel(benchmark::State& state, const std::string& key, tessera::Size tile, tessera::Backend backend,
                    int threads) {
  static const tessera::Pipeline p = tessera::Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40");
  tessera::RunOptions o;
  o.backend = backend;
  o.threads = threads;
  o.tile = tile;
  cv::Mat out;
  Utilisation u;
  for (auto _ : state) {
    const tessera::RunStats stats = tessera::run(p, g_gray, out, o);
    u.wall += stats.seconds;
    u.busy += stats.busy_seconds;
    ++u.runs;
    benchmark::DoNotOptimize(out.data);
  }
  state.SetItemsProcessed(state.iterations() * std::int64_t(g_gray.total()));
  state.counters["busy_pct"] = 100 * u.busy / (u.wall * threads);
  g_utilisation[key] = u;
}

// ---- imbalance: what work stealing buys -------------------------------------------------
// A pointwise kernel whose cost grows with the pixel value (v iterations of a hash per pixel,
// the pixel kept), on a vertical ramp: the bottom of the image costs far more than the top.
tessera::KernelPtr spin_kernel() {
  return tessera::make_pointwise("spin", {{CV_8U}, {1}}, [](const cv::Mat& in, cv::Mat& out) {
    in.copyTo(out);
    for (int y = 0; y < in.rows; ++y) {
      const uchar* row = in.ptr<uchar>(y);
      for (int x = 0; x < in.cols; ++x) {
        unsigned h = row[x];
        for (int i = row[x] / 2; i > 0; --i) {
          h = h * 1103515245u + 12345u;
          asm volatile("" : "+r"(h));  // keep the loop: its cost is the point
        }
      }
    }
  });
}

const cv::Mat& ramp() {
  static const cv::Mat m = [] {
    cv::Mat r(1024, 1024, CV_8UC1);
    for (int y = 0; y < r.rows; ++y) r.row(y).setTo(y * 255 / (r.rows - 1));
    return r;
  }();
  return m;
}

// The scheduler's backends on the imbalanced image, 64x64 tiles.
void bm_imbalance(benchmark::State& state, tessera::Backend backend, int threads) {
  tessera::Pipeline p;
  p.add(spin_kernel(), {tessera::Pipeline::kInput});
  tessera::RunOptions o;
  o.backend = backend;
  o.threads = threads;
  o.tile = {64, 64};
  cv::Mat out;
  for (auto _ : state) {
    tessera::run(p, ramp(), out, o);
    benchmark::DoNotOptimize(out.data);
  }
  state.SetItemsProcessed(state.iterations() * std::int64_t(ramp().total()));
}

// Without load balancing: the image cut into `threads` bands of equal height, one thread
// each (what a static partition of the tiles does). The kernel is pointwise, so the bands
// give the same bits.
void bm_imbalance_static(benchmark::State& state, int threads) {
  tessera::Pipeline p;
  p.add(spin_kernel(), {tessera::Pipeline::kInput});
  tessera::RunOptions o;
  o.backend = tessera::Backend::Serial;
  o.tile = {64, 64};
  cv::Mat out(ramp().size(), CV_8UC1);
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        const int y0 = ramp().rows * t / threads, y1 = ramp().rows * (t + 1) / threads;
        cv::Mat band = out.rowRange(y0, y1);
        tessera::run(p, ramp().rowRange(y0, y1), band, o);
      });
    for (std::thread& w : workers) w.join();
    benchmark::DoNotOptimize(out.data);
  }
  state.SetItemsProcessed(state.iterations() * std::int64_t(ramp().total()));
}

std::string tile_name(tessera::Size t) { return std::to_string(t.w) + "x" + std::to_string(t.h); }

int parse_size(int& argc, char** argv) {
  const auto flag = tessera::bench::take_flag(argc, argv, "size");
  if (!flag) return 2048;
  const int size = std::atoi(flag->c_str());
  if (size < 64 || size > 16384) {
    std::fprintf(stderr, "bench_kernels: --size=%s must be 64..16384\n", flag->c_str());
    std::exit(2);
  }
  return size;
}

// ---- registration and reports ------------------------------------------------------------

// The P1 cases' tile sizes: each is run serial and on the TBB graph.
const std::vector<tessera::Size> kP1Tiles{{256, 256}, {64, 64}};

void make_images() {
  g_gray = tessera::bench::make_slide_like(g_size, g_size);
  g_bgr = tessera::bench::make_slide_like_bgr(g_size, g_size);
}

void register_kernel_benchmarks() {
  const tessera::Size kTile{256, 256};
  for (const KernelCase& c : kKernels)
    for (bool fused : {true, false})
      benchmark::RegisterBenchmark(("kernel/" + c.spec + (fused ? "/fused" : "/tile_at_a_time")).c_str(),
                                   [&c, fused, kTile](benchmark::State& s) { bm_kernel(s, c, kTile, fused); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
}

std::vector<tessera::SimdLevel> simd_levels() {
  std::vector<tessera::SimdLevel> levels;
  for (auto l : {tessera::SimdLevel::Baseline, tessera::SimdLevel::Avx2, tessera::SimdLevel::Avx512})
    if (l <= tessera::simd_supported()) levels.push_back(l);
  return levels;
}

std::string simd_case(const KernelCase& c, tessera::SimdLevel l) {
  return "simd/" + c.spec + (c.colour ? " (bgr)" : "") + "/" + tessera::to_string(l);
}

void register_simd_benchmarks() {
  for (const KernelCase& c : kSimdKernels)
    for (tessera::SimdLevel l : simd_levels())
      benchmark::RegisterBenchmark(simd_case(c, l).c_str(), [&c, l](benchmark::State& s) { bm_simd(s, c, l); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
}

void register_scheduler_benchmarks(int threads) {
  const std::vector<tessera::Size> small_tiles{{8, 8}, {32, 32}, {64, 64}};
  for (tessera::Size t : small_tiles)
    for (tessera::Backend b : {tessera::Backend::Tbb, tessera::Backend::Omp, tessera::Backend::Serial}) {
      const int n = b == tessera::Backend::Serial ? 1 : threads;
      benchmark::RegisterBenchmark(("scheduler/" + tessera::to_string(b) + "/" + tile_name(t)).c_str(),
                                   [b, t, n](benchmark::State& s) { bm_scheduler(s, b, t, n); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
}

void register_p1_benchmarks(int threads) {
  for (tessera::Size t : kP1Tiles) {
    const std::string serial = "p1/" + tile_name(t) + "/serial", tbb = "p1/" + tile_name(t) + "/tbb";
    benchmark::RegisterBenchmark(serial.c_str(), [t, serial](benchmark::State& s) {
      bm_p1_parallel(s, serial, t, tessera::Backend::Serial, 1);
    })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(tbb.c_str(), [t, tbb, threads](benchmark::State& s) {
      bm_p1_parallel(s, tbb, t, tessera::Backend::Tbb, threads);
    })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

void register_imbalance_benchmarks(int threads) {
  for (tessera::Backend b : {tessera::Backend::Tbb, tessera::Backend::Omp, tessera::Backend::Serial}) {
    const int n = b == tessera::Backend::Serial ? 1 : threads;
    benchmark::RegisterBenchmark(("imbalance/" + tessera::to_string(b)).c_str(),
                                 [b, n](benchmark::State& s) { bm_imbalance(s, b, n); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("imbalance/static_bands",
                               [threads](benchmark::State& s) { bm_imbalance_static(s, threads); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

// Scheduling overhead: the parallel run against the ideal, (sum of tile times) / threads,
// with the tile times measured in the serial run (one thread alone on the machine) and in
// the parallel run itself (the workers' busy time, which includes contention for the
// shared cache and memory: what is left over is the scheduler's and idle time).
void print_scheduling_overhead(int threads) {
  std::printf("\nScheduling overhead, P1 on %dx%d, %d threads (TBB graph):\n", g_size, g_size, threads);
  std::printf("  %-8s %12s %12s %14s %12s %10s %16s %9s\n", "tiles", "serial ms", "tbb ms", "busy/thr ms",
              "vs busy", "busy %", "vs serial/thr", "speedup");
  for (tessera::Size t : kP1Tiles) {
    const auto serial = g_utilisation.find("p1/" + tile_name(t) + "/serial");
    const auto tbb = g_utilisation.find("p1/" + tile_name(t) + "/tbb");
    if (serial == g_utilisation.end() || tbb == g_utilisation.end()) continue;
    // Means per run (every run of a case does the same work).
    const auto ms = [](double s) { return s * 1e3; };
    const Utilisation& us = serial->second;
    const Utilisation& ut = tbb->second;
    const double serial_s = us.wall / us.runs, tbb_s = ut.wall / ut.runs, busy = ut.busy / ut.runs / threads;
    std::printf("  %-8s %12.2f %12.2f %14.2f %+11.1f%% %9.1f%% %+15.1f%% %8.2fx\n", tile_name(t).c_str(),
                ms(serial_s), ms(tbb_s), ms(busy), (tbb_s / busy - 1) * 100, 100 * busy / tbb_s,
                (tbb_s / (serial_s / threads) - 1) * 100, serial_s / tbb_s);
  }
  std::printf("  (means over each case's runs; busy = time inside tile tasks, summed over the workers)\n");
}

// The vector levels side by side: ms per image at each, and the speedup over the baseline.
void print_simd_levels(const tessera::bench::SummaryReporter& reporter) {
  const std::vector<tessera::SimdLevel> levels = simd_levels();
  bool header = false;
  for (const KernelCase& c : kSimdKernels) {
    std::vector<std::optional<double>> ms;
    for (tessera::SimdLevel l : levels) ms.push_back(reporter.time_ms(simd_case(c, l)));
    if (!ms[0]) continue;
    if (!header) {
      std::printf("\nVector levels, fused, 1 thread, 256x256 tiles, %dx%d (ms per image; x = speedup over baseline):\n",
                  g_size, g_size);
      std::printf("  %-52s", "kernel");
      for (tessera::SimdLevel l : levels) std::printf(" %10s", tessera::to_string(l));
      for (std::size_t i = 1; i < levels.size(); ++i) std::printf(" %9s", (std::string("x ") + tessera::to_string(levels[i])).c_str());
      std::printf("\n");
      header = true;
    }
    std::printf("  %-52s", (c.spec + (c.colour ? " (bgr)" : "")).c_str());
    for (const auto& t : ms) t ? std::printf(" %10.2f", *t) : std::printf(" %10s", "-");
    for (std::size_t i = 1; i < ms.size(); ++i) ms[i] ? std::printf(" %8.2fx", *ms[0] / *ms[i]) : std::printf(" %9s", "-");
    std::printf("\n");
  }
}

// Work stealing against a static partition, on the imbalanced image.
void print_imbalance(const tessera::bench::SummaryReporter& reporter, int threads) {
  const auto serial = reporter.time_ms("imbalance/serial");
  if (!serial) return;
  std::printf("\nImbalanced load (cost grows down the image), 1024x1024, 64x64 tiles, %d threads:\n", threads);
  for (const char* name : {"tbb", "omp", "static_bands", "serial"})
    if (const auto t = reporter.time_ms(std::string("imbalance/") + name))
      std::printf("  %-13s %9.2f ms  speedup over serial %.2fx\n", name, *t, *serial / *t);
}

}  // namespace

int main(int argc, char** argv) {
  g_size = parse_size(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  cv::setNumThreads(1);
  make_images();
  const int threads = tessera::effective_threads(0);
  std::printf("bench_kernels: %dx%d slide-like images, output reused, OpenCV threads 1, tessera threads up to %d\n",
              g_size, g_size, threads);

  register_kernel_benchmarks();
  register_simd_benchmarks();
  register_scheduler_benchmarks(threads);
  register_p1_benchmarks(threads);
  register_imbalance_benchmarks(threads);
  tessera::bench::SummaryReporter reporter(benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);

  print_scheduling_overhead(threads);
  print_imbalance(reporter, threads);
  print_simd_levels(reporter);
  benchmark::Shutdown();
  return 0;
}
