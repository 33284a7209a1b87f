// Geometric kernels beyond the registry examples: resize at many factors and interpolations
// against cv::resize (max difference printed), tiled == whole-image for each, and crop, pad,
// flip, rotate90, pyrdown parameters and errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

const Size kTiles[] = {{7, 5}, {64, 64}, {333, 129}};
const int kTypes[] = {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_32FC1, CV_32FC4};
const Size kSizes[] = {{37, 53}, {203, 151}, {64, 48}, {5, 3}, {1, 1}, {1, 40}, {40, 1}, {2, 2}, {129, 7}};

/// Tiled runs (several tile sizes, threads, backends) equal the whole-image reference.
void expect_tiling_invariant(const Pipeline& p, const cv::Mat& input, const cv::Mat& reference) {
  int i = 0;
  for (Size t : kTiles) {
    RunOptions o;
    o.tile = t;
    o.threads = 1 + i % 3;
    o.backend = i % 2 && test::runs(Backend::Omp) ? Backend::Omp : Backend::Tbb;
    ++i;
    ASSERT_TRUE(test::identical(run(p, input, o), reference))
        << p.str() << ", " << input.cols << "x" << input.rows << " " << PixelType::of(input).str() << ", tile "
        << to_string(t);
  }
}

double max_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty()) return 0;
  cv::Mat x, y;
  a.convertTo(x, CV_64F);
  b.convertTo(y, CV_64F);
  return cv::norm(x, y, cv::NORM_INF);
}

struct ResizeCase {
  std::string spec;  // scale=... or w=... h=...
  double scale;      // 0 when w, h are given
  cv::Size size;
};

const ResizeCase kResizeCases[] = {
    {"scale=0.7", 0.7, {}}, {"scale=1.5", 1.5, {}}, {"scale=2", 2, {}},       {"scale=0.5", 0.5, {}},
    {"scale=0.9", 0.9, {}}, {"scale=0.25", 0.25, {}}, {"scale=3", 3, {}},    {"scale=0.3", 0.3, {}},
    {"w=50 h=31", 0, {50, 31}}, {"w=19 h=80", 0, {19, 80}}, {"w=11 h=7", 0, {11, 7}},
};

class ResizeInterp : public ::testing::TestWithParam<std::string> {};

/// Every factor and type: tiled == whole-image reference, and the reference is within the
/// entry's tolerance of cv::resize (exact for everything but 8-bit linear-type filters and floats).
TEST_P(ResizeInterp, MatchesOpenCVAndIsTilingInvariant) {
  const std::string interp = GetParam();
  const int cv_interp = interp == "nearest" ? cv::INTER_NEAREST
                        : interp == "area"  ? cv::INTER_AREA
                        : interp == "cubic" ? cv::INTER_CUBIC
                                            : cv::INTER_LINEAR;
  const double tolerance = Registry::builtin().at("resize").oracle_tolerance;
  unsigned seed = 100;
  for (int type : kTypes) {
    double worst = 0;
    std::int64_t values = 0, differing = 0;
    for (const ResizeCase& c : kResizeCases) {
      const Pipeline p = Pipeline::parse("resize " + c.spec + " interp=" + interp);
      for (Size s : kSizes) {
        const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), type, seed++);
        const cv::Size want_size = c.scale > 0 ? cv::Size(cvRound(s.w * c.scale), cvRound(s.h * c.scale)) : c.size;
        if (want_size.area() == 0) {
          EXPECT_THROW(p.validate(PixelType::of(input), s), UsageError) << c.spec;
          continue;
        }
        cv::Mat want;
        cv::resize(input, want, c.scale > 0 ? cv::Size() : c.size, c.scale, c.scale, cv_interp);
        const cv::Mat ref = run_reference(p, input);
        ASSERT_EQ(ref.size(), want.size()) << c.spec;
        const double d = max_diff(ref, want);
        cv::Mat ne;
        cv::compare(ref.reshape(1), want.reshape(1), ne, cv::CMP_NE);
        differing += cv::countNonZero(ne);
        values += static_cast<std::int64_t>(ref.total()) * ref.channels();
        worst = std::max(worst, d);
        EXPECT_LE(d, tolerance) << "resize " << c.spec << " interp=" << interp << " " << s.w << "x" << s.h << " "
                              << PixelType::of(input).str();
        expect_tiling_invariant(p, input, ref);
      }
    }
    std::printf("resize interp=%-7s %-6s max |tessera - cv::resize| = %g (%lld of %lld values differ)\n",
                interp.c_str(), PixelType{CV_MAT_DEPTH(type), CV_MAT_CN(type)}.str().c_str(), worst,
                static_cast<long long>(differing), static_cast<long long>(values));
  }
}

INSTANTIATE_TEST_SUITE_P(Interp, ResizeInterp, ::testing::Values("nearest", "linear", "area", "cubic"));

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

