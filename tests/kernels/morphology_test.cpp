// Morphology: every entry (erode ... morph_gradient), tiled on every backend, against
// cv::morphologyEx written out here on the whole image, bit for bit.
//
// One test per (operation, shape); each sweeps odd and even ksize, iterations 1 and 3, every
// depth with one and several channels, small and odd image sizes, and tiles from 1x1 to larger
// than the image. Backends are rotated over the tiles rather than crossed with them, so every
// backend meets every tile size over a test without tripling its run time.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <sstream>
#include <string>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

struct Op {
  const char* name;  ///< registry entry
  int cv_op;         ///< cv::MorphTypes
};
const Op kOps[] = {{"erode", cv::MORPH_ERODE},
                   {"dilate", cv::MORPH_DILATE},
                   {"open", cv::MORPH_OPEN},
                   {"close", cv::MORPH_CLOSE},
                   {"tophat", cv::MORPH_TOPHAT},
                   {"blackhat", cv::MORPH_BLACKHAT},
                   {"morph_gradient", cv::MORPH_GRADIENT}};

struct Shape {
  const char* name;  ///< the shape= parameter
  int cv_shape;      ///< cv::MorphShapes
};
const Shape kShapes[] = {{"rect", cv::MORPH_RECT}, {"ellipse", cv::MORPH_ELLIPSE}, {"cross", cv::MORPH_CROSS}};

// Names, not bytes, in GoogleTest's parameter printouts.
void PrintTo(const Op& op, std::ostream* os) { *os << op.name; }
void PrintTo(const Shape& shape, std::ostream* os) { *os << shape.name; }

struct Type {
  const char* name;
  int cv_type;
};
const Type kTypes[] = {{"u8x1", CV_8UC1},   {"u8x3", CV_8UC3},   {"u16x1", CV_16UC1},
                       {"u16x4", CV_16UC4}, {"f32x1", CV_32FC1}, {"f32x3", CV_32FC3}};

const int kKsizes[] = {1, 2, 3, 4, 5, 7};
const int kIterations[] = {1, 3};
const Size kImages[] = {{1, 1}, {2, 9}, {29, 17}, {61, 45}};
const Size kTiles[] = {{1, 1}, {7, 5}, {29, 17}, {200, 200}};  // the last is larger than every image
using test::kBackends;

/// 1x1 tiles only on images up to this many pixels (one tile task per pixel and node).
constexpr std::int64_t kMaxPixelsForUnitTiles = 64;

/// One parameter set of one morphology entry.
struct Morph {
  Op op;
  Shape shape;
  int ksize;
  int iterations;

  Pipeline pipeline() const {
    Pipeline p;
    p.add(op.name,
          {{"ksize", std::to_string(ksize)}, {"shape", shape.name}, {"iterations", std::to_string(iterations)}});
    return p;
  }

  /// The OpenCV call on the whole image, default anchor and border.
  cv::Mat opencv(const cv::Mat& in) const {
    const cv::Mat element = cv::getStructuringElement(shape.cv_shape, cv::Size(ksize, ksize));
    cv::Mat out;
    cv::morphologyEx(in, out, op.cv_op, element, cv::Point(-1, -1), iterations);
    return out;
  }

  std::string str() const {
    std::ostringstream s;
    s << op.name << " shape=" << shape.name << " ksize=" << ksize << " iterations=" << iterations;
    return s.str();
  }
};

/// What a failure names: the entry, its parameters, the image; then the tiling, if any.
std::string describe(const Morph& m, const char* type, const cv::Mat& in) {
  std::ostringstream s;
  s << m.str() << " type=" << type << " image=" << in.cols << "x" << in.rows;
  return s.str();
}

std::string describe(const Morph& m, const char* type, const cv::Mat& in, Size tile, Backend b) {
  std::ostringstream s;
  s << describe(m, type, in) << " tile=" << tile.w << "x" << tile.h << " backend=" << to_string(b);
  return s.str();
}

cv::Mat tiled(const Pipeline& p, const cv::Mat& in, Size tile, Backend b) {
  RunOptions o;
  o.tile = tile;
  o.threads = 3;
  o.backend = b;
  return run(p, in, o);
}

class Morphology : public ::testing::TestWithParam<std::tuple<Op, Shape>> {};

TEST_P(Morphology, TiledEqualsOpenCV) {
  const auto [op, shape] = GetParam();
  unsigned seed = 1;
  int backend = 0;  // rotates over kBackends
  for (int ksize : kKsizes)
    for (int iterations : kIterations) {
      const Morph m{op, shape, ksize, iterations};
      const Pipeline p = m.pipeline();
      for (const Type& type : kTypes)
        for (Size image : kImages) {
          const cv::Mat in =
              test::random_image(static_cast<int>(image.w), static_cast<int>(image.h), type.cv_type, seed++);
          const cv::Mat expect = m.opencv(in);
          ASSERT_TRUE(test::identical(run_reference(p, in), expect)) << "run_reference " << describe(m, type.name, in);
          for (Size tile : kTiles) {
            if (tile.area() == 1 && image.area() > kMaxPixelsForUnitTiles) continue;
            const Backend b = kBackends[backend++ % std::size(kBackends)];
            ASSERT_TRUE(test::identical(tiled(p, in, tile, b), expect)) << describe(m, type.name, in, tile, b);
          }
        }
    }
}

