// bilateral: tiled, on every backend, equals the filter's definition (for 8-bit images in float
// with OpenCV's weight tables, for float ones with an interpolated colour table; taps in
// OpenCV's order, each float operation rounded on its own) written out here, bit for bit, on
// image widths around every vector length; and stays close to cv::bilateralFilter. Also run
// with the baseline (SSE2) loops by ctest's filters.sse2_loops, so both vector builds are held
// to the same bits.
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

/// The float bilateral filter per its definition: colour weights interpolated linearly in a
/// table of 4096 bins over distances 0 .. sqrt(104 / (1 / (2 sigma_color^2))).
cv::Mat bilateral_f32_definition(const cv::Mat& in, int r, double sigma_color, double sigma_space) {
  const int cn = in.channels(), bins = 4096;
  const double coeff = -0.5 / (sigma_color * sigma_color), far = std::sqrt(104 / -coeff);
  std::vector<float> table;
  for (int i = 0; i <= bins; ++i) table.push_back(static_cast<float>(std::exp((far * i / bins) * (far * i / bins) * coeff)));
  table.push_back(0.f);
  const float inv_bin = static_cast<float>(bins / far);
  cv::Mat padded, out(in.size(), in.type());
  cv::copyMakeBorder(in, padded, r, r, r, r, cv::BORDER_REFLECT_101);
  for (int y = 0; y < in.rows; ++y)
    for (int x = 0; x < in.cols; ++x) {
      const float* centre = padded.ptr<float>(y + r) + (x + r) * cn;
      float sum[3] = {0, 0, 0}, wsum = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const double dist = std::sqrt(double(dx * dx + dy * dy));
          if (dist > r) continue;
          const float space = static_cast<float>(std::exp(dist * dist * (-0.5 / (sigma_space * sigma_space))));
          const float* q = padded.ptr<float>(y + r + dy) + (x + r + dx) * cn;
          float d = 0;
          for (int c = 0; c < cn; ++c) d = d + std::abs(q[c] - centre[c]);
          volatile float idx = d * inv_bin;  // volatile: no fused multiply-add
          const float at = idx < bins ? float(idx) : float(bins);
          const int i = static_cast<int>(std::floor(at));
          const float f = at - static_cast<float>(i);
          volatile float step = f * (table[i + 1] - table[i]);
          volatile float w = space * (table[i] + step);
          wsum = wsum + w;
          for (int c = 0; c < cn; ++c) {
            volatile float term = q[c] * w;
            sum[c] = sum[c] + term;
          }
        }
      for (int c = 0; c < cn; ++c) out.ptr<float>(y)[x * cn + c] = sum[c] / wsum;
    }
  return out;
}

TEST(Bilateral, FloatEqualsItsDefinitionAndStaysCloseToOpenCV) {
  unsigned seed = 50;
  int backend = 0;
  for (double sigma_color : {0.1, 30.0})
    for (int type : {CV_32FC1, CV_32FC3})
      for (int w : {1, 7, 8, 9, 17, 61, 203}) {
        cv::Mat in = test::random_image(w, w > 100 ? 151 : 11, type, seed++);
        if (sigma_color < 1) in.convertTo(in, -1, 1 / 2000., 0.5);  // values in 0..1
        const cv::Mat expect = bilateral_f32_definition(in, 2, sigma_color, 3);
        Pipeline p;
        p.add("bilateral", {{"d", "5"}, {"sigma_color", std::to_string(sigma_color)}, {"sigma_space", "3"}});
        const std::string what = "sigma_color=" + std::to_string(sigma_color) + " channels=" +
                                 std::to_string(CV_MAT_CN(type)) + " width=" + std::to_string(w);
        for (Size tile : {Size{7, 5}, Size{64, 64}})
          for (bool fused : {true, false}) {  // row stages, and tile at a time
            RunOptions o = test::options(test::kBackends[backend++ % std::size(test::kBackends)], tile);
            o.fused = fused;
            ASSERT_TRUE(test::identical(run(p, in, o), expect)) << what << " tile=" << to_string(tile) << " fused=" << fused;
          }
        cv::Mat opencv;
        cv::bilateralFilter(in, opencv, 5, sigma_color, 3, cv::BORDER_REFLECT_101);
        // OpenCV interpolates its own table (spanning the image's value range): close, not equal.
        EXPECT_LE(cv::norm(expect, opencv, cv::NORM_INF), sigma_color < 1 ? 1e-4 : 0.5) << what;
      }
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
        for (Size tile : tiles)
          for (bool fused : {true, false}) {  // row stages, and tile at a time
            RunOptions o = test::options(test::kBackends[backend++ % std::size(test::kBackends)], tile);
            o.fused = fused;
            ASSERT_TRUE(test::identical(run(p, in, o), expect))
                << what << " tile=" << tile.w << "x" << tile.h << " fused=" << fused;
          }
        cv::Mat opencv;
        cv::bilateralFilter(in, opencv, c.d, c.sigma_color, c.sigma_space, cv::BORDER_REFLECT_101);
        EXPECT_LE(cv::norm(expect, opencv, cv::NORM_INF), 1) << what;
      }
}

}  // namespace
}  // namespace tessera
