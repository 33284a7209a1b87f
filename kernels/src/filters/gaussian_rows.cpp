// cv::GaussianBlur of 8- and 16-bit images as two row stages each, bit-exact with OpenCV 4.6.
//
// The arithmetic, established by experiment against cv::GaussianBlur (u8:
// tests/exec/fused_whitebox_test.cpp GaussianRowsMatchOpenCV, sigma 0.3..7.5, kernel sizes 1..47,
// images 1x1 to 1000x700; u16: FloatAndU16CorrelationMatchOpenCV, sigma 0.4..7.5; all equal):
//  1. Taps: w_i = exp(-x_i^2 / (2 sigma^2)) for x_i = i - (n-1)/2, evaluated in OpenCV's
//     software double (cv::softdouble) as exp((2 x_i)^2 * (-1/8 / sigma^2)); normalised by
//     multiplying with 1 / (2 * sum of the outer half + 1) (the centre weight is 1).
//  2. The normalised taps become unsigned fixed point with b fractional bits (8 for u8, 16 for
//     u16: OpenCV's ufixedpoint16 and ufixedpoint32) by error diffusion from the outside in:
//     each outer tap is round-half-even(2^b k_i + carried error), the error carried to the
//     next tap; the pair i, n-1-i gets the same value and the centre takes whatever makes
//     the sum exactly 2^b.
//  3. Horizontal pass: sum of tap * pixel, exact (u8: at most 255 * 2^8; u16: 65535 * 2^16).
//     Vertical pass: sum of tap * row value (2b fractional bits), then
//     (sum + 2^(2b-1)) >> 2b, which never exceeds the pixel range. No step saturates.
// u8: the horizontal sums are stored minus 2^15, as signed 16-bit values, so that the vertical
// pass can multiply-add two rows at a time (v_dotprod); it adds 256 * 2^15 back. u16: the sums
// are stored as unsigned 32-bit values (a CV_32S level holding their bits).
// The vector loops are in gaussian_loops.cpp; the scalar loops here finish each row.
// Rows and columns outside the image are the border-extended source, which is what
// blurring border-extended horizontal sums gives too (the horizontal pass is per row).
#include <tuple>
#include <utility>

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

/// 16-bit horizontal pass: u16 pixels -> exact sums in 16.16 fixed point, as uint32.
class GaussianHU16 final : public RowStage {
 public:
  explicit GaussianHU16(const std::vector<int>& taps) : r_(static_cast<int>(taps.size()) / 2) {
    for (int i = 0; i <= r_; ++i) outwards_.push_back(static_cast<unsigned>(taps[static_cast<std::size_t>(r_ + i)]));
  }
  Halo halo() const override { return {r_, 0}; }
  int out_depth() const override { return CV_32S; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const ushort* centre = static_cast<const ushort*>(rows[0]) + r_ * cn;
    auto* dst = static_cast<unsigned*>(out);
    const int n = width * cn;
    const unsigned* k = outwards_.data();
    for (int e = gaussian_loops().h_u16(centre, dst, n, cn, k, r_); e < n; ++e) {
      unsigned acc = k[0] * centre[e];
      for (int i = 1; i <= r_; ++i) acc += k[i] * (unsigned{centre[e - i * cn]} + centre[e + i * cn]);
      dst[e] = acc;
    }
  }

 private:
  int r_;
  std::vector<unsigned> outwards_;
};

/// 16-bit vertical pass: (sum of tap * row value + 2^31) >> 32.
class GaussianVU16 final : public RowStage {
 public:
  explicit GaussianVU16(const std::vector<int>& taps) : taps_(taps.begin(), taps.end()) {}
  Halo halo() const override { return {0, static_cast<int>(taps_.size()) / 2}; }
  int out_depth() const override { return CV_16U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const unsigned* const*>(rows);
    auto* dst = static_cast<ushort*>(out);
    const int n = width * cn, count = static_cast<int>(taps_.size());
    for (int e = gaussian_loops().v_u16(src, dst, n, taps_.data(), count); e < n; ++e) {
      std::uint64_t acc = std::uint64_t{1} << 31;
      for (int j = 0; j < count; ++j) acc += std::uint64_t{taps_[static_cast<std::size_t>(j)]} * src[j][e];
      dst[e] = static_cast<ushort>(acc >> 32);
    }
  }

 private:
  std::vector<unsigned> taps_;
};

}  // namespace

std::vector<int> gaussian_fixed_point_taps(double sigma, int n, int bits) {
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
    const softdouble want = w[static_cast<std::size_t>(i)] * norm * softdouble(1 << bits) + carried;
    const int v = cvRound(want);
    carried = want - softdouble(v);
    q[static_cast<std::size_t>(i)] = q[static_cast<std::size_t>(n - 1 - i)] = v;
    sum += 2 * v;
  }
  q[static_cast<std::size_t>(half)] = (1 << bits) - sum;
  return q;
}

namespace {

/// The horizontal and vertical stage of `taps` (H, V: the stage classes of one depth).
template <class H, class V>
std::pair<RowStagePtr, RowStagePtr> gaussian_pair(const std::vector<int>& taps) {
  return {std::make_shared<H>(taps), std::make_shared<V>(taps)};
}

}  // namespace

GaussianRowsFixed::GaussianRowsFixed(int depth, double sigma, int taps) {
  const int bits = depth == CV_8U ? 8 : 16;
  const std::vector<int> k = gaussian_fixed_point_taps(sigma, taps, bits), one{1 << bits};
  if (depth == CV_8U) {
    std::tie(h_, v_) = gaussian_pair<GaussianH, GaussianV>(k);
    std::tie(h_identity_, v_identity_) = gaussian_pair<GaussianH, GaussianV>(one);
  } else {
    std::tie(h_, v_) = gaussian_pair<GaussianHU16, GaussianVU16>(k);
    std::tie(h_identity_, v_identity_) = gaussian_pair<GaussianHU16, GaussianVU16>(one);
  }
}

std::vector<RowStagePtr> GaussianRowsFixed::stages(Size size) const {
  return {size.w == 1 ? h_identity_ : h_, size.h == 1 ? v_identity_ : v_};
}

}  // namespace tessera::detail
