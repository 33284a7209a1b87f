// DAG pipelines, global stages, custom C++ kernels, errors inside tiles, cancellation, progress.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "exec/tile_eval.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

RunOptions options(Backend b, Size tile = {29, 17}, int threads = 3) {
  RunOptions o;
  o.backend = b;
  o.tile = tile;
  o.threads = threads;
  return o;
}

const Backend kBackends[] = {Backend::Tbb, Backend::Omp, Backend::Serial};

/// A global kernel: histogram equalisation needs the whole image.
KernelPtr equalize_global() {
  OpSpec s;
  s.name = "equalize_whole";
  s.kernel_class = KernelClass::Global;
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::equalizeHist(in[0], out); };
  return make_op_kernel(std::move(s));
}

TEST(Dag, TwoBranchesJoinedEqualWholeImage) {
  // input -> gaussian -> sobel_mag --+
  //       -> invert ---------------- absdiff -> output
  Pipeline p;
  const NodeId g = p.add("gaussian", {{"sigma", "1.5"}}, {Pipeline::kInput});
  const NodeId s = p.add("sobel_mag", {}, {g});
  const NodeId inv = p.add("invert", {}, {Pipeline::kInput});
  p.add("absdiff", {}, {s, inv});
  const cv::Mat in = test::random_image(123, 77, CV_8UC1, 3);
  cv::Mat b, expect;
  cv::GaussianBlur(in, b, cv::Size(0, 0), 1.5);
  cv::absdiff(test::opencv_sobel_mag(b), cv::Scalar::all(255) - in, expect);
  for (Backend be : kBackends) EXPECT_TRUE(test::identical(run(p, in, options(be)), expect)) << to_string(be);
}

TEST(Dag, SharedIntermediateComputedOncePerTile) {
  // One node feeding two consumers with different halos: its region is the union.
  Pipeline p;
  const NodeId a = p.add("gaussian", {{"sigma", "1"}}, {Pipeline::kInput});
  const NodeId b = p.add("box", {{"ksize", "9"}}, {a});
  const NodeId c = p.add("sobel_mag", {}, {a});
  p.add("addw", {{"alpha", "0.25"}, {"beta", "0.75"}}, {b, c});
  const cv::Mat in = test::random_image(90, 64, CV_8UC3, 4);
  const cv::Mat expect = run_reference(p, in);
  for (Backend be : kBackends)
    for (Size t : {Size{1, 1}, Size{8, 3}, Size{200, 200}})
      EXPECT_TRUE(test::identical(run(p, in, options(be, t)), expect)) << to_string(be) << " " << t;
}

TEST(Dag, GlobalStageIsMaterialisedWhole) {
  Pipeline p;
  p.add("gaussian", {{"sigma", "2"}});
  p.add(equalize_global());
  p.add("sobel_mag");
  const cv::Mat in = test::random_image(150, 97, CV_8UC1, 8);
  const PipelineShape shape = p.validate(PixelType::of(in), {in.cols, in.rows});
  const detail::Plan plan = detail::make_plan(p, shape);
  ASSERT_EQ(plan.passes.size(), 3u);
  EXPECT_EQ(plan.passes[0].kind, detail::Pass::Kind::Tiled);
  EXPECT_EQ(plan.passes[1].kind, detail::Pass::Kind::Whole);
  EXPECT_EQ(plan.passes[2].kind, detail::Pass::Kind::Tiled);
  cv::Mat b, eq;
  cv::GaussianBlur(in, b, cv::Size(0, 0), 2);
  cv::equalizeHist(b, eq);
  const cv::Mat expect = test::opencv_sobel_mag(eq);
  for (Backend be : kBackends) {
    RunStats stats;
    EXPECT_TRUE(test::identical(run(p, in, options(be), &stats), expect)) << to_string(be);
    EXPECT_EQ(stats.passes, 3);
  }
}

TEST(Dag, GlobalStageAsOutput) {
  Pipeline p;
  p.add("box", {{"ksize", "3"}});
  p.add(equalize_global());
  const cv::Mat in = test::random_image(64, 40, CV_8UC1, 2);
  EXPECT_TRUE(test::identical(run(p, in, options(Backend::Tbb)), run_reference(p, in)));
}

TEST(CustomKernel, StencilFromCppRunsTiled) {
  // A user kernel: 5x5 median, radius 2, declared as a stencil. cv::medianBlur always
  // replicates the edge, so the kernel declares that border.
  OpSpec s;
  s.name = "median5";
  s.kernel_class = KernelClass::Stencil;
  s.halo = {2, 2};
  s.border = {BorderMode::Replicate};
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::medianBlur(in[0], out, 5); };
  Pipeline p;
  p.add(make_op_kernel(std::move(s)));
  p.add("threshold", {{"t", "128"}});
  const cv::Mat in = test::random_image(131, 67, CV_8UC1, 11);
  cv::Mat med, expect;
  cv::medianBlur(in, med, 5);
  cv::threshold(med, expect, 128, 255, cv::THRESH_BINARY);
  for (Backend be : kBackends) EXPECT_TRUE(test::identical(run(p, in, options(be, {10, 7})), expect)) << to_string(be);
}

