// Fused row-wise execution: the same bits as the tile-at-a-time path and as OpenCV called on
// the whole image, for every tiling, thread count and backend; and the row kernels alone
// against the OpenCV calls that define them.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include <opencv2/imgproc.hpp>

#include "exec/fused.hpp"
#include "exec/tile_eval.hpp"
#include "filters/box_rows.hpp"
#include "filters/gaussian_rows.hpp"
#include "pointwise/lut_rows.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

/// Random pixels, or a structured image (gradients, stripes, a disc: long runs of equal and
/// of saturating values) from the same seed.
cv::Mat image(int w, int h, unsigned seed, bool structured) {
  if (!structured) return test::random_image(w, h, CV_8UC1, seed);
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<uchar>(y, x) = static_cast<uchar>(((x * 7 + seed) / 3 + (y / 5) * 40) % 256);
  cv::circle(m, {w / 2, h / 2}, std::max(1, std::min(w, h) / 3), cv::Scalar(255), -1);
  cv::rectangle(m, {0, 0}, {w / 4, h / 4}, cv::Scalar(0), -1);
  return m;
}

cv::Mat opencv_p1(const cv::Mat& in) {
  cv::Mat g, out;
  cv::GaussianBlur(in, g, cv::Size(in.cols == 1 ? 1 : 0, in.rows == 1 ? 1 : 0), 2, 2);
  cv::threshold(test::opencv_sobel_mag(g), out, 40, 255, cv::THRESH_BINARY);
  return out;
}

/// Runs `p` fused and unfused over tilings x backends and compares both with `want`.
void expect_fused_pipeline(const Pipeline& p, const cv::Mat& in, const cv::Mat& want, const std::string& spec) {
  std::vector<Size> tiles{{7, 5}, {64, 64}, {333, 129}, {in.cols + 50, in.rows + 3}};
  if (in.total() <= 3000) tiles.push_back({1, 1});
  for (Size t : tiles) {
    for (Backend b : test::kBackends) {
      for (bool fused : {true, false}) {
        if (!fused && (t.area() == 1 || b == Backend::Omp)) continue;  // the slow path is covered elsewhere
        RunOptions o;
        o.tile = t;
        o.backend = b;
        o.threads = b == Backend::Serial ? 1 : 3;
        o.fused = fused;
        ASSERT_TRUE(test::identical(run(p, in, o), want))
            << spec << " on " << in.cols << "x" << in.rows << ", tile " << to_string(t) << ", " << to_string(b)
            << (fused ? ", fused" : ", tile at a time");
      }
    }
  }
}

void expect_fused(const std::string& spec, const cv::Mat& in, const cv::Mat& want) {
  expect_fused_pipeline(Pipeline::parse(spec), in, want, spec);
}

const std::vector<cv::Size> kSizes{{1, 1}, {1, 40}, {40, 1}, {2, 3}, {37, 53}, {1000, 700}};

TEST(Fused, P1MatchesOpenCV) {
  unsigned seed = 1;
  for (cv::Size s : kSizes)
    for (bool structured : {false, true}) {
      const cv::Mat in = image(s.width, s.height, seed++, structured);
      expect_fused("gaussian sigma=2 | sobel_mag | threshold t=40", in, opencv_p1(in));
      // Without the threshold, so that every rounding of the magnitude shows.
      const Pipeline mag = Pipeline::parse("gaussian sigma=2 | sobel_mag");
      expect_fused("gaussian sigma=2 | sobel_mag", in, run_reference(mag, in));
    }
}

TEST(Fused, OtherChains) {
  unsigned seed = 100;
  for (cv::Size s : kSizes) {
    const cv::Mat in = image(s.width, s.height, seed++, s.area() % 2 == 0);
    auto blur = [&](const cv::Mat& m, double sigma, int k) {
      cv::Mat out;
      cv::GaussianBlur(m, out, cv::Size(m.cols == 1 ? 1 : k, m.rows == 1 ? 1 : k), sigma, sigma);
      return out;
    };
    cv::Mat t;
    cv::threshold(blur(blur(in, 0.8, 0), 3.5, 9), t, 100, 200, cv::THRESH_BINARY_INV);
    expect_fused("gaussian sigma=0.8 | gaussian sigma=3.5 ksize=9 | threshold t=100 max=200 type=binary_inv", in, t);
    cv::threshold(in, t, 77.5, 0, cv::THRESH_TRUNC);
    expect_fused("threshold t=77.5 type=trunc | sobel_mag | sobel_mag", in,
                 run_reference(Pipeline::parse("threshold t=77.5 type=trunc | sobel_mag | sobel_mag"), in));
    expect_fused("gaussian sigma=5", in, blur(in, 5, 0));
  }
}

TEST(Fused, MultiChannel) {
  const cv::Mat in = test::random_image(129, 71, CV_8UC3, 7);
  const Pipeline p = Pipeline::parse("gaussian sigma=1.3 | sobel_mag | threshold t=20 type=tozero");
  expect_fused("gaussian sigma=1.3 | sobel_mag | threshold t=20 type=tozero", in, run_reference(p, in));
}

TEST(Fused, FallsBackWhenAStageHasNoRows) {
  // median 7x7 has no row stages: the pass runs tile at a time, with the same bits.
  const cv::Mat in = test::random_image(90, 61, CV_8UC1, 8);
  const Pipeline p = Pipeline::parse("gaussian sigma=2 | median ksize=7 | threshold t=40");
  const auto plan = detail::make_plan(p, p.validate(PixelType{CV_8U, 1}, Size{90, 61}));
  EXPECT_FALSE(detail::fuse(p, plan, plan.passes.back()));
  const Pipeline p1 = Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40");
  const auto plan1 = detail::make_plan(p1, p1.validate(PixelType{CV_8U, 1}, Size{90, 61}));
  EXPECT_TRUE(detail::fuse(p1, plan1, plan1.passes.back()));
  expect_fused("gaussian sigma=2 | median ksize=7 | threshold t=40", in, run_reference(p, in));
}

