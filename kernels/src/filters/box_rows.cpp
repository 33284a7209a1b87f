// cv::blur of 8-bit images (ksize 2, 3, 4, 8, 16) as two row stages, bit-exact with OpenCV 4.6. Its
// box filter sums each row's window in 16 bits, then the column of k row sums (S, at most
// 255 * 256), and divides by d = k^2 in fixed point: (S + delta) * scale >> 16 with
// scale = floor(2^16 / d) and delta = d / 2 + 1 when 2^16 / d has a fraction below 0.5,
// else scale + 1 and delta = d / 2 (ColumnSum<ushort, uchar>, in its vector loop and its
// scalar tail alike). Even k are anchored at k / 2: the window of x is [x - k/2, x + k - 1 - k/2].
// The vector loops are in box_loops.cpp; the scalar loops here finish each row.
#include "filters/box_rows.hpp"

#include <cmath>
#include <type_traits>

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

/// Horizontal window sums of u16 (exact in int32) or f32 (in double, t = 0 .. k-1 in order, from
/// 0, as box_mean adds them), vector loops first (box_loops.cpp).
template <typename T, typename Sum>
class BoxSumH final : public RowStage {
 public:
  explicit BoxSumH(int k) : k_(k) {}
  Halo halo() const override { return {k_ / 2, 0}; }
  int out_depth() const override { return cv::DataType<Sum>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    // rows[0] is at column x - k/2 (the halo is k/2 on both sides; the window ends k-1 on).
    const T* src = static_cast<const T*>(rows[0]);
    auto* dst = static_cast<Sum*>(out);
    const int n = width * cn;
    int e = 0;
    if constexpr (std::is_same_v<T, ushort>) e = box_loops().h_u16(src, dst, n, cn, k_);
    else e = box_loops().h_f32(src, dst, n, cn, k_);
    for (; e < n; ++e) {
      Sum sum = 0;
      for (int t = 0; t < k_; ++t) sum += src[e + t * cn];
      dst[e] = sum;
    }
  }

 private:
  int k_;
};

/// The k rows' sums (int32: exact, as k * k * 65535 < 2^31 for k <= kBoxRowsMaxKsize; or double,
/// rows in order from 0) times 1 / k^2 in double, saturated.
template <typename T, typename Sum, typename Acc>
class BoxMeanV final : public RowStage {
 public:
  explicit BoxMeanV(int k) : k_(k), scale_(1.0 / (double(k) * k)) {}
  Halo halo() const override { return {0, k_ / 2}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    // rows[j] is row y - k/2 + j: the window's first row (the halo is k/2 on both sides).
    const auto* const* src = reinterpret_cast<const Sum* const*>(rows);
    auto* dst = static_cast<T*>(out);
    const int n = width * cn;
    int e = 0;
    if constexpr (std::is_same_v<T, ushort>) e = box_loops().v_u16(src, dst, n, k_, scale_);
    else e = box_loops().v_f32(src, dst, n, k_, scale_);
    for (; e < n; ++e) {
      Acc sum = 0;
      for (int t = 0; t < k_; ++t) sum += src[t][e];
      dst[e] = cv::saturate_cast<T>(static_cast<double>(sum) * scale_);
    }
  }

 private:
  int k_;
  double scale_;
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

std::vector<RowStagePtr> box_mean_row_stages(int depth, int ksize) {
  if (ksize > kBoxRowsMaxKsize) return {};
  if (depth == CV_16U)
    return {std::make_shared<BoxSumH<ushort, int>>(ksize), std::make_shared<BoxMeanV<ushort, int, int>>(ksize)};
  if (depth == CV_32F)
    return {std::make_shared<BoxSumH<float, double>>(ksize), std::make_shared<BoxMeanV<float, double, double>>(ksize)};
  return {};
}

}  // namespace tessera::detail