std::string test_name(const ::testing::TestParamInfo<std::tuple<Op, Shape>>& param_info) {
  return std::string(std::get<0>(param_info.param).name) + "_" + std::get<1>(param_info.param).name;
}

INSTANTIATE_TEST_SUITE_P(EveryOpAndShape, Morphology,
                         ::testing::Combine(::testing::ValuesIn(kOps), ::testing::ValuesIn(kShapes)), test_name);

/// Float bits as int32, so that the comparison is bitwise: equal NaNs (from inf - inf in the
/// difference entries, which OpenCV produces as well) compare equal, and -0 differs from +0.
cv::Mat bits(const cv::Mat& f32) {
  const cv::Mat flat = f32.reshape(1);
  return cv::Mat(flat.rows, flat.cols, CV_32S, const_cast<uchar*>(flat.data), flat.step);
}

int count_nan(const cv::Mat& m) {
  cv::Mat is_nan;
  cv::compare(m.reshape(1), m.reshape(1), is_nan, cv::CMP_NE);
  return cv::countNonZero(is_nan);
}

/// A random float image where every 5th value is +inf, -inf, +FLT_MAX or -FLT_MAX, including
/// along the edges, where the neutral border value (FLT_MAX for erode, -FLT_MAX for dilate)
/// meets them.
cv::Mat extreme_image(int w, int h, int type, unsigned seed) {
  cv::Mat m = test::random_image(w, h, type, seed);
  const float extremes[] = {INFINITY, -INFINITY, FLT_MAX, -FLT_MAX};
  cv::RNG rng(seed);
  cv::Mat flat = m.reshape(1);
  for (int y = 0; y < flat.rows; ++y)
    for (int x = 0; x < flat.cols; ++x)
      if ((x + y) % 5 == 0) flat.at<float>(y, x) = extremes[rng.uniform(0, 4)];
  return m;
}

TEST(MorphologyFloat, InfinityAndFltMaxAreExact) {
  const Size tiles[] = {{7, 5}, {13, 200}};
  unsigned seed = 1;
  int backend = 0;  // rotates over kBackends
  for (const Op& op : kOps)
    for (const Shape& shape : kShapes)
      for (int ksize : {1, 2, 3})
        for (int iterations : {1, 3}) {
          const Morph m{op, shape, ksize, iterations};
          const Pipeline p = m.pipeline();
          for (int type : {CV_32FC1, CV_32FC3}) {
            const cv::Mat in = extreme_image(23, 19, type, seed++);
            const cv::Mat expect = m.opencv(in);
            // erode, dilate, open and close only select input values: a NaN there is a bug.
            // The differences may hit inf - inf, and must then match OpenCV's NaN exactly.
            const bool selects = op.cv_op == cv::MORPH_ERODE || op.cv_op == cv::MORPH_DILATE ||
                                 op.cv_op == cv::MORPH_OPEN || op.cv_op == cv::MORPH_CLOSE;
            if (selects) {
              ASSERT_EQ(count_nan(expect), 0) << m.str();
            }
            const char* type_name = type == CV_32FC1 ? "f32x1" : "f32x3";
            for (Size tile : tiles) {
              const Backend b = kBackends[backend++ % std::size(kBackends)];
              const cv::Mat got = tiled(p, in, tile, b);
              ASSERT_EQ(count_nan(got), count_nan(expect)) << describe(m, type_name, in, tile, b);
              ASSERT_TRUE(test::identical(bits(got), bits(expect))) << describe(m, type_name, in, tile, b);
            }
          }
        }
}

TEST(Morphology, ViewOfALargerImageSeesNothingOutsideIt) {
  // The input is a view into a larger image whose column just left of it is bright. Pixels
  // outside the input are not part of it: dilation at its left edge must see the neutral
  // border, as on a copy, not the larger image's pixels.
  cv::Mat big = cv::Mat::zeros(100, 100, CV_8UC1);
  big.col(50).setTo(255);
  big.col(90).setTo(200);
  const cv::Mat view = big(cv::Rect(51, 0, 39, 40));  // between the bright columns
  for (const char* op : {"dilate", "erode"}) {
    const Pipeline p = Pipeline::parse(std::string(op) + " ksize=3");
    cv::Mat want;
    const cv::Mat copy = view.clone();
    if (std::string(op) == "dilate") cv::dilate(copy, want, cv::Mat());
    else cv::erode(copy, want, cv::Mat());
    for (Size tile : {Size{8, 8}, Size{100, 100}})
      for (bool fused : {false, true}) {
        RunOptions o;
        o.tile = tile;
        o.fused = fused;
        EXPECT_TRUE(test::identical(run(p, view, o), want))
            << op << ", tile " << to_string(tile) << (fused ? ", fused" : ", tile at a time");
      }
  }
}

}  // namespace
}  // namespace tessera