TEST(Fused, SegmentsAroundStagesWithoutRows) {
  // median 7x7 and box 7x7 have no row stages: the pass runs tile at a time, and the runs of
  // nodes between them row by row, from the tile-at-a-time result before them.
  const cv::Mat in = test::random_image(90, 61, CV_8UC3, 9);
  const std::string spec = "median ksize=7 | gaussian sigma=2 | sobel_mag | box ksize=7 | gray | threshold t=40";
  const Pipeline p = Pipeline::parse(spec);
  const auto plan = detail::make_plan(p, p.validate(PixelType{CV_8U, 3}, Size{90, 61}));
  ASSERT_EQ(plan.passes.size(), 1u);
  EXPECT_FALSE(detail::fuse(p, plan, plan.passes[0]));
  const auto segments = detail::fuse_segments(p, plan, plan.passes[0]);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].nodes, (std::vector<NodeId>{2, 3}));  // gaussian, sobel_mag
  EXPECT_EQ(segments[0].input, 1);                           // median
  EXPECT_EQ(segments[1].nodes, (std::vector<NodeId>{5, 6}));  // gray, threshold
  expect_fused(spec, in, run_reference(p, in));
  // A DAG: unsharp's blur is read by its combine and by a stage without rows, so the blur
  // ends its segment and both read it.
  Pipeline dag;
  const NodeId blur = dag.add("gaussian", {{"sigma", "1.5"}});
  const NodeId med = dag.add("median", {{"ksize", "7"}}, {blur});
  dag.add("addw", {}, {blur, med});
  const cv::Mat gray = test::random_image(77, 45, CV_8UC1, 10);
  expect_fused_pipeline(dag, gray, run_reference(dag, gray), "gaussian -> median 7, addw(gaussian, median 7)");
}

/// True when the (single tiled) pass of `p` on `in` runs fused.
bool fuses(const Pipeline& p, const cv::Mat& in) {
  const auto plan = detail::make_plan(p, p.validate(PixelType::of(in), Size{in.cols, in.rows}));
  return detail::fuse(p, plan, plan.passes.back()).has_value();
}

TEST(Fused, ColourChainWithUnsharpIsADagAndMatchesOpenCV) {
  // unsharp = combine(g, gaussian(g)): the combine reads two levels, one of them also read
  // by a stencil, so that level keeps the rows of both readers.
  const std::string spec = "gaussian sigma=1.5 | unsharp sigma=2 amount=1 | gamma g=0.8";
  unsigned seed = 300;
  for (cv::Size s : kSizes) {
    const cv::Mat in = test::random_image(s.width, s.height, CV_8UC3, seed++);
    const Pipeline p = Pipeline::parse(spec);
    ASSERT_TRUE(fuses(p, in));
    cv::Mat g, g2, sharp, want, lut(1, 256, CV_8U);
    const auto blur = [](const cv::Mat& m, cv::Mat& out, double sigma) {
      cv::GaussianBlur(m, out, cv::Size(m.cols == 1 ? 1 : 0, m.rows == 1 ? 1 : 0), sigma, sigma);
    };
    blur(in, g, 1.5);
    blur(g, g2, 2);
    cv::addWeighted(g, 2, g2, -1, 0, sharp);
    for (int i = 0; i < 256; ++i) lut.at<uchar>(i) = cv::saturate_cast<uchar>(std::pow(i / 255.0, 0.8) * 255);
    cv::LUT(sharp, lut, want);
    expect_fused(spec, in, want);
  }
}

/// alpha*a + beta*b + gamma as cv::addWeighted's 8-bit vector loop computes it, written out.
cv::Mat weighted_fma(const cv::Mat& a, float alpha, const cv::Mat& b, float beta, float gamma) {
  cv::Mat out(a.size(), a.type());
  for (int y = 0; y < a.rows; ++y)
    for (int x = 0; x < a.cols * a.channels(); ++x)
      out.ptr(y)[x] = cv::saturate_cast<uchar>(
          std::fma(float(a.ptr(y)[x]), alpha, std::fma(float(b.ptr(y)[x]), beta, gamma)));
  return out;
}

TEST(Fused, WeightedSumsAreTileInvariantForAnyWeights) {
  // Weights whose products round. cv::addWeighted on a continuous whole image uses its
  // vector loop (float fused multiply-adds) for all but its last few samples; on tiles, whose
  // rows are views, every row ends in its scalar loop, which rounds differently for some
  // weights. tessera's 8-bit weighted sums are the vector loop's arithmetic everywhere.
  const cv::Mat in = image(211, 97, 5, true);
  for (const char* amount : {"0.3", "1.7", "0.77", "3"}) {
    const std::string spec = std::string("unsharp sigma=1.2 amount=") + amount + " | invert";
    const Pipeline p = Pipeline::parse(spec);
    EXPECT_TRUE(fuses(p, in)) << spec;
    expect_fused(spec, in, run_reference(p, in));
  }
  // A C++ DAG: two stencils of the input joined by addw, with weights where OpenCV's two
  // loops disagree.
  Pipeline p;
  const NodeId a = p.add("gaussian", {{"sigma", "3"}}, {Pipeline::kInput});
  const NodeId b = p.add("sobel_mag", {}, {Pipeline::kInput});
  p.add("addw", {{"alpha", "0.6"}, {"beta", "0.45"}, {"gamma", "-7.5"}}, {a, b});
  EXPECT_TRUE(fuses(p, in));
  cv::Mat ga, opencv;
  cv::GaussianBlur(in, ga, cv::Size(0, 0), 3);
  const cv::Mat mag = test::opencv_sobel_mag(in);
  const cv::Mat want = weighted_fma(ga, 0.6f, mag, 0.45f, -7.5f);
  cv::addWeighted(ga, 0.6, mag, 0.45, -7.5, opencv);
  // OpenCV on the whole image agrees but for the samples its scalar loop did (the last
  // row's end).
  cv::Mat differ;
  cv::compare(want, opencv, differ, cv::CMP_NE);
  EXPECT_EQ(cv::countNonZero(differ(cv::Rect(0, 0, in.cols, in.rows - 1))), 0);
  expect_fused_pipeline(p, in, want, "addw 0.6 0.45 -7.5");
}

/// `base` with its border mode replaced (its row stages kept): a reader of a level that
/// extends it differently from the other readers.
class WithBorder final : public ForwardingKernel {
 public:
  WithBorder(KernelPtr base, BorderMode mode) : ForwardingKernel(std::move(base)), mode_(mode) {}
  Border border() const override { return {mode_, 0}; }

 private:
  BorderMode mode_;
};