TEST(CustomKernel, IncompleteSpecIsRejected) {
  OpSpec s;
  s.name = "broken";
  EXPECT_THROW(make_op_kernel(s), UsageError);
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { out = in[0].clone(); };
  s.halo = {1, 1};
  EXPECT_THROW(make_op_kernel(s), UsageError);  // pointwise with a halo
  s.kernel_class = KernelClass::Geometric;
  EXPECT_THROW(make_op_kernel(s), UsageError);
}

KernelPtr failing_kernel(std::atomic<int>* calls) {
  OpSpec s;
  s.name = "fails_on_tile";
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [calls](std::span<const cv::Mat> in, cv::Mat& out, int) {
    if (++*calls == 5) throw std::runtime_error("boom");
    // Slow tiles, so that the others cannot all finish while the failing one unwinds, even
    // on a loaded machine (the test checks that the run stops early).
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    out = in[0].clone();
  };
  return make_op_kernel(std::move(s));
}

TEST(Errors, KernelFailureStopsTheRunOnEveryBackend) {
  const cv::Mat in = test::random_image(100, 100, CV_8UC1, 1);
  for (Backend be : kBackends) {
    std::atomic<int> calls{0};
    Pipeline p;
    p.add(failing_kernel(&calls));
    try {
      run(p, in, options(be, {10, 10}));
      ADD_FAILURE() << "no error on " << to_string(be);
    } catch (const KernelError& e) {
      EXPECT_NE(std::string(e.what()).find("fails_on_tile': failed on tile"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos);
      ASSERT_TRUE(e.tile().has_value());
      EXPECT_EQ(e.tile()->w, 10);
    }
    EXPECT_LT(calls.load(), 100) << "the run should stop early on " << to_string(be);
  }
}

TEST(Errors, WrongSizedKernelOutputIsCaught) {
  OpSpec s;
  s.name = "shrinks";
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { out = in[0](cv::Rect(0, 0, 1, 1)).clone(); };
  Pipeline p;
  p.add(make_op_kernel(std::move(s)));
  EXPECT_THROW(run(p, test::random_image(20, 20, CV_8UC1, 1), options(Backend::Serial, {5, 5})), KernelError);
}

TEST(Control, CancelStopsPromptlyOnEveryBackend) {
  const cv::Mat in = test::random_image(200, 200, CV_8UC1, 1);
  for (Backend be : kBackends) {
    std::atomic<bool> cancel{false};
    std::atomic<std::int64_t> seen{0};
    RunOptions o = options(be, {4, 4}, 2);
    o.cancel = &cancel;
    o.progress = [&](std::int64_t done, std::int64_t) {
      seen = done;
      if (done == 10) cancel = true;
    };
    EXPECT_THROW(run(Pipeline::parse("invert"), in, o), Cancelled) << to_string(be);
    EXPECT_LT(seen.load(), 2500) << to_string(be);
  }
}

// The run uses as many threads as asked, no more (also above the core count).
TEST(Control, UsesTheRequestedThreads) {
  for (Backend be : {Backend::Tbb, Backend::Omp}) {
    for (int threads : {1, 3, 6}) {
      std::atomic<int> running{0}, peak{0};
      OpSpec s;
      s.name = "slow";
      s.output_type = [](std::span<const PixelType> in) { return in[0]; };
      s.apply = [&](std::span<const cv::Mat> in, cv::Mat& out, int) {
        const int now = ++running;
        for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        out = in[0].clone();
        --running;
      };
      Pipeline p;
      p.add(make_op_kernel(std::move(s)));
      run(p, test::random_image(64, 64, CV_8UC1, 1), options(be, {8, 8}, threads));
      EXPECT_LE(peak.load(), threads) << to_string(be);
      EXPECT_GE(peak.load(), threads == 1 ? 1 : threads - 1) << to_string(be) << " " << threads << " threads";
    }
  }
}

TEST(Control, ProgressCountsEveryTile) {
  const cv::Mat in = test::random_image(100, 50, CV_8UC1, 1);
  for (Backend be : kBackends) {
    std::int64_t last = 0, total = 0, calls = 0;
    RunOptions o = options(be, {10, 10});
    o.progress = [&](std::int64_t done, std::int64_t n) {
      ++calls;
      last = std::max(last, done);
      total = n;
    };
    RunStats stats;
    run(Pipeline::parse("gaussian sigma=1"), in, o, &stats);
    EXPECT_EQ(total, 50);
    EXPECT_EQ(last, 50);
    EXPECT_EQ(calls, 50);
    EXPECT_EQ(stats.tiles, 50);
  }
}

}  // namespace
}  // namespace tessera
