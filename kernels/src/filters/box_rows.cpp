// cv::blur of 8-bit images (ksize 2, 3, 4, 8, 16) as two row stages, bit-exact with OpenCV 4.6. Its
// box filter sums each row's window in 16 bits, then the column of k row sums (S, at most
// 255 * 256), and divides by d = k^2 in fixed point: (S + delta) * scale >> 16 with
// scale = floor(2^16 / d) and delta = d / 2 + 1 when 2^16 / d has a fraction below 0.5,
// else scale + 1 and delta = d / 2 (ColumnSum<ushort, uchar>, in its vector loop and its
// scalar tail alike). Even k are anchored at k / 2: the window of x is [x - k/2, x + k - 1 - k/2].
// The vector loops are in box_loops.cpp; the scalar loops here finish each row.
#include "filters/box_rows.hpp"

#include <cmath>

#include <opencv2/core.hpp>

#include "filters/box_loops.hpp"

namespace tessera::detail {

namespace {

bool fixed_point_exact(int k) { return k == 2 || k == 3 || k == 4 || k == 8 || k == 16; }

class BoxH final : public RowStage {
 public:
  explicit BoxH(int k) : k_(k) {}
  Halo halo() const override { return {k_ / 2, 0}; }
  int out_depth() const override { return CV_16U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* src = static_cast<const uchar*>(rows[0]);  // column x - k/2 of the first output
    auto* dst = static_cast<ushort*>(out);
    const int n = width * cn;
    for (int e = box_loops().h(src, dst, n, cn, k_); e < n; ++e) {
      int acc = 0;
      for (int t = 0; t < k_; ++t) acc += src[e + t * cn];
      dst[e] = static_cast<ushort>(acc);
    }
  }

 private:
  int k_;
};

class BoxV final : public RowStage {
 public:
  explicit BoxV(int k) : k_(k) {
    const int d = k * k;
    double scalef = 65536.0 / d;
    scale_ = static_cast<int>(std::floor(scalef));
    scalef -= scale_;
    delta_ = d / 2;
    if (scalef < 0.5) ++delta_;
    else ++scale_;
  }
  Halo halo() const override { return {0, k_ / 2}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const ushort* const*>(rows);  // rows y - k/2 ...
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn;
    for (int e = box_loops().v(src, dst, n, k_, static_cast<ushort>(delta_), static_cast<ushort>(scale_)); e < n; ++e) {
      int s = 0;
      for (int t = 0; t < k_; ++t) s += src[t][e];
      dst[e] = static_cast<uchar>((s + delta_) * scale_ >> 16);
    }
  }

 private:
  int k_, scale_ = 0, delta_ = 0;
};

}  // namespace

std::vector<RowStagePtr> box_u8_row_stages(int ksize) {
  // Measured against cv::blur on random and on smooth, saturated images
  // (tests/exec/fused_whitebox_test.cpp): this scaling gives OpenCV's bits for ksize 2, 3, 4,
  // 8 and 16 only. Other windows round otherwise there (odd ones as round(S / d), the other
  // even ones neither way), so they stay tile at a time, which calls cv::blur itself.
  if (!fixed_point_exact(ksize)) return {};
  return {std::make_shared<BoxH>(ksize), std::make_shared<BoxV>(ksize)};
}

}  // namespace tessera::detail
