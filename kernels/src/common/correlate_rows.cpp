// The 8-bit integer correlation row stage. Coefficients c and delta are taken as n / 2^k with
// integers n and the smallest k <= 8 that makes them all integers; the sum of n * pixel is then
// an integer, exact in any order, and OpenCV's result is that sum / 2^k (exact in float too,
// being below 2^24), cast to the output depth: rounded half to even and saturated for u8
// (cvRound), saturated for s16. When the sums fit in 16 bits the vector loop
// (correlate_loops.cpp) does the row in 16-bit lanes; the scalar loop here finishes it, or does
// all of it in 32 bits.
#include "common/correlate_rows.hpp"

#include <cmath>
#include <vector>

#include <opencv2/core.hpp>

#include "common/correlate_loops.hpp"

namespace tessera::detail {

namespace {

struct Tap {
  int dy, dx;  ///< offset from the centre
  int n;       ///< coefficient times 2^shift
};

class CorrelateU8 final : public RowStage {
 public:
  CorrelateU8(std::vector<Tap> taps, Halo halo, int delta, int shift, int out_depth, bool fits16)
      : taps_(std::move(taps)), halo_(halo), delta_(delta), shift_(shift), out_depth_(out_depth), fits16_(fits16) {
    for (const Tap& t : taps_) coeff_.push_back(static_cast<short>(t.n));
  }
  Halo halo() const override { return halo_; }
  int out_depth() const override { return out_depth_; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn;
    thread_local std::vector<const uchar*> src;
    src.resize(taps_.size());
    for (std::size_t t = 0; t < taps_.size(); ++t)
      src[t] = static_cast<const uchar*>(rows[taps_[t].dy + halo_.ry]) + (halo_.rx + taps_[t].dx) * cn;
    const int taps = static_cast<int>(taps_.size());
    int e = fits16_ ? correlate_loops().run(src.data(), coeff_.data(), taps, static_cast<short>(delta_), shift_,
                                            out_depth_ == CV_16S, out, n)
                    : 0;
    for (; e < n; ++e) {
      std::int64_t acc = delta_;
      for (int t = 0; t < taps; ++t) acc += std::int64_t{taps_[static_cast<std::size_t>(t)].n} * src[static_cast<std::size_t>(t)][e];
      if (out_depth_ == CV_16S) {
        static_cast<short*>(out)[e] = cv::saturate_cast<short>(acc);
        continue;
      }
      std::int64_t q = acc >> shift_;  // floor
      if (shift_ > 0) {
        const std::int64_t rem = acc - (q << shift_), half = std::int64_t{1} << (shift_ - 1);
        if (rem > half || (rem == half && (q & 1))) ++q;
      }
      static_cast<uchar*>(out)[e] = cv::saturate_cast<uchar>(q);
    }
  }

 private:
  std::vector<Tap> taps_;
  std::vector<short> coeff_;
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

RowStagePtr correlate_u8_row_stage(const cv::Mat& kernel, double delta, int out_depth) {
  if (kernel.depth() != CV_64F || kernel.channels() != 1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0 ||
      (out_depth != CV_8U && out_depth != CV_16S))
    return nullptr;
  const int max_k = out_depth == CV_8U ? 8 : 0;  // a s16 result must be an integer sum
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
    // Every partial sum is within +-(255 * sum |n| + |delta|); float holds it exactly below 2^24.
    const std::int64_t bound = 255 * total + std::abs(d) + (k > 0 ? std::int64_t{1} << (k - 1) : 0);
    if (bound >= (std::int64_t{1} << 24)) return nullptr;
    if (taps.empty()) taps.push_back({0, 0, 0});
    return std::make_shared<CorrelateU8>(std::move(taps), Halo{kernel.cols / 2, kernel.rows / 2}, static_cast<int>(d),
                                         k, out_depth, bound <= 32767);
  }
  return nullptr;
}

}  // namespace tessera::detail