TEST(Fused, ReadersThatExtendALevelDifferentlyAreNotFused) {
  const cv::Mat in = image(90, 70, 6, true);
  const auto dag = [](BorderMode mode) {
    Pipeline p;
    const NodeId a = p.add("gaussian", {{"sigma", "1"}}, {Pipeline::kInput});
    const NodeId b = p.add(std::make_shared<WithBorder>(Registry::builtin().make("sobel_mag", {}), mode), {a});
    const NodeId c = p.add("sobel_mag", {}, {a});
    p.add("addw", {}, {b, c});
    return p;
  };
  EXPECT_TRUE(fuses(dag(BorderMode::Reflect101), in));
  // Two stencils read level a, one reflecting it and one replicating it: no fusion. (A
  // pointwise reader such as addw never looks outside, so its border does not count.)
  EXPECT_FALSE(fuses(dag(BorderMode::Replicate), in));
  // (Its whole-image tile is the truth: the wrapped kernel's reference() still reflects.)
  const Pipeline mixed = dag(BorderMode::Replicate);
  RunOptions whole;
  whole.tile = {in.cols, in.rows};
  expect_fused_pipeline(mixed, in, run(mixed, in, whole), "mixed borders (tile at a time)");
  // A replicating stencil alone fuses, and its rows are extended by replication.
  Pipeline p;
  p.add(std::make_shared<WithBorder>(Registry::builtin().make("gaussian", {{"sigma", "2"}}), BorderMode::Replicate),
        {Pipeline::kInput});
  EXPECT_TRUE(fuses(p, in));
  cv::Mat want;
  cv::GaussianBlur(in, want, cv::Size(0, 0), 2, 2, cv::BORDER_REPLICATE);
  expect_fused_pipeline(p, in, want, "gaussian (replicate)");
}

TEST(Fused, AKernelsConstantBorderIsNotFused) {
  // The stages model OpenCV with the kernels' reflecting default; with a constant border,
  // u8 gaussian's fixed point differs at the edges. Such a kernel runs tile at a time.
  const cv::Mat in = test::random_image(83, 61, CV_8UC1, 8);
  Pipeline p;
  p.add(std::make_shared<WithBorder>(Registry::builtin().make("gaussian", {{"sigma", "1.5"}}), BorderMode::Constant),
        {Pipeline::kInput});
  EXPECT_FALSE(fuses(p, in));
  cv::Mat want;
  cv::GaussianBlur(in, want, cv::Size(0, 0), 1.5, 1.5, cv::BORDER_CONSTANT);
  expect_fused_pipeline(p, in, want, "gaussian (constant)");
}

/// `m` with every 4th sample +inf, -inf, +FLT_MAX or -FLT_MAX, and bands of 5 columns of
/// +inf at the left and right edges and 5 rows of -inf at the top and bottom: there an
/// erosion's (dilation's) whole window inside the image is infinite, and only OpenCV's
/// constant border (FLT_MAX, -FLT_MAX) makes the result finite.
cv::Mat with_extremes(cv::Mat m) {
  const float extremes[] = {INFINITY, -INFINITY, FLT_MAX, -FLT_MAX};
  cv::Mat flat = m.reshape(1);
  const int cn = m.channels(), band = 5;
  for (int y = 0; y < flat.rows; ++y)
    for (int x = 0; x < flat.cols; ++x) {
      float& v = flat.at<float>(y, x);
      if ((x + 3 * y) % 4 == 0) v = extremes[(x / 4 + y) % 4];
      if (x / cn < band || x / cn >= m.cols - band) v = INFINITY;
      if (y < band || y >= m.rows - band) v = -INFINITY;
    }
  return m;
}

TEST(Fused, FloatErosionAndDilationReadOpenCVsConstantBorder) {
  // OpenCV extends a float erosion by +FLT_MAX (a dilation by -FLT_MAX), which beats an
  // infinity at the edge where reflection would not: the f32 stages ask for that constant.
  for (int type : {CV_32FC1, CV_32FC3}) {
    const cv::Mat in = with_extremes(test::random_image(61, 47, type, 4));
    for (const char* spec : {"erode ksize=3", "dilate ksize=5 iterations=2", "erode ksize=2", "dilate ksize=4"}) {
      const Pipeline p = Pipeline::parse(spec);
      ASSERT_TRUE(fuses(p, in)) << spec;
      expect_fused_pipeline(p, in, run_reference(p, in), spec);
    }
    // In a chain, each level keeps its readers' border: the blur's reflection, the
    // erosion's constant.
    const cv::Mat finite = test::random_image(70, 52, type, 5);
    const Pipeline chain = Pipeline::parse("gaussian sigma=1 | dilate ksize=3 | erode ksize=3 | box ksize=3");
    ASSERT_TRUE(fuses(chain, finite));
    expect_fused_pipeline(chain, finite, run_reference(chain, finite), "chain");
  }
}

TEST(Fused, RandomDagsMatchTileAtATime) {
  // Random DAGs of kernels that all have row stages: one- and two-input nodes reading any
  // earlier node, so levels get several readers with different halos and leads. Fused and
  // tile at a time must agree for every tiling.
  const std::vector<std::string> one = {"gaussian sigma=1.3", "gaussian sigma=0.8 ksize=3", "sobel_mag", "invert",
                                        "threshold t=90 type=tozero", "gamma g=1.7", "erode ksize=3",
                                        "dilate ksize=2", "erode ksize=4 iterations=2", "unsharp sigma=1 amount=0.6",
                                        "morph_gradient ksize=3", "tophat ksize=5"};
  cv::RNG rng(11);
  int fused = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Pipeline p;
    std::vector<NodeId> nodes{Pipeline::kInput};
    std::string what;
    const int n = rng.uniform(2, 7);
    for (int i = 0; i < n; ++i) {
      const NodeId a = nodes[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(nodes.size())))];
      if (rng.uniform(0, 4) == 0 && nodes.size() > 1) {
        const NodeId b = nodes[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(nodes.size())))];
        nodes.push_back(p.add("addw", {{"alpha", "0.7"}, {"beta", "0.4"}}, {a, b}));
        what += " addw(" + std::to_string(a) + "," + std::to_string(b) + ")";
      } else {
        const std::string& spec = one[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(one.size())))];
        const Pipeline stage = Pipeline::parse(spec);
        // Re-add the parsed stage's kernels on top of node a (a composite is several nodes).
        std::map<NodeId, NodeId> map{{Pipeline::kInput, a}};
        for (NodeId id = 1; id <= stage.output(); ++id) {
          std::vector<NodeId> ins;
          for (NodeId in : stage.node(id).inputs) ins.push_back(map.at(in));
          map[id] = p.add(stage.node(id).kernel, ins);
        }
        nodes.push_back(map.at(stage.output()));
        what += " " + spec + "(" + std::to_string(a) + ")";
      }
    }
    const int w = rng.uniform(1, 120), h = rng.uniform(1, 90);
    const cv::Mat in = image(w, h, static_cast<unsigned>(trial), trial % 2 == 0);
    fused += fuses(p, in);  // not when readers of one node extend it differently (even morphology)
    RunOptions whole;
    whole.fused = false;
    whole.tile = {w, h};
    const cv::Mat want = run(p, in, whole);
    for (Size t : {Size{1 + trial % 5, 1 + trial % 3}, Size{16, 16}, Size{w, 7}, Size{w + 9, h + 9}}) {
      RunOptions o;
      o.tile = t;
      ASSERT_TRUE(test::identical(run(p, in, o), want)) << what << " on " << w << "x" << h << ", tile " << to_string(t);
    }
  }
  EXPECT_GE(fused, 30) << "most random DAGs should fuse";
}

