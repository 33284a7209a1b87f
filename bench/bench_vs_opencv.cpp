// "Never slower than OpenCV" (issue 12, target 0), measured: every registry kernel alone,
// then random chains of 2-4 kernels, each run by tessera at the tile size `--tile auto`
// picks and by the same OpenCV calls made op by op on the whole image, alternating, in one
// process. Prints one row per case and the worst ratio.
//
//   build/bin/bench_vs_opencv [--size 4096] [--threads 0] [--chains 20] [--seed 1] [--reps 5] [--depth u8]
//
// The OpenCV side of a stage is the registry's oracle (the OpenCV call that defines the
// kernel) where it has one, else the kernel's reference(): the OpenCV call(s) on whole images.
// OpenCV runs with its own threading at the same thread count. Its outputs are new images
// each call, as its API returns them; to give it warm buffers all the same, the process keeps
// freed memory (no mmap, no trimming), so a repeated call reuses pages already faulted in.
// Ratio = OpenCV time / tessera time: above 1, tessera is faster.
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "synthetic.hpp"
#include "tessera/autotune.hpp"
#include "tessera/tessera.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Stage {
  const tessera::KernelInfo* info;
  std::map<std::string, std::string> params;
  std::string spec() const {
    std::string s = info->name;
    for (const auto& [k, v] : params) s += " " + k + "=" + (v.find(' ') != std::string::npos ? "\"" + v + "\"" : v);
    return s;
  }
};

std::string chain_spec(const std::vector<Stage>& chain) {
  std::string s;
  for (const Stage& st : chain) s += (s.empty() ? "" : " | ") + st.spec();
  return s;
}

/// What `stats` reports, as OpenCV computes it: per channel min, max, mean, stddev and
/// histogram (its image passes through, so its reference() alone would do no work).
void opencv_stats(const cv::Mat& in) {
  std::vector<cv::Mat> planes;
  cv::split(in, planes);
  for (const cv::Mat& plane : planes) {
    double lo = 0, hi = 0;
    cv::minMaxIdx(plane, &lo, &hi);
    cv::Scalar mean, dev;
    cv::meanStdDev(plane, mean, dev);
    const int bins = in.depth() == CV_8U ? 256 : 65536;
    const float range[] = {0, static_cast<float>(bins)};
    const float* ranges[] = {range};
    cv::Mat hist;
    cv::calcHist(&plane, 1, nullptr, cv::Mat(), hist, 1, &bins, ranges);
  }
}

/// The chain as OpenCV calls on whole images, stage by stage.
cv::Mat opencv_op_by_op(const std::vector<Stage>& chain, const cv::Mat& in) {
  const tessera::Registry& reg = tessera::Registry::builtin();
  cv::Mat cur = in;
  for (const Stage& st : chain) {
    if (st.info->name == "stats") opencv_stats(cur);
    if (st.info->oracle) {
      const cv::Mat ins[] = {cur};
      cur = st.info->oracle(ins, reg.parse_params(*st.info, st.params));
    } else {
      cur = tessera::run_reference(tessera::Pipeline::parse(st.spec()), cur);
    }
  }
  return cur;
}

/// The nodes of a parsed chain that carry a stage's text (a composite's last node does).
std::vector<tessera::Node> nodes_of(const tessera::Pipeline& p) {
  std::vector<tessera::Node> nodes;
  for (tessera::NodeId id = 1; id <= static_cast<tessera::NodeId>(p.size()); ++id)
    if (!p.node(id).spec.empty()) nodes.push_back(p.node(id));
  return nodes;
}

/// "name k=v ..." as a registry entry and its parameters, split as the spec parser splits
/// them (through KernelInfo::example_params).
Stage stage_of(const tessera::Registry& reg, const std::string& text) {
  const std::size_t space = text.find(' ');
  tessera::KernelInfo words = reg.at(text.substr(0, space));
  words.example = space == std::string::npos ? "" : text.substr(space + 1);
  return {&reg.at(words.name), words.example_params()};
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Result {
  std::string spec, type, tile;
  double tessera = 0, opencv = 0;
  double diff = 0;
};

/// Times one case; nullopt-like (spec empty) when the chain does not take this input.
bool measure(const std::vector<Stage>& chain, const cv::Mat& in, int threads, int reps, bool fused, Result& r) {
  tessera::Pipeline p;
  try {
    p = tessera::Pipeline::parse(chain_spec(chain));
    p.validate(tessera::PixelType::of(in), {in.cols, in.rows});
  } catch (const tessera::Error&) {
    return false;
  }
  tessera::RunOptions o;
  o.threads = threads;
  o.fused = fused;
  o.tile = tessera::choose_tile(p, in, o).tile;
  r.spec = chain_spec(chain);
  r.type = tessera::PixelType::of(in).str();
  r.tile = tessera::to_string(o.tile);
  cv::Mat out, want = opencv_op_by_op(chain, in);  // warm-up of both sides
  tessera::run(p, in, out, o);
  std::vector<double> ts, cs;
  for (int i = 0; i < reps; ++i) {
    auto t = Clock::now();
    tessera::run(p, in, out, o);
    ts.push_back(seconds_since(t));
    t = Clock::now();
    want = opencv_op_by_op(chain, in);
    cs.push_back(seconds_since(t));
  }
  r.tessera = median(ts);
  r.opencv = median(cs);
  r.diff = out.size() == want.size() && out.type() == want.type() ? cv::norm(out, want, cv::NORM_INF) : -1;
  return true;
}

/// The kernels random chains draw from: one input, and not so slow per pixel that a chain
/// would be about them alone.
bool chainable(const tessera::KernelInfo& k) {
  if (k.name == "bilateral" || k.name == "canny") return false;
  return k.kernel_class != tessera::KernelClass::Geometric || k.name == "flip" || k.name == "pyrdown";
}

}  // namespace

