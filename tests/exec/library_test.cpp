// The kernel library's runtime features: reduce-then-map passes and their results, the
// memory budget of global stages, composite stages, and custom kernels registered from C++.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

RunOptions tiles(Size t, Backend b = Backend::Tbb, int threads = 3) {
  RunOptions o;
  o.tile = t;
  o.backend = b;
  o.threads = threads;
  return o;
}

/// Pulls the number after `"key": ` at or after `from` in a flat JSON text.
double json_number(const std::string& json, const std::string& key, std::size_t from = 0) {
  const auto at = json.find("\"" + key + "\": ", from);
  EXPECT_NE(at, std::string::npos) << key << " missing in " << json.substr(0, 200);
  return std::stod(json.substr(at + key.size() + 4));
}

TEST(Reduce, StatsMatchOpenCVAndDoNotDependOnTiling) {
  for (int type : {CV_8UC1, CV_8UC3, CV_16UC1}) {
    const cv::Mat in = test::random_image(301, 199, type, 5);
    std::vector<std::string> jsons;
    for (Size t : {Size{7, 5}, Size{64, 64}, Size{1000, 1000}}) {
      RunStats stats;
      const cv::Mat out = run(Pipeline::parse("stats"), in, tiles(t), &stats);
      EXPECT_TRUE(test::identical(out, in)) << "stats passes the image through";
      ASSERT_EQ(stats.results.size(), 1u);
      EXPECT_EQ(stats.results[0].stage, "stage 1 'stats'");
      jsons.push_back(stats.results[0].json);
    }
    EXPECT_EQ(jsons[0], jsons[1]);
    EXPECT_EQ(jsons[0], jsons[2]);
    std::vector<cv::Mat> planes;
    cv::split(in, planes);
    std::size_t from = 0;
    for (const cv::Mat& plane : planes) {
      double lo = 0, hi = 0;
      cv::minMaxLoc(plane, &lo, &hi);
      cv::Scalar mean, dev;
      cv::meanStdDev(plane, mean, dev);
      const std::string& j = jsons[0];
      from = j.find("{\"min\"", from);
      ASSERT_NE(from, std::string::npos);
      EXPECT_EQ(json_number(j, "min", from), lo);
      EXPECT_EQ(json_number(j, "max", from), hi);
      EXPECT_NEAR(json_number(j, "mean", from), mean[0], 1e-6 * (1 + mean[0]));
      EXPECT_NEAR(json_number(j, "stddev", from), dev[0], 1e-6 * (1 + dev[0]));
      EXPECT_EQ(json_number(j, "pixels", from), static_cast<double>(plane.total()));
      ++from;
    }
  }
}

TEST(Reduce, HistogramBinsMatchCalcHist) {
  const cv::Mat in = test::random_image(120, 80, CV_8UC1, 6);
  RunStats stats;
  run(Pipeline::parse("stats"), in, tiles({13, 11}), &stats);
  cv::Mat hist;
  const int channels[] = {0}, bins[] = {256};
  const float range[] = {0, 256};
  const float* ranges[] = {range};
  cv::calcHist(&in, 1, channels, cv::Mat(), hist, 1, bins, ranges);
  const std::string& j = stats.results.at(0).json;
  std::size_t at = j.find("\"histogram\": [") + 14;
  for (int v = 0; v < 256; ++v) {
    const std::size_t end = j.find_first_of(",]", at);
    EXPECT_EQ(std::stod(j.substr(at, end - at)), hist.at<float>(v)) << "bin " << v;
    at = end + 2;
  }
}

TEST(Reduce, ChainRunsReducePassThenFusedMap) {
  // gaussian | equalize | threshold: the blur is materialised for the reduce pass; the
  // equalize map and the threshold run in one tiled pass.
  const cv::Mat in = test::random_image(257, 190, CV_8UC1, 7);
  RunStats stats;
  const Pipeline p = Pipeline::parse("gaussian sigma=1.5 | equalize | threshold t=128");
  const cv::Mat got = run(p, in, tiles({50, 40}), &stats);
  EXPECT_EQ(stats.passes, 3);  // tiled gaussian, reduce, tiled equalize+threshold
  cv::Mat blurred, eq, want;
  cv::GaussianBlur(in, blurred, cv::Size(0, 0), 1.5);
  cv::equalizeHist(blurred, eq);
  cv::threshold(eq, want, 128, 255, cv::THRESH_BINARY);
  EXPECT_TRUE(test::identical(got, want));
}

TEST(Reduce, ConstantImageEqualizesAndNormalizesLikeOpenCV) {
  const cv::Mat flat(40, 30, CV_8UC1, cv::Scalar(77));
  cv::Mat eq, norm;
  cv::equalizeHist(flat, eq);
  cv::normalize(flat, norm, 0, 255, cv::NORM_MINMAX);
  EXPECT_TRUE(test::identical(run(Pipeline::parse("equalize"), flat, tiles({7, 7})), eq));
  EXPECT_TRUE(test::identical(run(Pipeline::parse("normalize"), flat, tiles({7, 7})), norm));
}

TEST(Global, RefusedWhenItDoesNotFitTheMemoryBudget) {
  const cv::Mat in = test::random_image(512, 512, CV_8UC1, 8);
  RunOptions o = tiles({64, 64});
  o.memory_budget = 300 * 1024;  // canny needs 256 KiB in + 256 KiB out
  try {
    run(Pipeline::parse("gaussian sigma=1 | canny low=50 high=150"), in, o);
    FAIL() << "expected the budget to refuse canny";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("stage 2 'canny'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("512.0 KiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("300.0 KiB"), std::string::npos) << msg;
  }
  o.memory_budget = 1 << 20;
  cv::Mat blurred, want;
  cv::GaussianBlur(in, blurred, cv::Size(0, 0), 1);
  cv::Canny(blurred, want, 50, 150);
  EXPECT_TRUE(test::identical(run(Pipeline::parse("gaussian sigma=1 | canny low=50 high=150"), in, o), want));
}

