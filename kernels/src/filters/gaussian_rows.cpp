// cv::GaussianBlur of 8-bit images as two row stages, bit-exact with OpenCV 4.6.
//
// The arithmetic, established by experiment against cv::GaussianBlur (tests/fused_test.cpp,
// sigma 0.3..7.5, kernel sizes 1..47, images 1x1 to 1000x700, all equal):
//  1. Taps: w_i = exp(-x_i^2 / (2 sigma^2)) for x_i = i - (n-1)/2, evaluated in OpenCV's
//     software double (cv::softdouble) as exp((2 x_i)^2 * (-1/8 / sigma^2)); normalised by
//     multiplying with 1 / (2 * sum of the outer half + 1) (the centre weight is 1).
//  2. The normalised taps become unsigned 8.8 fixed point by error diffusion from the outside
//     in: each outer tap is round-half-even(256 k_i + carried error), the error carried to the
//     next tap; the pair i, n-1-i gets the same value and the centre takes whatever makes
//     the sum exactly 256.
//  3. Horizontal pass: sum of tap * pixel, an integer of at most 255 * 256 (16 bits, 8
//     fractional bits). Vertical pass: sum of tap * row value in 32 bits (16 fractional
//     bits), then (sum + 2^15) >> 16, which never exceeds 255.
// Here the horizontal sums are stored minus 2^15, as signed 16-bit values, so that the
// vertical pass can multiply-add two rows at a time (v_dotprod); it adds 256 * 2^15 back.
// The vector loops are in gaussian_loops.cpp; the scalar loops here finish each row.
// Rows and columns outside the image are the border-extended source, which is what
// blurring border-extended horizontal sums gives too (the horizontal pass is per row).
#include <opencv2/core.hpp>
#include <opencv2/core/softfloat.hpp>

#include "filters/gaussian_loops.hpp"
#include "filters/gaussian_rows.hpp"
#include "tessera/error.hpp"

namespace tessera::detail {

namespace {

/// Horizontal pass: u8 pixels -> sums in 8.8 fixed point, stored minus kGaussianBias.
class GaussianH final : public RowStage {
 public:
  explicit GaussianH(const std::vector<int>& taps) : r_(static_cast<int>(taps.size()) / 2) {
    for (int i = 0; i <= r_; ++i) outwards_.push_back(taps[static_cast<std::size_t>(r_ + i)]);
  }
  Halo halo() const override { return {r_, 0}; }
  int out_depth() const override { return CV_16S; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const uchar* centre = static_cast<const uchar*>(rows[0]) + r_ * cn;
    auto* dst = static_cast<short*>(out);
    const int n = width * cn;
    const int* k = outwards_.data();
    for (int e = gaussian_loops().h(centre, dst, n, cn, k, r_); e < n; ++e) {
      int acc = k[0] * centre[e];
      for (int i = 1; i <= r_; ++i) acc += k[i] * (centre[e - i * cn] + centre[e + i * cn]);
      dst[e] = static_cast<short>(acc - kGaussianBias);
    }
  }

 private:
  int r_;
  std::vector<int> outwards_;  ///< taps from the centre outwards
};

/// Vertical pass: rows of h - kGaussianBias -> u8: the 32-bit sum of tap * (h - bias), plus
/// 256 * bias (the taps sum to 256) and 2^15 for rounding, shifted right by 16.
class GaussianV final : public RowStage {
 public:
  explicit GaussianV(std::vector<int> taps) : taps_(std::move(taps)) {}
  Halo halo() const override { return {0, static_cast<int>(taps_.size()) / 2}; }
  int out_depth() const override { return CV_8U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const short* const*>(rows);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn, count = static_cast<int>(taps_.size());
    for (int e = gaussian_loops().v(src, dst, n, taps_.data(), count); e < n; ++e) {
      int acc = 256 * kGaussianBias + (1 << 15);
      for (int j = 0; j < count; ++j) acc += taps_[static_cast<std::size_t>(j)] * src[j][e];
      dst[e] = static_cast<uchar>(acc >> 16);
    }
  }

 private:
  std::vector<int> taps_;
};

}  // namespace

std::vector<int> GaussianRowsU8::fixed_point_taps(double sigma, int n) {
  using cv::softdouble;
  if (n < 1 || n % 2 == 0 || !(sigma > 0))
    throw UsageError("gaussian rows: need an odd tap count and sigma > 0, got " + std::to_string(n) + " taps, sigma=" +
                     std::to_string(sigma));
  const int half = n / 2;
  const softdouble scale = softdouble(-0.125) / (softdouble(sigma) * softdouble(sigma));
  std::vector<softdouble> w(static_cast<std::size_t>(half));
  softdouble outer = softdouble::zero();
  for (int i = 0; i < half; ++i) {
    const int twice_x = 2 * i + 1 - n;  // 2 * (i - (n-1)/2)
    w[static_cast<std::size_t>(i)] = cv::exp(softdouble(twice_x * twice_x) * scale);
    outer += w[static_cast<std::size_t>(i)];
  }
  const softdouble norm = softdouble::one() / (outer * softdouble(2) + softdouble::one());
  std::vector<int> q(static_cast<std::size_t>(n));
  softdouble carried = softdouble::zero();
  int sum = 0;
  for (int i = 0; i < half; ++i) {
    const softdouble want = w[static_cast<std::size_t>(i)] * norm * softdouble(256) + carried;
    const int v = cvRound(want);
    carried = want - softdouble(v);
    q[static_cast<std::size_t>(i)] = q[static_cast<std::size_t>(n - 1 - i)] = v;
    sum += 2 * v;
  }
  q[static_cast<std::size_t>(half)] = 256 - sum;
  return q;
}

GaussianRowsU8::GaussianRowsU8(double sigma, int taps)
    : h_(std::make_shared<GaussianH>(fixed_point_taps(sigma, taps))),
      v_(std::make_shared<GaussianV>(fixed_point_taps(sigma, taps))),
      h_identity_(std::make_shared<GaussianH>(std::vector<int>{256})),
      v_identity_(std::make_shared<GaussianV>(std::vector<int>{256})) {}

std::vector<RowStagePtr> GaussianRowsU8::stages(Size size) const {
  return {size.w == 1 ? h_identity_ : h_, size.h == 1 ? v_identity_ : v_};
}

}  // namespace tessera::detail