/// The row kernel alone (both passes through a whole-image tile) against cv::GaussianBlur.
TEST(Fused, GaussianRowsMatchOpenCV) {
  cv::RNG rng(3);
  int cases = 0;
  for (double sigma : {0.5, 0.7, 0.9, 1.0, 1.25, 1.5, 2.0, 2.2, 2.5, 3.0, 3.7, 4.0, 4.5, 5.0, 9.0, 20.0}) {
    for (int ksize : {0, 1, 3, 5, 7, 11, 15, 25}) {
      const int w = rng.uniform(1, 90), h = rng.uniform(1, 70);
      const cv::Mat in = test::random_image(w, h, CV_8UC1, static_cast<unsigned>(++cases));
      cv::Mat want;
      cv::GaussianBlur(in, want, cv::Size(w == 1 ? 1 : ksize, h == 1 ? 1 : ksize), sigma, sigma);
      const Pipeline p = Pipeline::parse("gaussian sigma=" + std::to_string(sigma) + " ksize=" + std::to_string(ksize));
      RunOptions o;
      o.tile = {rng.uniform(1, 40), rng.uniform(1, 40)};
      ASSERT_TRUE(test::identical(run(p, in, o), want)) << "sigma " << sigma << " ksize " << ksize << " " << w << "x" << h;
    }
  }
}

TEST(Fused, GaussianFixedPointTapsSumTo256) {
  for (double sigma : {0.5, 2.0, 5.0, 20.0})
    for (int n : {1, 3, 13, 61}) {
      const auto taps = detail::gaussian_fixed_point_taps(sigma, n, 8);
      int sum = 0;
      for (int t : taps) sum += t;
      EXPECT_EQ(sum, 256) << sigma << " " << n;
    }
}

TEST(Fused, ThresholdTypes) {
  const cv::Mat in = image(301, 17, 9, true);
  for (const char* type : {"binary", "binary_inv", "trunc", "tozero", "tozero_inv"})
    for (double t : {-3.0, 0.0, 40.5, 254.0, 255.0, 300.0}) {
      const std::string spec = "threshold t=" + std::to_string(t) + " max=180 type=" + type;
      const Pipeline p = Pipeline::parse(spec);
      RunOptions o;
      o.tile = {64, 5};
      ASSERT_TRUE(test::identical(run(p, in, o), run_reference(p, in))) << spec;
    }
}