/// Runs `spec` on random images of every listed type: tiled == whole-image reference, and the
/// reference equals `opencv` (within `tolerance`, printed).
template <typename F>
void expect_geometric(const std::string& spec, F opencv, double tolerance = 0,
                      const std::vector<Size>& sizes = std::vector<Size>(std::begin(kSizes), std::end(kSizes))) {
  const Pipeline p = Pipeline::parse(spec);
  double worst = 0;
  unsigned seed = 7;
  for (int type : kTypes)
    for (Size s : sizes) {
      const cv::Mat input = test::random_image(static_cast<int>(s.w), static_cast<int>(s.h), type, seed++);
      const cv::Mat ref = run_reference(p, input);
      const cv::Mat want = opencv(input);
      ASSERT_EQ(ref.size(), want.size()) << spec;
      const double d = max_diff(ref, want);
      worst = std::max(worst, d);
      EXPECT_LE(d, tolerance) << spec << ", " << s.w << "x" << s.h << " " << PixelType::of(input).str();
      expect_tiling_invariant(p, input, ref);
    }
  std::printf("%-45s max |tessera - OpenCV| = %g\n", spec.c_str(), worst);
}

TEST(Geometric, PyrDown) {
  expect_geometric("pyrdown", [](const cv::Mat& m) {
    cv::Mat out;
    cv::pyrDown(m, out);
    return out;
  }, Registry::builtin().at("pyrdown").oracle_tolerance);
}

TEST(Geometric, FlipAndRotate) {
  for (const char* axis : {"h", "v", "both"})
    expect_geometric(std::string("flip axis=") + axis, [axis](const cv::Mat& m) {
      cv::Mat out;
      cv::flip(m, out, axis[0] == 'h' ? 1 : axis[0] == 'v' ? 0 : -1);
      return out;
    });
  const int codes[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180, cv::ROTATE_90_COUNTERCLOCKWISE};
  for (int turns = 1; turns <= 3; ++turns)
    expect_geometric("rotate90 turns=" + std::to_string(turns), [&](const cv::Mat& m) {
      cv::Mat out;
      cv::rotate(m, out, codes[turns - 1]);
      return out;
    });
}

TEST(Geometric, PadEveryMode) {
  const std::pair<const char*, int> modes[] = {{"constant", cv::BORDER_CONSTANT}, {"replicate", cv::BORDER_REPLICATE},
                                               {"reflect", cv::BORDER_REFLECT}, {"reflect101", cv::BORDER_REFLECT_101}};
  for (auto [name, mode] : modes)
    expect_geometric(std::string("pad top=9 bottom=1 left=70 right=13 value=300 mode=") + name, [mode](const cv::Mat& m) {
      cv::Mat out;
      cv::copyMakeBorder(m, out, 9, 1, 70, 13, mode, cv::Scalar::all(300));
      return out;
    });
}

TEST(Geometric, CropAndChains) {
  expect_geometric("crop x=3 y=2 w=20 h=30", [](const cv::Mat& m) { return m(cv::Rect(3, 2, 20, 30)).clone(); }, 0,
                   {{37, 53}, {203, 151}, {23, 32}});
  expect_geometric("crop margin=10", [](const cv::Mat& m) { return m(cv::Rect(10, 10, m.cols - 20, m.rows - 20)).clone(); },
                   0, {{37, 53}, {203, 151}, {23, 32}});
  expect_geometric("crop x=5 y=7", [](const cv::Mat& m) { return m(cv::Rect(5, 7, m.cols - 5, m.rows - 7)).clone(); },
                   0, {{37, 53}, {23, 32}});
  const cv::Mat input = test::random_image(203, 151, CV_8UC3, 3);
  const Pipeline chain = Pipeline::parse("crop x=17 y=9 w=150 h=101 | pad top=5 left=40 mode=reflect | "
                                         "resize scale=0.7 | rotate90 | flip axis=v | pyrdown");
  expect_tiling_invariant(chain, input, run_reference(chain, input));
}

TEST(Geometric, ErrorsNameTheValues) {
  const Pipeline crop = Pipeline::parse("crop x=30 y=0 w=10 h=5");
  try {
    crop.validate({CV_8U, 1}, {37, 53});
    FAIL() << "crop outside the image accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("x=30"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("37x53"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Pipeline::parse("crop margin=20").validate({CV_8U, 1}, {37, 53}), UsageError);
  // A margin that leaves nothing on one axis (2 x 20 = 40) is an error, not "to the edge" (a
  // zero width means that only for w=).
  EXPECT_THROW(Pipeline::parse("crop margin=20").validate({CV_8U, 1}, {40, 53}), UsageError);
  EXPECT_THROW(Pipeline::parse("crop margin=20").validate({CV_8U, 1}, {53, 40}), UsageError);
  EXPECT_EQ(Pipeline::parse("crop margin=20").validate({CV_8U, 1}, {41, 53}).sizes.back(), (Size{1, 13}));
  EXPECT_THROW(Pipeline::parse("crop margin=2 x=1"), UsageError);
  EXPECT_THROW(Pipeline::parse("resize scale=0.01").validate({CV_8U, 1}, {37, 53}), UsageError);
  EXPECT_THROW(Pipeline::parse("resize"), UsageError);
  EXPECT_THROW(Pipeline::parse("resize scale=2 w=5 h=5"), UsageError);
  EXPECT_THROW(Pipeline::parse("resize w=5"), UsageError);
  EXPECT_THROW(Pipeline::parse("resize scale=0.5").validate({CV_16S, 1}, {37, 53}), UsageError);
}

}  // namespace
}  // namespace tessera
