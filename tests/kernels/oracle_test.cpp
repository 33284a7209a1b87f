// Oracle: tessera's kernels and chains against OpenCV calls written out here, on whole images.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

cv::Mat sobel_mag(const cv::Mat& in) { return test::opencv_sobel_mag(in); }

cv::Mat tiled(const std::string& spec, const cv::Mat& in, Size tile = {61, 37}) {
  RunOptions o;
  o.tile = tile;
  o.threads = 3;
  return run(Pipeline::parse(spec), in, o);
}

class Oracle : public ::testing::TestWithParam<int> {
 protected:
  cv::Mat input() const {
    const int channels = GetParam();
    return test::random_image(301, 203, CV_8UC(channels), 100 + static_cast<unsigned>(channels));
  }
};

TEST_P(Oracle, Gaussian) {
  const cv::Mat in = input();
  cv::Mat expect;
  cv::GaussianBlur(in, expect, cv::Size(0, 0), 2);
  EXPECT_TRUE(test::identical(tiled("gaussian sigma=2", in), expect));
  cv::GaussianBlur(in, expect, cv::Size(5, 5), 0.8);
  EXPECT_TRUE(test::identical(tiled("gaussian sigma=0.8 ksize=5", in), expect));
  cv::GaussianBlur(in, expect, cv::Size(0, 0), 7.5);
  EXPECT_TRUE(test::identical(tiled("gaussian sigma=7.5", in, {16, 16}), expect));
}

TEST_P(Oracle, Box) {
  const cv::Mat in = input();
  for (int k : {1, 2, 3, 8, 15}) {
    cv::Mat expect;
    cv::blur(in, expect, cv::Size(k, k));
    EXPECT_TRUE(test::identical(tiled("box ksize=" + std::to_string(k), in), expect)) << "ksize " << k;
  }
}

TEST_P(Oracle, SobelMag) {
  const cv::Mat in = input();
  EXPECT_TRUE(test::identical(tiled("sobel_mag", in), sobel_mag(in)));
}

TEST_P(Oracle, ThresholdEveryType) {
  const cv::Mat in = input();
  const std::pair<const char*, int> types[] = {{"binary", cv::THRESH_BINARY},
                                               {"binary_inv", cv::THRESH_BINARY_INV},
                                               {"trunc", cv::THRESH_TRUNC},
                                               {"tozero", cv::THRESH_TOZERO},
                                               {"tozero_inv", cv::THRESH_TOZERO_INV}};
  for (auto [name, type] : types) {
    cv::Mat expect;
    cv::threshold(in, expect, 97, 200, type);
    EXPECT_TRUE(test::identical(tiled(std::string("threshold t=97 max=200 type=") + name, in), expect)) << name;
  }
}

TEST_P(Oracle, Invert) {
  const cv::Mat in = input();
  cv::Mat expect = cv::Scalar::all(255) - in;
  EXPECT_TRUE(test::identical(tiled("invert", in), expect));
}

TEST_P(Oracle, P1Chain) {
  const cv::Mat in = input();
  cv::Mat blurred, mag, expect;
  cv::GaussianBlur(in, blurred, cv::Size(0, 0), 2);
  cv::threshold(sobel_mag(blurred), expect, 40, 255, cv::THRESH_BINARY);
  for (Size tile : {Size{1, 1}, Size{7, 5}, Size{64, 64}, Size{1000, 1000}})
    EXPECT_TRUE(test::identical(tiled("gaussian sigma=2 | sobel_mag | threshold t=40", in, tile), expect))
        << "tile " << tile;
}

INSTANTIATE_TEST_SUITE_P(Channels, Oracle, ::testing::Values(1, 3));

TEST(OracleColour, Gray) {
  for (int channels : {3, 4}) {
    const cv::Mat in = test::random_image(97, 61, CV_8UC(channels), 5);
    cv::Mat expect;
    cv::cvtColor(in, expect, channels == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
    EXPECT_TRUE(test::identical(tiled("gray", in), expect)) << channels << " channels";
  }
}

// The naive approach (pad the input once, run the whole chain per tile) is wrong along
// the border; tessera is not. (With symmetric stencils only, such as gaussian then
// sobel_mag, the two agree under reflect101; an even box window is not symmetric.)
TEST(OracleBorder, ChainIsReflectedPerStageNotOnce) {
  const cv::Mat in = test::random_image(200, 150, CV_8UC1, 9);
  cv::Mat boxed, expect;
  cv::blur(in, boxed, cv::Size(4, 4));
  expect = sobel_mag(boxed);
  // Naive: pad the input by the total halo once, run the chain, crop.
  const int r = 2 + 1;
  cv::Mat padded, nb, naive;
  cv::copyMakeBorder(in, padded, r, r, r, r, cv::BORDER_REFLECT_101);
  cv::blur(padded, nb, cv::Size(4, 4));
  naive = sobel_mag(nb)(cv::Rect(r, r, in.cols, in.rows));
  EXPECT_FALSE(test::identical(naive, expect)) << "the naive chain should differ at the border";
  EXPECT_TRUE(test::identical(tiled("box ksize=4 | sobel_mag", in, {32, 32}), expect));
}

}  // namespace
}  // namespace tessera