TEST(Fused, PointwiseStagesOnU16AndF32MatchOpenCV) {
  // threshold, clamp, invert, gamma, convert, gray and bgr2rgb fuse on u16 and f32 (and convert on s16), and
  // give the OpenCV calls' bits: thresholds at and past the ends of the u16 range (OpenCV's
  // constant-or-copy cases), fractional thresholds and maxvals (floored and rounded for u16),
  // extreme values in the image. Tiles of 16x7 (rows) and a pointwise-only pass (a stream).
  unsigned seed = 700;
  for (int depth : {CV_16U, CV_32F})
    for (int cn : {1, 3, 4}) {
      cv::Mat in = test::random_image(203, 29, CV_MAKETYPE(depth, cn), seed++);
      cv::Mat flat = in.reshape(1);
      const double lo = depth == CV_16U ? 0 : -3.4e38, hi = depth == CV_16U ? 65535 : 3.4e38;
      flat.row(0).setTo(lo);
      flat.row(1).setTo(hi);
      flat.row(2).setTo(40);
      const auto check = [&](const std::string& spec, const cv::Mat& want) {
        const Pipeline p = Pipeline::parse(spec);
        EXPECT_TRUE(fuses(p, in)) << spec << " on " << PixelType::of(in).str();
        for (cv::Size tile : {cv::Size{16, 7}, cv::Size{512, 512}}) {
          RunOptions o;
          o.tile = {tile.width, tile.height};
          ASSERT_TRUE(test::identical(run(p, in, o), want)) << spec << " on " << PixelType::of(in).str();
        }
      };
      for (int type : {cv::THRESH_BINARY, cv::THRESH_BINARY_INV, cv::THRESH_TRUNC, cv::THRESH_TOZERO,
                       cv::THRESH_TOZERO_INV})
        for (double t : {-3.0, 0.0, 40.0, 40.5, 65534.0, 65535.0, 70000.0}) {
          const char* names[] = {"binary", "binary_inv", "trunc", "tozero", "tozero_inv"};
          cv::Mat want;
          cv::threshold(in, want, t, 180.6, type);
          check(cv::format("threshold t=%g max=180.6 type=%s", t, names[type]), want);
        }
      cv::Mat want;
      cv::max(in, cv::Scalar::all(20.5), want);
      cv::min(want, cv::Scalar::all(1000.4), want);
      check("clamp min=20.5 max=1000.4", want);
      for (const char* to : {"u8", "u16", "f32"}) {
        const int out_depth = std::string(to) == "u8" ? CV_8U : std::string(to) == "u16" ? CV_16U : CV_32F;
        in.convertTo(want, out_depth, 0.37, 5.25);
        check(std::string("convert to=") + to + " scale=0.37 offset=5.25", want);
      }
      if (depth == CV_16U) {
        cv::bitwise_not(in, want);
        check("invert", want);
      }
      check("gamma g=0.8", run_reference(Pipeline::parse("gamma g=0.8"), in));
      if (cn >= 3) {  // gray and bgr2rgb as cvtColor (f32 gray: our own; cvtColor's depends on position)
        cv::cvtColor(in, want, cn == 3 ? cv::COLOR_BGR2RGB : cv::COLOR_BGRA2RGBA);
        check("bgr2rgb", want);
        if (depth == CV_16U) cv::cvtColor(in, want, cn == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
        else want = run_reference(Pipeline::parse("gray"), in);
        check("gray", want);
      }
    }
}

TEST(Fused, TableAndColourStagesMatchOpenCV) {
  // Per-value ops on 8 bits run as tables made by the op itself; gray and bgr2rgb as row loops.
  // Odd widths, so that OpenCV's whole-image calls end rows in their scalar tails.
  const std::vector<std::string> gray_in{"clamp min=20 max=200",          "clamp min=-5 max=300",
                                         "abs scale=-1.5 offset=20",      "abs scale=0.3",
                                         "convert to=u8 scale=-0.3 offset=200", "convert to=u8 scale=0.7 offset=0.5",
                                         "gaussian sigma=1.2 | clamp max=99"};
  const std::vector<std::string> colour_in{"gray", "bgr2rgb", "gaussian sigma=1.5 | gray | threshold t=90",
                                           "bgr2rgb | clamp min=30 | gray"};
  unsigned seed = 40;
  for (cv::Size s : {cv::Size{37, 53}, cv::Size{1001, 7}}) {
    for (int cn : {1, 3, 4}) {
      const cv::Mat in = test::random_image(s.width, s.height, CV_MAKETYPE(CV_8U, cn), seed++);
      for (const std::string& spec : cn == 1 ? gray_in : colour_in) {
        const Pipeline p = Pipeline::parse(spec);
        EXPECT_TRUE(fuses(p, in)) << spec;
        RunOptions o;
        o.tile = {64, 5};
        ASSERT_TRUE(test::identical(run(p, in, o), run_reference(p, in))) << spec << ", " << cn << " channels";
      }
    }
  }
}

TEST(Fused, TablesRunAsTheirVectorProgramsOrLookups) {
  // 8-bit tables as the ops make them: those a LutProgram computes run as its vector
  // operations, the rest (gamma, scaled conversions, random tables) as lookups; every row,
  // with its vector body and scalar tail, equals the table.
  auto table_of = [](const std::function<void(const cv::Mat&, cv::Mat&)>& op) {
    cv::Mat all(1, 256, CV_8U), out;
    for (int i = 0; i < 256; ++i) all.at<uchar>(i) = static_cast<uchar>(i);
    op(all, out);
    std::array<uchar, 256> t;
    std::copy(out.ptr(), out.ptr() + 256, t.begin());
    return t;
  };
  auto threshold = [&](double t, int type) {
    return table_of([=](const cv::Mat& in, cv::Mat& out) { cv::threshold(in, out, t, 255, type); });
  };
  auto convert = [&](double scale, double offset) {
    return table_of([=](const cv::Mat& in, cv::Mat& out) { in.convertTo(out, CV_8U, scale, offset); });
  };
  std::vector<std::pair<std::string, std::array<uchar, 256>>> programs = {
      {"invert", table_of([](const cv::Mat& in, cv::Mat& out) { cv::bitwise_not(in, out); })},
      {"identity", convert(1, 0)},
      {"clamp 20..200", table_of([](const cv::Mat& in, cv::Mat& out) { cv::min(cv::max(in, 20), 200, out); })},
      {"clamp then invert", table_of([](const cv::Mat& in, cv::Mat& out) { cv::bitwise_not(cv::min(cv::max(in, 9), 99), out); })},
      {"offset +70", convert(1, 70)},
      {"offset -70", convert(1, -70)},
      {"xor 0x5A", table_of([](const cv::Mat& in, cv::Mat& out) { cv::bitwise_xor(in, 0x5A, out); })}};
  for (int t : {0, 1, 100, 254, 255}) {
    programs.push_back({"trunc " + std::to_string(t), threshold(t, cv::THRESH_TRUNC)});
    programs.push_back({"tozero " + std::to_string(t), threshold(t, cv::THRESH_TOZERO)});
    programs.push_back({"tozero_inv " + std::to_string(t), threshold(t, cv::THRESH_TOZERO_INV)});
  }
  std::vector<std::pair<std::string, std::array<uchar, 256>>> lookups = {
      {"gamma 0.8", table_of([](const cv::Mat& in, cv::Mat& out) {
         cv::Mat f;
         in.convertTo(f, CV_32F, 1 / 255.);
         cv::pow(f, 0.8, f);
         f.convertTo(out, CV_8U, 255);
       })},
      {"scale 0.7", convert(0.7, 3)}};
  cv::RNG rng(5);
  for (int i = 0; i < 3; ++i) {
    std::array<uchar, 256> t;
    for (uchar& v : t) v = static_cast<uchar>(rng.uniform(0, 256));
    lookups.push_back({"random " + std::to_string(i), t});
  }
  const cv::Mat row = test::random_image(1001, 1, CV_8UC1, 77);
  for (bool program : {true, false})
    for (const auto& [name, table] : program ? programs : lookups) {
      EXPECT_EQ(detail::fit_lut_program(table).has_value(), program) << name;
      const RowStagePtr stage = detail::lut_u8_row_stage(table);
      for (int width : {1, 31, 33, 1001}) {
        std::vector<uchar> out(static_cast<std::size_t>(width));
        const void* rows[] = {row.ptr()};
        stage->run(rows, out.data(), width, 1);
        for (int x = 0; x < width; ++x)
          ASSERT_EQ(out[static_cast<std::size_t>(x)], table[row.ptr()[x]]) << name << ", width " << width << ", x " << x;
      }
    }
}

TEST(Fused, PointwisePassesStreamAcrossRowsAndChunks) {
  // Passes of pointwise stages only run as pixel streams: one per full-width strip (in chunks
  // of 8192 pixels, so a strip of 300 x 50 is two chunks and part of a third) or one per row of
  // a narrower tile; single stages and chains, with and without a change of channel count.
  const std::vector<std::string> specs{"invert", "threshold t=90 type=tozero",
                                       "gamma g=0.8 | invert | clamp min=10 max=240", "bgr2rgb | gray | invert",
                                       "gray"};
  unsigned seed = 500;
  for (const std::string& spec : specs) {
    const Pipeline p = Pipeline::parse(spec);
    const int cn = spec.find("gray") != std::string::npos ? 3 : 1;
    const cv::Mat in = test::random_image(300, 120, CV_MAKETYPE(CV_8U, cn), seed++);
    ASSERT_TRUE(fuses(p, in)) << spec;
    const cv::Mat want = run_reference(p, in);
    for (Size tile : {Size{300, 50}, Size{300, 120}, Size{300, 1}, Size{37, 13}, Size{1, 7}}) {
      RunOptions o;
      o.tile = tile;
      ASSERT_TRUE(test::identical(run(p, in, o), want)) << spec << ", tile " << to_string(tile);
    }
  }
}

TEST(Fused, MedianMatchesOpenCV) {
  // ksize 3 and 5 by sorting networks, exact (a median is the middle value however it is
  // found), with medianBlur's replicated border; on random pixels and on random 0/255 ones
  // (a selection network that is right for every 0-1 input is right for every input).
  unsigned seed = 700;
  for (cv::Size size : {cv::Size{37, 29}, cv::Size{403, 9}, cv::Size{1, 20}, cv::Size{20, 1}, cv::Size{2, 2}})
    for (int cn : {1, 3, 4})
      for (bool binary : {false, true}) {
        cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(CV_8U, cn), seed++);
        if (binary) cv::threshold(in, in, 127, 255, cv::THRESH_BINARY);
        for (int k : {3, 5, 7}) {
          const Pipeline p = Pipeline::parse("median ksize=" + std::to_string(k));
          EXPECT_EQ(fuses(p, in), k <= 5) << k;
          cv::Mat want;
          cv::medianBlur(in, want, k);
          RunOptions o;
          o.tile = {16, 7};
          ASSERT_TRUE(test::identical(run(p, in, o), want))
              << "ksize " << k << ", " << cn << " channels, " << in.cols << "x" << in.rows << (binary ? ", 0/255" : "");
        }
      }
}

