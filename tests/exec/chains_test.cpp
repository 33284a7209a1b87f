// Chains mixing kernel classes, checked against OpenCV applied stage by stage to the whole
// image, for several tile sizes and every backend.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

void expect_chain(const std::string& spec, const cv::Mat& in, const cv::Mat& want) {
  const Pipeline p = Pipeline::parse(spec);
  for (Size t : {Size{1, 1}, Size{7, 5}, Size{64, 64}, Size{333, 129}, Size{5000, 5000}}) {
    if (t.area() == 1 && in.total() > 20000) continue;
    for (Backend b : test::kBackends) {
      RunOptions o;
      o.tile = t;
      o.backend = b;
      o.threads = b == Backend::Serial ? 1 : 3;
      ASSERT_TRUE(test::identical(run(p, in, o), want)) << spec << ", tile " << to_string(t) << ", " << to_string(b);
    }
  }
}

TEST(Chains, CropResizeSharpen) {
  const cv::Mat in = test::random_image(230, 170, CV_8UC3, 21);
  cv::Mat resized, want;
  // Nearest is exact with OpenCV; linear is compared in the geometric tests (tolerance).
  cv::resize(in(cv::Rect(10, 12, 200, 140)), resized, cv::Size(), 0.7, 0.7, cv::INTER_NEAREST);
  const cv::Mat k = (cv::Mat_<float>(3, 3) << 0, -1, 0, -1, 5, -1, 0, -1, 0);
  cv::filter2D(resized, want, -1, k);
  expect_chain("crop x=10 y=12 w=200 h=140 | resize scale=0.7 interp=nearest | sharpen", in, want);
}

TEST(Chains, GaussianEqualizeThreshold) {
  const cv::Mat in = test::random_image(181, 97, CV_8UC1, 22);
  cv::Mat blurred, eq, want;
  cv::GaussianBlur(in, blurred, cv::Size(0, 0), 2);
  cv::equalizeHist(blurred, eq);
  cv::threshold(eq, want, 128, 255, cv::THRESH_BINARY);
  expect_chain("gaussian sigma=2 | equalize | threshold t=128", in, want);
}

TEST(Chains, GrayCanny) {
  const cv::Mat in = test::random_image(163, 121, CV_8UC3, 23);
  cv::Mat gray, smooth, want;
  cv::cvtColor(in, gray, cv::COLOR_BGR2GRAY);
  cv::GaussianBlur(gray, smooth, cv::Size(0, 0), 1.5);
  cv::Canny(smooth, want, 40, 120);
  expect_chain("gray | gaussian sigma=1.5 | canny low=40 high=120", in, want);
}

TEST(Chains, MorphologyThenNormalize) {
  const cv::Mat in = test::random_image(150, 111, CV_16UC1, 24);
  cv::Mat opened, grad, want;
  const cv::Mat se = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5));
  cv::morphologyEx(in, opened, cv::MORPH_OPEN, se);
  cv::morphologyEx(opened, grad, cv::MORPH_GRADIENT, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  cv::normalize(grad, want, 0, 65535, cv::NORM_MINMAX);
  expect_chain("open ksize=5 shape=ellipse | morph_gradient | normalize max=65535", in, want);
}

TEST(Chains, PyrdownMedianFlipPadStats) {
  const cv::Mat in = test::random_image(203, 150, CV_8UC1, 25);
  cv::Mat down, med, flipped, want;
  cv::pyrDown(in, down);
  cv::medianBlur(down, med, 5);
  cv::flip(med, flipped, 1);
  cv::copyMakeBorder(flipped, want, 3, 4, 5, 6, cv::BORDER_REFLECT_101);
  expect_chain("pyrdown | median ksize=5 | flip axis=h | pad top=3 bottom=4 left=5 right=6 mode=reflect101 | stats",
               in, want);
}

}  // namespace
}  // namespace tessera
