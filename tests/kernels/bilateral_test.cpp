// bilateral on 8-bit images: tiled, on every backend, equals the filter's float definition
// written out here (OpenCV's float weight tables, taps in its order, each float operation
// rounded on its own), bit for bit, on image widths around every vector length; and stays
// within 1 of cv::bilateralFilter. Also run with the baseline (SSE2) loops by ctest's
// filters.sse2_loops, so both vector builds are held to the same bits.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

/// The 8-bit bilateral filter with window radius r, per its definition (border: reflect 101).
cv::Mat bilateral_definition(const cv::Mat& in, int r, double sigma_color, double sigma_space) {
  const int cn = in.channels();
  std::vector<int> dxs, dys;
  std::vector<float> space_w;
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) {
      const double dist = std::sqrt(double(dx * dx + dy * dy));
      if (dist > r) continue;
      dxs.push_back(dx);
      dys.push_back(dy);
      space_w.push_back(static_cast<float>(std::exp(dist * dist * (-0.5 / (sigma_space * sigma_space)))));
    }
  std::vector<float> color_w(256 * 3);
  for (int i = 0; i < 256 * 3; ++i)
    color_w[i] = static_cast<float>(std::exp(i * i * (-0.5 / (sigma_color * sigma_color))));
  cv::Mat padded, out(in.size(), in.type());
  cv::copyMakeBorder(in, padded, r, r, r, r, cv::BORDER_REFLECT_101);
  for (int y = 0; y < in.rows; ++y)
    for (int x = 0; x < in.cols; ++x) {
      const uchar* centre = padded.ptr(y + r) + (x + r) * cn;
      float sum[3] = {0, 0, 0}, wsum = 0;
      for (std::size_t k = 0; k < space_w.size(); ++k) {
        const uchar* q = padded.ptr(y + r + dys[k]) + (x + r + dxs[k]) * cn;
        int d = 0;
        for (int c = 0; c < cn; ++c) d += std::abs(int(q[c]) - int(centre[c]));
        volatile float w = space_w[k] * color_w[d];  // volatile: no fused multiply-add
        wsum = wsum + w;
        for (int c = 0; c < cn; ++c) {
          volatile float term = static_cast<float>(q[c]) * w;
          sum[c] = sum[c] + term;
        }
      }
      for (int c = 0; c < cn; ++c) out.ptr(y)[x * cn + c] = cv::saturate_cast<uchar>(cvRound(sum[c] / wsum));
    }
  return out;
}

TEST(Bilateral, EightBitEqualsItsFloatDefinitionAndStaysWithinOneOfOpenCV) {
  struct Case {
    int d;
    double sigma_color, sigma_space;
  };
  const Case cases[] = {{5, 50, 3}, {3, 10, 1}, {0, 80, 2.5}};  // d=0: radius from sigma_space
  const Size tiles[] = {{7, 5}, {33, 17}, {512, 512}};
  unsigned seed = 1;
  int backend = 0;
  for (const Case& c : cases)
    for (int type : {CV_8UC1, CV_8UC3})
      for (int w : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 61, 509}) {
        const cv::Mat in = test::random_image(w, w > 100 ? 301 : 13, type, seed++);
        const int r = std::max(c.d <= 0 ? cvRound(c.sigma_space * 1.5) : c.d / 2, 1);
        const cv::Mat expect = bilateral_definition(in, r, c.sigma_color, c.sigma_space);
        Pipeline p;
        p.add("bilateral", {{"d", std::to_string(c.d)},
                            {"sigma_color", std::to_string(c.sigma_color)},
                            {"sigma_space", std::to_string(c.sigma_space)}});
        const std::string what = "d=" + std::to_string(c.d) + " sigma_color=" + std::to_string(c.sigma_color) +
                                 " channels=" + std::to_string(CV_MAT_CN(type)) + " width=" + std::to_string(w);
        for (Size tile : tiles) {
          const Backend b = test::kBackends[backend++ % std::size(test::kBackends)];
          ASSERT_TRUE(test::identical(run(p, in, test::options(b, tile)), expect))
              << what << " tile=" << tile.w << "x" << tile.h;
        }
        cv::Mat opencv;
        cv::bilateralFilter(in, opencv, c.d, c.sigma_color, c.sigma_space, cv::BORDER_REFLECT_101);
        EXPECT_LE(cv::norm(expect, opencv, cv::NORM_INF), 1) << what;
      }
}

}  // namespace
}  // namespace tessera