TEST(Fused, BoxMatchesOpenCV) {
  // The window sizes with row stages, odd and even (anchored at k/2), on random pixels and on
  // smooth, partly saturated ones (large window sums, where fixed-point scaling errs first);
  // the sizes between them do not fuse.
  unsigned seed = 90;
  for (cv::Size size : {cv::Size{37, 29}, cv::Size{403, 9}, cv::Size{1, 20}, cv::Size{20, 1}, cv::Size{300, 200}})
    for (int cn : {1, 3})
      for (bool smooth : {false, true}) {
        cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(CV_8U, cn), seed++);
        if (smooth) {
          cv::GaussianBlur(in, in, cv::Size(0, 0), 3);
          in.convertTo(in, -1, 2.5, -100);
        }
        for (int k = 2; k <= 16; ++k) {
          const std::string spec = "box ksize=" + std::to_string(k);
          const Pipeline p = Pipeline::parse(spec);
          const bool rows = k == 2 || k == 3 || k == 4 || k == 8 || k == 16;
          EXPECT_EQ(fuses(p, in), rows) << spec;
          if (!rows) continue;
          cv::Mat want;
          cv::blur(in, want, cv::Size(k, k), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
          RunOptions o;
          o.tile = {16, 7};
          ASSERT_TRUE(test::identical(run(p, in, o), want))
              << spec << ", " << cn << " channels, " << in.cols << "x" << in.rows << (smooth ? ", smooth" : "");
        }
      }
}

TEST(Fused, BoxOnU16AndF32MatchesTheTilePathAndOpenCV) {
  // u16 and f32 means fuse up to kBoxRowsMaxKsize, odd and even: the same bits as the tile path
  // (exact sums, scaled in double) and within 1 (u16) / 1e-3 relative (f32) of cv::blur; wider
  // windows stay tile at a time. Includes the largest u16 values (the widest int32 row sums).
  unsigned seed = 300;
  for (int depth : {CV_16U, CV_32F})
    for (cv::Size size : {cv::Size{37, 29}, cv::Size{203, 71}, cv::Size{1, 20}, cv::Size{20, 1}})
      for (int cn : {1, 3}) {
        cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(depth, cn), seed++);
        if (depth == CV_16U) in(cv::Rect(0, 0, std::min(5, in.cols), std::min(5, in.rows))).setTo(cv::Scalar::all(65535));
        for (int k : {2, 3, 4, 5, 8, 15, 16}) {
          const std::string spec = "box ksize=" + std::to_string(k);
          const Pipeline p = Pipeline::parse(spec);
          const bool rows = k <= detail::kBoxRowsMaxKsize;
          EXPECT_EQ(fuses(p, in), rows) << spec << " on " << PixelType::of(in).str();
          RunOptions o;
          o.tile = {16, 7};
          const cv::Mat got = run(p, in, o);
          o.fused = false;
          ASSERT_TRUE(test::identical(got, run(p, in, o)))
              << spec << ", " << PixelType::of(in).str() << " " << in.cols << "x" << in.rows;
          cv::Mat want;
          cv::blur(in, want, cv::Size(k, k), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
          const double tolerance = depth == CV_16U ? 1 : 1e-3 * cv::norm(want, cv::NORM_INF);
          EXPECT_LE(cv::norm(got, want, cv::NORM_INF), tolerance) << spec << ", " << PixelType::of(in).str();
        }
      }
}

/// The OpenCV calls the correlation tests expect, as functions of the image (reflect-101).
using OpenCvCall = std::function<cv::Mat(const cv::Mat&)>;

OpenCvCall opencv_filter(cv::Mat k, double delta) {
  return [k, delta](const cv::Mat& m) {
    cv::Mat out;
    cv::filter2D(m, out, -1, k, cv::Point(-1, -1), delta, cv::BORDER_REFLECT_101);
    return out;
  };
}

/// cv::Sobel of aperture k, or cv::Scharr for k = cv::FILTER_SCHARR, to `ddepth`.
OpenCvCall opencv_sobel(int dx, int dy, int k, int ddepth) {
  return [=](const cv::Mat& m) {
    cv::Mat out;
    if (k == cv::FILTER_SCHARR) cv::Scharr(m, out, ddepth, dx, dy, 1, 0, cv::BORDER_REFLECT_101);
    else cv::Sobel(m, out, ddepth, dx, dy, k, 1, 0, cv::BORDER_REFLECT_101);
    return out;
  };
}

OpenCvCall opencv_laplacian(int k, int ddepth) {
  return [=](const cv::Mat& m) {
    cv::Mat out;
    cv::Laplacian(m, out, ddepth, k, 1, 0, cv::BORDER_REFLECT_101);
    return out;
  };
}

