// The memory budget of a run: memory sizes as text, the refusal of a global stage that does
// not fit, and the bound on tiles in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

using test::tiles;

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
