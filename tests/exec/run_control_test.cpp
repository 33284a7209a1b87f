// Controlling a run and its failures: kernel errors inside tiles, cancellation, the number of
// threads, and progress, on every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

using test::kBackends;
using test::options;

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
    if (!test::runs(be)) continue;
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
