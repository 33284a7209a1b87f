// Reduce-then-map kernels: stats and its results, equalize and normalize, against OpenCV and
// across tilings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

using test::tiles;

/// Pulls the number after `"key": ` at or after `from` in a flat JSON text.
double json_number(const std::string& json, const std::string& key, std::size_t from = 0) {
  const auto at = json.find("\"" + key + "\": ", from);
  EXPECT_NE(at, std::string::npos) << key << " missing in " << json.substr(0, 200);
  return std::stod(json.substr(at + key.size() + 4));
}

TEST(Reduce, StatsMatchOpenCVAndDoNotDependOnTiling) {
  for (int type : {CV_8UC1, CV_8UC3, CV_16UC1}) {
    const cv::Mat in = test::random_image(301, 199, type, 5);
    std::vector<std::string> jsons;
    for (Size t : {Size{7, 5}, Size{64, 64}, Size{1000, 1000}}) {
      RunStats stats;
      const cv::Mat out = run(Pipeline::parse("stats"), in, tiles(t), &stats);
      EXPECT_TRUE(test::identical(out, in)) << "stats passes the image through";
      ASSERT_EQ(stats.results.size(), 1u);
      EXPECT_EQ(stats.results[0].stage, "stage 1 'stats'");
      jsons.push_back(stats.results[0].json);
    }
    EXPECT_EQ(jsons[0], jsons[1]);
    EXPECT_EQ(jsons[0], jsons[2]);
    std::vector<cv::Mat> planes;
    cv::split(in, planes);
    std::size_t from = 0;
    for (const cv::Mat& plane : planes) {
      double lo = 0, hi = 0;
      cv::minMaxLoc(plane, &lo, &hi);
      cv::Scalar mean, dev;
      cv::meanStdDev(plane, mean, dev);
      const std::string& j = jsons[0];
      from = j.find("{\"min\"", from);
      ASSERT_NE(from, std::string::npos);
      EXPECT_EQ(json_number(j, "min", from), lo);
      EXPECT_EQ(json_number(j, "max", from), hi);
      EXPECT_NEAR(json_number(j, "mean", from), mean[0], 1e-6 * (1 + mean[0]));
      EXPECT_NEAR(json_number(j, "stddev", from), dev[0], 1e-6 * (1 + dev[0]));
      EXPECT_EQ(json_number(j, "pixels", from), static_cast<double>(plane.total()));
      ++from;
    }
  }
}

TEST(Reduce, HistogramBinsMatchCalcHist) {
  const cv::Mat in = test::random_image(120, 80, CV_8UC1, 6);
  RunStats stats;
  run(Pipeline::parse("stats"), in, tiles({13, 11}), &stats);
  cv::Mat hist;
  const int channels[] = {0}, bins[] = {256};
  const float range[] = {0, 256};
  const float* ranges[] = {range};
  cv::calcHist(&in, 1, channels, cv::Mat(), hist, 1, bins, ranges);
  const std::string& j = stats.results.at(0).json;
  std::size_t at = j.find("\"histogram\": [") + 14;
  for (int v = 0; v < 256; ++v) {
    const std::size_t end = j.find_first_of(",]", at);
    EXPECT_EQ(std::stod(j.substr(at, end - at)), hist.at<float>(v)) << "bin " << v;
    at = end + 2;
  }
}

TEST(Reduce, ChainRunsReducePassThenFusedMap) {
  // gaussian | equalize | threshold: the blur is materialised for the reduce pass; the
  // equalize map and the threshold run in one tiled pass.
  const cv::Mat in = test::random_image(257, 190, CV_8UC1, 7);
  RunStats stats;
  const Pipeline p = Pipeline::parse("gaussian sigma=1.5 | equalize | threshold t=128");
  const cv::Mat got = run(p, in, tiles({50, 40}), &stats);
  EXPECT_EQ(stats.passes, 3);  // tiled gaussian, reduce, tiled equalize+threshold
  cv::Mat blurred, eq, want;
  cv::GaussianBlur(in, blurred, cv::Size(0, 0), 1.5);
  cv::equalizeHist(blurred, eq);
  cv::threshold(eq, want, 128, 255, cv::THRESH_BINARY);
  EXPECT_TRUE(test::identical(got, want));
}

TEST(Reduce, ConstantImageEqualizesAndNormalizesLikeOpenCV) {
  const cv::Mat flat(40, 30, CV_8UC1, cv::Scalar(77));
  cv::Mat eq, norm;
  cv::equalizeHist(flat, eq);
  cv::normalize(flat, norm, 0, 255, cv::NORM_MINMAX);
  EXPECT_TRUE(test::identical(run(Pipeline::parse("equalize"), flat, tiles({7, 7})), eq));
  EXPECT_TRUE(test::identical(run(Pipeline::parse("normalize"), flat, tiles({7, 7})), norm));
}

}  // namespace
}  // namespace tessera