int main(int argc, char** argv) {
  int size = 4096, threads = 0, chains = 20, reps = 5;
  unsigned seed = 1;
  CLI::App app{"tessera (tile auto) vs the same OpenCV calls op by op on whole images, per registry kernel and "
               "for random chains of 2-4 kernels; prints the worst ratio"};
  app.add_option("--size", size, "image side in pixels")->check(CLI::Range(64, 32768));
  app.add_option("--threads", threads, "threads for both (0: all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--chains", chains, "random chains to time")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "seed of the random chains");
  app.add_option("--reps", reps, "timed runs per side (the median is reported)")->check(CLI::PositiveNumber);
  std::string depth = "u8";
  app.add_option("--depth", depth, "pixel depth of both images (u8, u16: x 257, f32: / 255)")
      ->check(CLI::IsMember({"u8", "u16", "f32"}));
  std::vector<std::string> specs;
  app.add_option("--pipeline", specs,
                 "time only these pipelines (repeatable), on the gray and the colour image where they apply");
  bool tile_at_a_time = false;
  app.add_flag("--tile-at-a-time", tile_at_a_time,
               "tessera without row stages (RunOptions::fused = false): what fusing gains, side by side");
  CLI11_PARSE(app, argc, argv);

  // Warm buffers for OpenCV (see the file comment).
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
  threads = tessera::effective_threads(threads);
  cv::setNumThreads(threads);
  cv::Mat gray = tessera::bench::make_slide_like(size, size), bgr = tessera::bench::make_slide_like_bgr(size, size);
  if (depth != "u8")
    for (cv::Mat* m : {&gray, &bgr}) m->convertTo(*m, depth == "u16" ? CV_16U : CV_32F, depth == "u16" ? 257. : 1 / 255.);
  std::printf("%dx%d images, %d threads, median of %d; ratio = OpenCV / tessera (> 1: tessera faster)\n\n", size, size,
              threads, reps);
  std::printf("%-70s %-6s %-10s %9s %9s %6s %5s\n", "pipeline", "input", "tile", "tessera", "OpenCV", "ratio", "diff");

  const tessera::Registry& reg = tessera::Registry::builtin();
  std::vector<Result> results;
  auto report = [&](const Result& r) {
    std::printf("%-70s %-6s %-10s %7.1fms %7.1fms %6.2f %5.3g\n", r.spec.substr(0, 70).c_str(), r.type.c_str(),
                r.tile.c_str(), r.tessera * 1e3, r.opencv * 1e3, r.opencv / r.tessera, r.diff);
    std::fflush(stdout);
    results.push_back(r);
  };
  for (const std::string& spec : specs) {
    std::vector<Stage> chain;
    for (const tessera::Node& nd : nodes_of(tessera::Pipeline::parse(spec)))
      chain.push_back(stage_of(reg, nd.spec));
    for (const cv::Mat* in : {&gray, &bgr}) {
      Result r;
      if (measure(chain, *in, threads, reps, !tile_at_a_time, r)) report(r);
    }
  }
  std::vector<const tessera::KernelInfo*> pool;
  for (const tessera::KernelInfo* k : specs.empty() ? reg.entries() : std::vector<const tessera::KernelInfo*>{}) {
    if (chainable(*k)) pool.push_back(k);
    const std::vector<Stage> alone{{k, k->example_params()}};
    for (const cv::Mat* in : {&gray, &bgr}) {
      Result r;
      if (measure(alone, *in, threads, reps, !tile_at_a_time, r)) report(r);
    }
  }
  std::mt19937 rng(seed);
  for (int made = 0, tries = 0; specs.empty() && made < chains && tries < 100 * chains; ++tries) {
    std::vector<Stage> chain(2 + rng() % 3);
    for (Stage& st : chain) {
      st.info = pool[rng() % pool.size()];
      st.params = st.info->example_params();
    }
    Result r;
    if (measure(chain, rng() % 2 ? bgr : gray, threads, reps, !tile_at_a_time, r)) {
      report(r);
      ++made;
    }
  }
  const auto worst = std::min_element(results.begin(), results.end(), [](const Result& a, const Result& b) {
    return a.opencv / a.tessera < b.opencv / b.tessera;
  });
  if (worst == results.end()) return 1;
  const int slower = static_cast<int>(std::count_if(results.begin(), results.end(), [](const Result& r) {
    return r.tessera > r.opencv;
  }));
  double log_sum = 0;
  for (const Result& r : results) log_sum += std::log(r.opencv / r.tessera);
  std::printf("\n%zu cases; tessera slower than OpenCV on %d. Geometric mean of the ratios %.2f. Worst ratio %.2f: "
              "%s (%s)\n",
              results.size(), slower, std::exp(log_sum / double(results.size())), worst->opencv / worst->tessera,
              worst->spec.c_str(), worst->type.c_str());
  return 0;
}