TEST(Fused, IntegerCorrelationMatchesOpenCV) {
  // filter/sharpen (u8 out, rounded half to even) and the derivatives (s16 out), row by row
  // in 16-bit lanes or, when the sums do not fit, 32-bit scalar, against the OpenCV calls; and
  // abs of the derivatives (integer scale and offset).
  struct Case {
    std::string spec;
    std::function<cv::Mat(const cv::Mat&)> opencv;
  };
  const auto filter = opencv_filter;
  auto sobel = [](int dx, int dy, int k) { return opencv_sobel(dx, dy, k, CV_16S); };
  auto laplacian = [](int k) { return opencv_laplacian(k, CV_16S); };
  const std::vector<Case> cases{
      {"sharpen", filter((cv::Mat_<double>(3, 3) << 0, -1, 0, -1, 5, -1, 0, -1, 0), 0)},
      {"filter kernel=1,2,1;2,4,2;1,2,1 scale=0.0625", filter((cv::Mat_<double>(3, 3) << 1, 2, 1, 2, 4, 2, 1, 2, 1) / 16, 0)},
      {"filter kernel=\"1 -3 2 5 1\" scale=0.5 delta=-7.5",
       filter((cv::Mat_<double>(1, 5) << 1, -3, 2, 5, 1) * 0.5, -7.5)},
      {"filter kernel=\"1;1;1;1;1\" scale=0.00390625 delta=0.5",
       filter((cv::Mat_<double>(5, 1) << 1, 1, 1, 1, 1) / 256, 0.5)},
      {"filter kernel=\"3 0 -3; 10 0 -10; 3 0 -3\" scale=0.25 delta=128",
       filter((cv::Mat_<double>(3, 3) << 3, 0, -3, 10, 0, -10, 3, 0, -3) / 4, 128)},
      {"sobel dx=1 dy=0", sobel(1, 0, 3)},
      {"sobel dx=0 dy=2 ksize=5", sobel(0, 2, 5)},
      {"sobel dx=1 dy=1 ksize=1", sobel(1, 1, 1)},
      {"sobel dx=2 dy=1 ksize=7", sobel(2, 1, 7)},
      {"scharr dx=1 dy=0", sobel(1, 0, cv::FILTER_SCHARR)},
      {"laplacian ksize=1", laplacian(1)},
      {"laplacian ksize=3", laplacian(3)},
      {"laplacian ksize=5", laplacian(5)},
      {"laplacian ksize=7", laplacian(7)},
      {"sobel dx=1 dy=0 | abs", [&](const cv::Mat& m) {
         cv::Mat out;
         cv::convertScaleAbs(sobel(1, 0, 3)(m), out);
         return out;
       }},
      {"laplacian ksize=3 | abs scale=-3 offset=7", [&](const cv::Mat& m) {
         cv::Mat out;
         cv::convertScaleAbs(laplacian(3)(m), out, -3, 7);
         return out;
       }},
  };
  unsigned seed = 70;
  for (cv::Size size : {cv::Size{37, 29}, cv::Size{403, 9}})
    for (int cn : {1, 3}) {
      const cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(CV_8U, cn), seed++);
      for (const Case& c : cases) {
        const Pipeline p = Pipeline::parse(c.spec);
        EXPECT_TRUE(fuses(p, in)) << c.spec;
        for (Size tile : {Size{16, 7}, Size{1000, 1000}}) {
          RunOptions o;
          o.tile = tile;
          ASSERT_TRUE(test::identical(run(p, in, o), c.opencv(in)))
              << c.spec << ", " << cn << " channels, " << in.cols << "x" << in.rows << ", tile " << to_string(tile);
        }
      }
    }
}


TEST(Fused, FloatAndU16CorrelationMatchOpenCV) {
  // u16: gaussian in OpenCV's 16.16 fixed point; filter and sharpen (u16 out) and the
  // derivatives (f32 out) as exact integer sums where OpenCV's float sums stay exact (within
  // 2^24), else OpenCV's float arithmetic, as for u8 filters with other kernels. f32: gaussian, the
  // derivatives (one separable term) and filter/sharpen/laplacian 1 and 3 (filter2D) with
  // OpenCV's float arithmetic: a multiply-add per product, fused where OpenCV's dispatched
  // filters fuse them (fused.sse2_loops reruns this with OpenCV's SSE filters, which do not).
  // Each run equals the tile-at-a-time path bit for bit, and the OpenCV call: bit for bit, or
  // within the entry's tolerance where the tile path widens OpenCV's 3- and 5-tap float filters.
  struct Case {
    std::string spec;
    int depth;
    bool fuses;
    double tolerance;  ///< against OpenCV; 0: the same bits
    std::function<cv::Mat(const cv::Mat&)> opencv;
  };
  const auto filter = opencv_filter;
  auto sobel = [](int dx, int dy, int k) { return opencv_sobel(dx, dy, k, CV_32F); };
  auto laplacian = [](int k) { return opencv_laplacian(k, CV_32F); };
  auto gaussian = [](double sigma, int k) {
    return [=](const cv::Mat& m) {
      cv::Mat out;
      cv::GaussianBlur(m, out, cv::Size(m.cols == 1 ? 1 : k, m.rows == 1 ? 1 : k), sigma, sigma,
                       cv::BORDER_REFLECT_101);
      return out;
    };
  };
  const cv::Mat sharpen = (cv::Mat_<double>(3, 3) << 0, -1, 0, -1, 5, -1, 0, -1, 0);
  const cv::Mat odd = (cv::Mat_<double>(3, 5) << 0.3, -1.7, 0, 2.25, 0.1, 1e-3, 4, 0.5, -2, 0, 0.7, 0, -0.2, 1.1, -3);
  const std::vector<Case> cases{
      {"sharpen", CV_16U, true, 0, filter(sharpen, 0)},
      {"filter kernel=\"1 -3 2 5 1\" scale=0.5 delta=-7.5", CV_16U, true, 0,
       filter((cv::Mat_<double>(1, 5) << 1, -3, 2, 5, 1) * 0.5, -7.5)},
      {"filter kernel=\"1 1 1; 1 1 1; 1 1 1\" scale=0.11", CV_16U, true, 0,  // not dyadic: float sums
       filter(cv::Mat::ones(3, 3, CV_64F) * 0.11, 0)},
      {"filter kernel=\"1 1 1; 1 1 1; 1 1 1\" scale=0.11", CV_8U, false, 0, nullptr},  // OpenCV's vector loop is faster
      {"sobel dx=1 dy=0", CV_16U, true, 0, sobel(1, 0, 3)},
      {"sobel dx=0 dy=4 ksize=5", CV_16U, true, 0, sobel(0, 4, 5)},  // 65535 * 256: just within 2^24
      {"sobel dx=1 dy=0 ksize=7", CV_16U, true, 0, sobel(1, 0, 7)},  // sums beyond 2^24: float arithmetic
      {"scharr dx=0 dy=1", CV_16U, true, 0, sobel(0, 1, cv::FILTER_SCHARR)},
      {"laplacian ksize=1", CV_16U, true, 0, laplacian(1)},
      {"laplacian ksize=3", CV_16U, true, 0, laplacian(3)},
      {"laplacian ksize=5", CV_16U, true, 0, laplacian(5)},
      {"laplacian ksize=7", CV_16U, true, 0, laplacian(7)},
      {"gaussian sigma=2", CV_16U, true, 0, gaussian(2, 0)},
      {"gaussian sigma=0.4", CV_16U, true, 0, gaussian(0.4, 0)},
      {"gaussian sigma=1.2 ksize=11", CV_16U, true, 0, gaussian(1.2, 11)},
      {"gaussian sigma=7.5", CV_16U, true, 0, gaussian(7.5, 0)},  // 61 taps
      {"gaussian sigma=2", CV_32F, true, 0, gaussian(2, 0)},
      {"gaussian sigma=1.3 ksize=9", CV_32F, true, 0, gaussian(1.3, 9)},
      {"gaussian sigma=0.8", CV_32F, true, 1e-3, gaussian(0.8, 0)},  // 5 taps, run as 7
      {"gaussian sigma=1 ksize=3", CV_32F, true, 1e-3, gaussian(1, 3)},
      {"sharpen", CV_32F, true, 0, filter(sharpen, 0)},
      {"filter kernel=\"0.3 -1.7 0 2.25 0.1; 1e-3 4 0.5 -2 0; 0.7 0 -0.2 1.1 -3\" delta=0.37", CV_32F, true, 0,
       filter(odd, 0.37)},
      {"sobel dx=1 dy=0 ksize=7", CV_32F, true, 0, sobel(1, 0, 7)},
      {"sobel dx=2 dy=1 ksize=7", CV_32F, true, 0, sobel(2, 1, 7)},
      {"sobel dx=1 dy=0", CV_32F, true, 0.05, sobel(1, 0, 3)},  // 3 taps, run as 7
      {"scharr dx=0 dy=1", CV_32F, true, 0.05, sobel(0, 1, cv::FILTER_SCHARR)},
      {"laplacian ksize=1", CV_32F, true, 0, laplacian(1)},
      {"laplacian ksize=3", CV_32F, true, 0, laplacian(3)},
      {"laplacian ksize=5", CV_32F, true, 0.05, laplacian(5)},  // two separable terms of 5 taps, run as 7
      {"laplacian ksize=7", CV_32F, true, 0, laplacian(7)},
  };
  unsigned seed = 900;
  for (cv::Size size : {cv::Size{37, 29}, cv::Size{403, 9}, cv::Size{1, 20}, cv::Size{21, 1}, cv::Size{1, 1}})
    for (int cn : {1, 3, 4})
      for (int depth : {CV_8U, CV_16U, CV_32F}) {
        cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(depth, cn), seed++);
        if (depth == CV_16U)  // the largest sums
          in(cv::Rect(0, 0, std::min(6, in.cols), std::min(6, in.rows))).setTo(cv::Scalar::all(65535));
        for (const Case& c : cases) {
          if (c.depth != depth) continue;
          const Pipeline p = Pipeline::parse(c.spec);
          const std::string what = c.spec + " on " + PixelType::of(in).str() + " " + std::to_string(in.cols) + "x" +
                                   std::to_string(in.rows);
          // A 1x1 float Gaussian is a copy in OpenCV (signs of zero kept): tile at a time.
          const bool copy = depth == CV_32F && in.total() == 1 && c.spec.rfind("gaussian", 0) == 0;
          EXPECT_EQ(fuses(p, in), c.fuses && !copy) << what;
          RunOptions o;
          o.tile = {16, 7};
          const cv::Mat got = run(p, in, o);
          o.fused = false;
          const cv::Mat tiled = run(p, in, o);
          ASSERT_TRUE(test::identical(got, tiled)) << what << ": fused vs tile at a time";
          ASSERT_EQ(std::memcmp(got.data, tiled.data, got.total() * got.elemSize()), 0) << what << ": bits (signs of zero)";
          if (!c.opencv) continue;
          const cv::Mat want = c.opencv(in);
          if (c.tolerance == 0) ASSERT_TRUE(test::identical(got, want)) << what << ": vs OpenCV";
          else EXPECT_LE(cv::norm(got, want, cv::NORM_INF), c.tolerance) << what << ": vs OpenCV";
        }
      }
}


