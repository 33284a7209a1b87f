// Invariance: for every registered kernel and the P1 chain, the tiled output is identical to
// the kernel run once on the whole image, for every tile size, thread count and backend.
#include <gtest/gtest.h>

#include <map>

#include <opencv2/core.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

struct Config {
  Size tile;
  int threads;
  Backend backend;
  bool fused = true;  ///< false: every stage tile at a time (the OpenCV-backed path)
};

std::string describe(const Config& c) {
  return "tile " + to_string(c.tile) + ", " + std::to_string(c.threads) + " threads, " + to_string(c.backend) +
         (c.fused ? "" : ", fused off");
}

/// Tile sizes {1x1 (small images), 7x5, 64, 333x129, larger than the image} x threads
/// {1, 2, 3, 8} x backends (serial runs on one thread only).
std::vector<Config> configs(Size image) {
  std::vector<Size> tiles = {{7, 5}, {64, 64}, {333, 129}, {image.w + 5, image.h + 3}};
  if (image.area() <= 2500) tiles.insert(tiles.begin(), Size{1, 1});
  std::vector<Config> out;
  for (Size t : tiles) {
    out.push_back({t, 1, Backend::Serial});
    out.push_back({t, 2, Backend::Tbb, false});
    for (int threads : {1, 2, 3, 8}) {
      out.push_back({t, threads, Backend::Tbb});
      if (test::runs(Backend::Omp)) out.push_back({t, threads, Backend::Omp});
    }
  }
  return out;
}

const Size kImageSizes[] = {{1, 1}, {1, 40}, {40, 1}, {37, 53}, {1000, 700}};

/// For the other types of a kernel: fewer sizes and configurations.
const Size kOtherTypeSizes[] = {{1, 1}, {37, 53}, {203, 151}};
std::vector<Config> few_configs(Size image) {
  const Backend omp = test::runs(Backend::Omp) ? Backend::Omp : Backend::Tbb;
  return {{{7, 5}, 3, Backend::Tbb}, {{64, 64}, 2, omp}, {{64, 64}, 1, Backend::Serial},
          {{64, 64}, 2, Backend::Tbb, false}, {{image.w + 5, image.h + 3}, 8, Backend::Tbb}};
}

/// A pipeline exercising `info` with its example parameters; a two-input kernel gets the
/// input and its negative (`invert`).
Pipeline pipeline_for(const KernelInfo& info, bool& two_inputs) {
  Pipeline p;
  const auto steps = Registry::builtin().steps(info.name, info.example_params());
  two_inputs = false;
  for (const Step& s : steps)
    for (int in : s.inputs) two_inputs |= in == -2;
  if (two_inputs) {
    const NodeId second = p.add("invert", {}, {Pipeline::kInput});
    p.add(info.name, info.example_params(), {Pipeline::kInput, second});
  } else {
    p.add(info.name, info.example_params());
  }
  return p;
}

void expect_invariant(const Pipeline& p, const cv::Mat& input, const std::string& what,
                      const std::vector<Config>& cfgs, const cv::Mat& expect) {
  for (const Config& c : cfgs) {
    RunOptions o;
    o.tile = c.tile;
    o.threads = c.threads;
    o.backend = c.backend;
    o.fused = c.fused;
    const cv::Mat got = run(p, input, o);
    ASSERT_TRUE(test::identical(got, expect)) << what << ", image " << input.cols << "x" << input.rows << " "
                                              << PixelType::of(input).str() << ", " << describe(c);
  }
}

void expect_invariant(const Pipeline& p, const cv::Mat& input, const std::string& what) {
  expect_invariant(p, input, what, configs({input.cols, input.rows}), run_reference(p, input));
}

/// The entry's defining OpenCV call(s) on the whole image vs the whole-image reference
/// of its kernels: equal, or within the entry's documented tolerance.
void expect_oracle(const KernelInfo& info, const cv::Mat& input, bool two_inputs, const cv::Mat& reference) {
  if (!info.oracle) return;  // the kernel's reference() is the OpenCV call itself
  std::vector<cv::Mat> ins{input};
  if (two_inputs) ins.push_back(run_reference(Pipeline::parse("invert"), input));
  const cv::Mat want = info.oracle(ins, Registry::builtin().parse_params(info, info.example_params()));
  if (info.oracle_tolerance == 0) {
    ASSERT_TRUE(test::identical(reference, want)) << info.name << " vs its OpenCV oracle, "
                                                  << PixelType::of(input).str() << " " << input.cols << "x" << input.rows;
    return;
  }
  ASSERT_EQ(reference.size(), want.size());
  ASSERT_EQ(reference.type(), want.type());
  cv::Mat a, b;
  reference.convertTo(a, CV_64F);
  want.convertTo(b, CV_64F);
  const double diff = reference.empty() ? 0 : cv::norm(a, b, cv::NORM_INF);
  EXPECT_LE(diff, info.oracle_tolerance) << info.name << " vs its OpenCV oracle, " << PixelType::of(input).str();
}