TEST(Memory, SizesParseAndPrint) {
  EXPECT_EQ(parse_memory_size("512M"), 512LL << 20);
  EXPECT_EQ(parse_memory_size("2GiB"), 2LL << 30);
  EXPECT_EQ(parse_memory_size("1.5G"), 3LL << 29);
  EXPECT_EQ(parse_memory_size("4096"), 4096);
  EXPECT_EQ(parse_memory_size("64KB"), 64 << 10);
  for (const char* bad : {"", "-1M", "0", "12Q", "M", "nan", "1e30G"})
    EXPECT_THROW(parse_memory_size(bad), UsageError) << bad;
  EXPECT_EQ(format_bytes(512LL << 20), "512.0 MiB");
  EXPECT_EQ(format_bytes(100), "100 bytes");
  EXPECT_GT(default_memory_budget(), 0);
}

/// A user kernel: posterize to `levels` grey levels, registered into a copy of the built-in
/// registry with its class, and used from a spec string.
Registry with_posterize() {
  Registry r = Registry::builtin();
  KernelInfo info;
  info.name = "posterize";
  info.description = "quantise to N levels";
  info.kernel_class = KernelClass::Pointwise;
  info.params = {ParamSpec{"levels", ParamType::Int, "number of levels", "4", 2, 256}};
  info.types = {{CV_8U}, {1, 3}};
  info.make = [](const Params& p) {
    const int step = 256 / static_cast<int>(p.integer("levels"));
    return make_pointwise("posterize", {{CV_8U}, {1, 3}}, [step](const cv::Mat& in, cv::Mat& out) {
      cv::Mat q;
      in.convertTo(q, CV_16U);
      q = q / step * step;  // integer division per element
      q.convertTo(out, CV_8U);
    });
  };
  r.add(std::move(info));
  return r;
}

TEST(CustomKernel, RegisteredLambdaRunsTiledFromASpec) {
  const Registry r = with_posterize();
  const Pipeline p = Pipeline::parse("gaussian sigma=1 | posterize levels=8 | sobel_mag", r);
  const cv::Mat in = test::random_image(140, 90, CV_8UC3, 9);
  const cv::Mat want = run_reference(p, in);
  for (Backend b : {Backend::Tbb, Backend::Omp, Backend::Serial})
    EXPECT_TRUE(test::identical(run(p, in, tiles({17, 9}, b)), want)) << to_string(b);
  EXPECT_THROW(Pipeline::parse("posterize levels=1", r), UsageError);
  EXPECT_THROW(Pipeline::parse("posterize"), UsageError) << "the built-in registry is unchanged";
}

TEST(Composite, ExpandsIntoNodesAndPrintsAsItsStage) {
  const Pipeline p = Pipeline::parse("gaussian sigma=1 | unsharp sigma=2 amount=1 | invert");
  EXPECT_GT(p.size(), 3u) << "unsharp expands into more than one node";
  EXPECT_EQ(p.str(), "gaussian sigma=1 | unsharp sigma=2 amount=1 | invert");
  EXPECT_THROW(Registry::builtin().make("unsharp", {{"sigma", "2"}, {"amount", "1"}}), UsageError);
  try {
    Pipeline::parse("unsharp sigma=2 amount=1 | canny low=1 high=2").validate({CV_16U, 1}, {20, 20});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("stage 2 'canny'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Autotune, ChoosesATimedCandidateAndKeepsTheBits) {
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 31);
  const Pipeline p = Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40");
  RunOptions o;
  o.threads = 2;
  const TileChoice c = choose_tile(p, in, o);
  ASSERT_FALSE(c.candidates.empty());
  EXPECT_GT(c.predicted_seconds, 0);
  EXPECT_GE(c.per_tile_seconds, 0);
  EXPECT_GT(c.per_pixel_seconds, 0);
  int timed = 0;
  for (const TileCandidate& cand : c.candidates) {
    EXPECT_LE(c.predicted_seconds, cand.predicted_seconds) << "the choice is the cheapest prediction";
    timed += cand.measured;
  }
  EXPECT_GE(timed, 2);
  EXPECT_NE(c.explain().find("auto tile: " + to_string(c.tile)), std::string::npos) << c.explain();
  o.tile = c.tile;
  EXPECT_TRUE(test::identical(run(p, in, o), run_reference(p, in)));
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Memory, BudgetBoundsTilesInFlight) {
  std::atomic<int> running{0}, peak{0};
  OpSpec s;
  s.name = "watch";
  s.apply = [&](std::span<const cv::Mat> in, cv::Mat& out, int) {
    const int now = ++running;
    for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    out = in[0].clone();
    --running;
  };
  Pipeline p;
  p.add(make_op_kernel(std::move(s)));
  const cv::Mat in = test::random_image(64, 64, CV_8UC1, 3);
  RunOptions o = tiles({16, 16}, Backend::Tbb, 4);
  o.memory_budget = 4 * 512;  // a 16x16 u8 tile holds 256 bytes in + 256 out: one tile fits
  EXPECT_TRUE(test::identical(run(p, in, o), in));
  EXPECT_EQ(peak.load(), 1) << "the budget allows one tile in flight";
}

}  // namespace
}  // namespace tessera