TEST(Fused, ColourConversionsAndAbsdiffMatchOpenCV) {
  // hsv (u8: cvtColor on each row; f32: our per-pixel formulas, within 1e-3 of cvtColor), lab
  // (cvtColor on each row) and absdiff (two inputs, u8 and u16), on rows shorter and longer
  // than a vector, fused and tile at a time.
  unsigned seed = 1300;
  for (cv::Size size : {cv::Size{37, 29}, cv::Size{403, 9}, cv::Size{1, 20}, cv::Size{21, 1}}) {
    for (int depth : {CV_8U, CV_32F}) {
      cv::Mat in = test::random_image(size.width, size.height, CV_MAKETYPE(depth, 3), seed++);
      if (depth == CV_32F) in = in * 0.0005 + 0.5;  // cvtColor's float colours live in [0, 1]
      for (auto [spec, code] : {std::pair{"hsv", cv::COLOR_BGR2HSV}, std::pair{"lab", cv::COLOR_BGR2Lab}}) {
        const Pipeline p = Pipeline::parse(spec);
        const std::string what = std::string(spec) + " on " + PixelType::of(in).str() + " " + std::to_string(in.cols) +
                                  "x" + std::to_string(in.rows);
        EXPECT_TRUE(fuses(p, in)) << what;
        cv::Mat want;
        cv::cvtColor(in, want, code);
        // Tiles whose rows start at odd columns and end mid-vector, and whole rows (one stream).
        for (Size tile : {Size{16, 7}, Size{5, 3}, Size{in.cols, in.rows}}) {
          RunOptions o;
          o.tile = tile;
          const cv::Mat got = run(p, in, o);
          o.fused = false;
          ASSERT_TRUE(test::identical(got, run(p, in, o))) << what << ", tile " << to_string(tile) << ": fused vs tile";
          if (depth == CV_8U || code == cv::COLOR_BGR2Lab) ASSERT_TRUE(test::identical(got, want)) << what;
          else EXPECT_LE(cv::norm(got, want, cv::NORM_INF), 1e-3) << what;
        }
      }
    }
    for (int type : {CV_8UC1, CV_8UC3, CV_16UC1, CV_16UC4}) {
      const cv::Mat in = test::random_image(size.width, size.height, type, seed++);
      Pipeline p;
      const NodeId blur = p.add("gaussian", {{"sigma", "1.5"}}, {Pipeline::kInput});
      p.add("absdiff", {}, {Pipeline::kInput, blur});
      EXPECT_TRUE(fuses(p, in));
      cv::Mat g, want;
      cv::GaussianBlur(in, g, cv::Size(in.cols == 1 ? 1 : 0, in.rows == 1 ? 1 : 0), 1.5, 1.5, cv::BORDER_REFLECT_101);
      cv::absdiff(in, g, want);
      expect_fused_pipeline(p, in, want, "absdiff of the input and its blur, " + PixelType::of(in).str());
    }
  }
}

}  // namespace
}  // namespace tessera
