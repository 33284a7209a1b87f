// The integer correlation row stage. Coefficients c and delta are taken as n / 2^k with integers
// n and the smallest k <= 8 that makes them all integers; the sum of n * pixel is then an
// integer, exact in any order, and OpenCV's result is that sum / 2^k (exact in float too, being
// below 2^24), cast to the output depth: rounded half to even and saturated for u8 and u16
// (cvRound), saturated for s16, and exact in f32. The vector loops (correlate_loops.cpp) do a
// row in 16-bit lanes (u8 input, sums within 16 bits) or 32-bit lanes (u16 input); the scalar
// loop here finishes it, or does all of it.
#include "common/correlate_rows.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "common/correlate_loops.hpp"

namespace tessera::detail {

namespace {

struct Tap {
  int dy, dx;  ///< offset from the centre
  int n;       ///< coefficient times 2^shift
};

template <class In>
class CorrelateExact final : public RowStage {
 public:
  CorrelateExact(std::vector<Tap> taps, Halo halo, int delta, int shift, int out_depth, bool fits16)
      : taps_(std::move(taps)), halo_(halo), delta_(delta), shift_(shift), out_depth_(out_depth), fits16_(fits16) {
    for (const Tap& t : taps_) {
      coeff16_.push_back(static_cast<short>(t.n));
      coeff32_.push_back(t.n);
    }
  }
  Halo halo() const override { return halo_; }
  int out_depth() const override { return out_depth_; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn;
    thread_local std::vector<const In*> src;
    src.resize(taps_.size());
    for (std::size_t t = 0; t < taps_.size(); ++t)
      src[t] = static_cast<const In*>(rows[taps_[t].dy + halo_.ry]) + (halo_.rx + taps_[t].dx) * cn;
    const int taps = static_cast<int>(taps_.size());
    int e = 0;
    if constexpr (sizeof(In) == 1) {
      if (fits16_)
        e = correlate_loops().run(src.data(), coeff16_.data(), taps, static_cast<short>(delta_), shift_,
                                  out_depth_ == CV_16S, out, n);
    } else {
      e = correlate_loops().run_u16(src.data(), coeff32_.data(), taps, delta_, shift_, out_depth_ == CV_32F, out, n);
    }
    for (; e < n; ++e) {
      std::int64_t acc = delta_;
      for (int t = 0; t < taps; ++t)
        acc += std::int64_t{taps_[static_cast<std::size_t>(t)].n} * src[static_cast<std::size_t>(t)][e];
      switch (out_depth_) {
        case CV_16S: static_cast<short*>(out)[e] = cv::saturate_cast<short>(acc); break;
        case CV_32F: static_cast<float*>(out)[e] = std::ldexp(static_cast<float>(acc), -shift_); break;
        case CV_8U: static_cast<uchar*>(out)[e] = cv::saturate_cast<uchar>(round_shift(acc)); break;
        default: static_cast<ushort*>(out)[e] = cv::saturate_cast<ushort>(round_shift(acc)); break;
      }
    }
  }

 private:
  /// acc / 2^shift, rounded half to even.
  std::int64_t round_shift(std::int64_t acc) const {
    std::int64_t q = acc >> shift_;  // floor
    if (shift_ > 0) {
      const std::int64_t rem = acc - (q << shift_), half = std::int64_t{1} << (shift_ - 1);
      if (rem > half || (rem == half && (q & 1))) ++q;
    }
    return q;
  }

  std::vector<Tap> taps_;
  std::vector<short> coeff16_;
  std::vector<int> coeff32_;
  Halo halo_;
  int delta_, shift_, out_depth_;
  bool fits16_;
};

/// v * 2^k as an exact integer, if it is one (and not huge).
bool scaled_integer(double v, int k, std::int64_t& out) {
  const double s = std::ldexp(v, k);
  if (!(std::fabs(s) < 1e9) || s != std::floor(s)) return false;
  out = static_cast<std::int64_t>(s);
  return true;
}

}  // namespace

RowStagePtr correlate_exact_row_stage(const cv::Mat& kernel, double delta, int in_depth, int out_depth,
                                      double pass_abs_sum) {
  const bool u8 = in_depth == CV_8U && (out_depth == CV_8U || out_depth == CV_16S);
  const bool u16 = in_depth == CV_16U && (out_depth == CV_16U || out_depth == CV_32F);
  if (kernel.depth() != CV_64F || kernel.channels() != 1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0) return nullptr;
  if (!u8 && !u16) return nullptr;
  const int max_in = u8 ? 255 : 65535;
  const int max_k = out_depth == CV_16S ? 0 : 8;  // a s16 result must be an integer sum
  for (int k = 0; k <= max_k; ++k) {
    std::vector<Tap> taps;
    std::int64_t d = 0, total = 0;
    bool ok = scaled_integer(delta, k, d);
    for (int y = 0; ok && y < kernel.rows; ++y)
      for (int x = 0; ok && x < kernel.cols; ++x) {
        std::int64_t n = 0;
        ok = scaled_integer(kernel.at<double>(y, x), k, n);
        if (ok && n != 0) {
          taps.push_back({y - kernel.rows / 2, x - kernel.cols / 2, static_cast<int>(n)});
          total += std::abs(n);
        }
      }
    if (!ok) continue;
    // Every partial sum is within +-(max_in * sum |n| + |delta|); float holds it exactly below
    // 2^24. (u8 to s16 adds in integers, where the bound keeps the 32-bit sums exact too.)
    const double passes = std::ldexp(pass_abs_sum, k);
    const double bound = static_cast<double>(max_in) * std::max(static_cast<double>(total), passes) +
                         static_cast<double>(std::abs(d)) + (k > 0 ? std::ldexp(1.0, k - 1) : 0);
    if (bound >= 16777216.0) return nullptr;
    if (taps.empty()) taps.push_back({0, 0, 0});
    const Halo halo{kernel.cols / 2, kernel.rows / 2};
    if (u8)
      return std::make_shared<CorrelateExact<uchar>>(std::move(taps), halo, static_cast<int>(d), k, out_depth,
                                                     bound <= 32767);
    return std::make_shared<CorrelateExact<ushort>>(std::move(taps), halo, static_cast<int>(d), k, out_depth, false);
  }
  return nullptr;
}

bool correlate_fits_16_bits(const cv::Mat& kernel) {
  if (kernel.depth() != CV_64F || kernel.channels() != 1) return false;
  std::int64_t total = 0;
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      std::int64_t n = 0;
      if (!scaled_integer(kernel.at<double>(y, x), 0, n)) return false;
      total += std::abs(n);
    }
  return 255 * total <= 32767;
}

}  // namespace tessera::detail