class EveryKernel : public ::testing::TestWithParam<std::string> {};

/// Every registry entry, every type it lists: the tiled result equals the whole-image
/// result for every configuration, and that equals the OpenCV call defining the entry.
TEST_P(EveryKernel, TiledEqualsWholeImageAndOpenCV) {
  const KernelInfo& info = Registry::builtin().at(GetParam());
  bool two_inputs = false;
  const Pipeline p = pipeline_for(info, two_inputs);
  const std::vector<PixelType> types = info.types.all();
  ASSERT_FALSE(types.empty());
  unsigned seed = 1;
  for (std::size_t t = 0; t < types.size(); ++t) {
    const bool first = t == 0;
    const std::vector<Size> sizes = first ? std::vector<Size>(std::begin(kImageSizes), std::end(kImageSizes))
                                          : std::vector<Size>(std::begin(kOtherTypeSizes), std::end(kOtherTypeSizes));
    for (Size s : sizes) {
      const cv::Mat input =
          test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), types[t].cv_type(), seed++);
      ASSERT_NO_THROW(p.validate(types[t], s)) << info.name << " lists " << types[t].str() << " but refuses it";
      const cv::Mat expect = run_reference(p, input);
      expect_oracle(info, input, two_inputs, expect);
      expect_invariant(p, input, p.str(), first ? configs(s) : few_configs(s), expect);
      if (s == sizes.back()) {
        // The input as a view of a larger image with other pixels around it: no kernel may
        // read them (OpenCV's filters would, without BORDER_ISOLATED, past a view's edge).
        cv::Mat larger = test::random_image(static_cast<int>(s.w) + 9, static_cast<int>(s.h) + 7,
                                            types[t].cv_type(), seed + 1000);
        const cv::Mat view = larger(cv::Rect(4, 3, static_cast<int>(s.w), static_cast<int>(s.h)));
        input.copyTo(view);
        expect_invariant(p, view, p.str() + " (input a view of a larger image)", few_configs(s), expect);
      }
    }
  }
}

using test::SimdLevelCap;

/// Every registry entry, every type: each vector level the CPU runs (baseline, AVX2, AVX-512)
/// gives the baseline level's bits, fused and tile at a time, on rows both wider and narrower
/// than one 512-bit vector.
TEST_P(EveryKernel, EverySimdLevelGivesTheSameBits) {
  const KernelInfo& info = Registry::builtin().at(GetParam());
  bool two_inputs = false;
  const Pipeline p = pipeline_for(info, two_inputs);
  unsigned seed = 500;
  for (const PixelType& t : info.types.all())
    for (Size s : {Size{203, 71}, Size{37, 9}}) {
      const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), t.cv_type(), seed++);
      for (bool fused : {true, false}) {
        RunOptions o = test::tiles({64, 32}, Backend::Tbb, 2);
        o.fused = fused;
        cv::Mat want;
        {
          const SimdLevelCap cap(SimdLevel::Baseline);
          ASSERT_EQ(simd_level(), SimdLevel::Baseline);
          want = run(p, input, o);
        }
        for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
          if (level > simd_supported()) continue;
          const SimdLevelCap cap(level);
          ASSERT_EQ(simd_level(), level);
          ASSERT_TRUE(test::identical(run(p, input, o), want))
              << p.str() << " on " << t.str() << " " << s.w << "x" << s.h << (fused ? " fused" : " tile at a time")
              << ": " << to_string(level) << " vs baseline";
        }
      }
    }
}

TEST(SimdLevel, CapsAtTheSupportedLevel) {
  const SimdLevel supported = simd_supported();
  EXPECT_EQ(simd_level(), supported) << "the widest supported level is the default";
  EXPECT_EQ(set_simd_level(SimdLevel::Baseline), SimdLevel::Baseline);
  EXPECT_EQ(simd_level(), SimdLevel::Baseline);
  EXPECT_EQ(set_simd_level(SimdLevel::Avx512), supported) << "a cap above the CPU's level gives the CPU's";
  EXPECT_EQ(simd_level(), supported);
  EXPECT_STREQ(to_string(SimdLevel::Avx2), "avx2");
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

TEST_P(Chain, UnsharpColourChainTiledEqualsWholeImage) {
  // The compare harness's colour chain: fused as a DAG (unsharp reads the blur and its input).
  const Size s = kImageSizes[GetParam()];
  const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), CV_8UC3, 44);
  expect_invariant(Pipeline::parse("gaussian sigma=1.5 | unsharp sigma=2 amount=1 | gamma g=0.8"), input,
                   "unsharp colour chain");
}

INSTANTIATE_TEST_SUITE_P(Sizes, Chain, ::testing::Range(0, 5));

}  // namespace
}  // namespace tessera
