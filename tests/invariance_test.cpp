// Invariance: for every registered kernel and the P1 chain, the tiled output is identical to
// the kernel run once on the whole image, for every tile size, thread count and backend.
#include <gtest/gtest.h>

#include <sstream>

#include <opencv2/core.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

struct Config {
  Size tile;
  int threads;
  Backend backend;
};

std::string describe(const Config& c) {
  return "tile " + to_string(c.tile) + ", " + std::to_string(c.threads) + " threads, " + to_string(c.backend);
}

/// Tile sizes {1x1 (small images), 7x5, 64, 333x129, larger than the image} x threads
/// {1, 2, 3, 8} x backends (serial runs on one thread only).
std::vector<Config> configs(Size image) {
  std::vector<Size> tiles = {{7, 5}, {64, 64}, {333, 129}, {image.w + 5, image.h + 3}};
  if (image.area() <= 2500) tiles.insert(tiles.begin(), Size{1, 1});
  std::vector<Config> out;
  for (Size t : tiles) {
    out.push_back({t, 1, Backend::Serial});
    for (int threads : {1, 2, 3, 8}) {
      out.push_back({t, threads, Backend::Tbb});
      out.push_back({t, threads, Backend::Omp});
    }
  }
  return out;
}

const Size kImageSizes[] = {{1, 1}, {1, 40}, {40, 1}, {37, 53}, {1000, 700}};

/// A pipeline exercising `info`: the kernel with its example parameters; two-input
/// kernels get the input and a box-blurred copy of it.
Pipeline pipeline_for(const KernelInfo& info) {
  Pipeline p;
  std::map<std::string, std::string> params;
  std::istringstream is(info.example);
  for (std::string kv; is >> kv;) params[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
  const KernelPtr k = info.make(Registry::builtin().parse_params(info, params));
  if (k->arity() == 2) {
    const NodeId blurred = p.add("box", {{"ksize", "5"}}, {Pipeline::kInput});
    p.add(k, {Pipeline::kInput, blurred});
  } else {
    p.add(k);
  }
  return p;
}

void expect_invariant(const Pipeline& p, const cv::Mat& input, const std::string& what) {
  const cv::Mat expect = run_reference(p, input);
  for (const Config& c : configs({input.cols, input.rows})) {
    RunOptions o;
    o.tile = c.tile;
    o.threads = c.threads;
    o.backend = c.backend;
    const cv::Mat got = run(p, input, o);
    ASSERT_TRUE(test::identical(got, expect)) << what << ", image " << input.cols << "x" << input.rows << " "
                                              << PixelType::of(input).str() << ", " << describe(c);
  }
}

class EveryKernel : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryKernel, TiledEqualsWholeImage) {
  const KernelInfo& info = Registry::builtin().at(GetParam());
  const Pipeline p = pipeline_for(info);
  int tested = 0;
  unsigned seed = 1;
  for (int channels : {1, 3}) {
    for (Size s : kImageSizes) {
      const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), CV_8UC(channels), seed++);
      try {
        p.validate(PixelType::of(input), s);
      } catch (const UsageError&) {
        continue;  // the kernel does not take this type
      }
      expect_invariant(p, input, p.str());
      ++tested;
    }
  }
  EXPECT_GT(tested, 0) << info.name << " accepted neither u8x1 nor u8x3 input";
}

std::vector<std::string> registered_names() {
  std::vector<std::string> names;
  for (const KernelInfo* k : Registry::builtin().entries()) names.push_back(k->name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryKernel, ::testing::ValuesIn(registered_names()),
                         [](const auto& param_info) { return param_info.param; });

class Chain : public ::testing::TestWithParam<int> {};

TEST_P(Chain, P1TiledEqualsWholeImage) {
  const Size s = kImageSizes[GetParam()];
  const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), CV_8UC1, 42);
  expect_invariant(Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40"), input, "P1");
}

TEST_P(Chain, ColourChainTiledEqualsWholeImage) {
  const Size s = kImageSizes[GetParam()];
  const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), CV_8UC3, 43);
  expect_invariant(Pipeline::parse("box ksize=4 | gaussian sigma=1.5 ksize=7 | gray | sobel_mag | invert"), input,
                   "colour chain");
}

INSTANTIATE_TEST_SUITE_P(Sizes, Chain, ::testing::Range(0, 5));

}  // namespace
}  // namespace tessera
