// Pointwise row stages of 8-bit images: table lookups (threshold, gamma, invert) and
// weighted sums of two inputs (addw, unsharp's combine). Each is exact by construction or
// checked against OpenCV over every possible input when it is made.
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/row_kernels.hpp"
#include "simd/row_simd.hpp"

namespace tessera::detail {

namespace {

/// out = table[in]. When the table is a step (low up to some level, high above it, as
/// binary thresholds are) the row is a vector select.
class LutU8 final : public RowStage {
 public:
  explicit LutU8(const std::array<uchar, 256>& table) : table_(table) {
    low_ = table_[0];
    level_ = 0;
    while (level_ < 255 && table_[level_ + 1] == low_) ++level_;
    high_ = level_ < 255 ? table_[level_ + 1] : low_;
    step_ = true;
    for (int i = level_ + 1; i < 256; ++i) step_ = step_ && table_[i] == high_;
  }
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* src = static_cast<const uchar*>(rows[0]);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn;
    int e = step_ ? row_simd().step(src, dst, n, static_cast<uchar>(level_), low_, high_)
                  : row_simd().lut(src, dst, n, table_.data());
    for (; e < n; ++e) dst[e] = table_[src[e]];
  }

 private:
  std::array<uchar, 256> table_;
  uchar low_ = 0, high_ = 0;
  int level_ = 0;
  bool step_ = false;
};

/// out = saturate(round(fma(a, alpha, fma(b, beta, gamma)))) in float: what cv::addWeighted's
/// vector loop computes for 8-bit images (OpenCV 4.6 on AVX2). Its scalar tail, which the
/// last few samples of every row of a non-continuous view reach, rounds differently for
/// some weights (alpha 0.6, beta 0.45, gamma -7.5: 45 of 20000 samples off by one on 7x5
/// tiles), so cv::addWeighted's bits depend on the tiling; this one's do not, and it defines
/// the 8-bit kernels that use it on every path (tile at a time, fused, reference).
class AddWeightedU8 final : public RowStage {
 public:
  AddWeightedU8(double alpha, double beta, double gamma)
      : w_{static_cast<float>(alpha), static_cast<float>(beta), static_cast<float>(gamma)} {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* a = static_cast<const uchar*>(rows[0]);
    const auto* b = static_cast<const uchar*>(rows[1]);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn;
    for (int e = row_simd().add_weighted(a, b, dst, n, w_); e < n; ++e)
      dst[e] = cv::saturate_cast<uchar>(std::fma(float(a[e]), w_[0], std::fma(float(b[e]), w_[1], w_[2])));
  }

 private:
  float w_[3];
};

}  // namespace

RowStagePtr lut_u8_row_stage(const std::array<uchar, 256>& table) { return std::make_shared<LutU8>(table); }

RowStagePtr lut_u8_row_stage(const cv::Mat& table) {
  CV_Assert(table.total() == 256 && table.type() == CV_8UC1 && table.isContinuous());
  std::array<uchar, 256> t;
  std::copy(table.ptr<uchar>(), table.ptr<uchar>() + 256, t.begin());
  return lut_u8_row_stage(t);
}

RowStagePtr threshold_u8_row_stage(double thresh, double maxval, int type) {
  cv::Mat all(1, 256, CV_8U), out;
  for (int i = 0; i < 256; ++i) all.at<uchar>(i) = static_cast<uchar>(i);
  cv::threshold(all, out, thresh, maxval, type);
  return lut_u8_row_stage(out);
}

RowStagePtr add_weighted_u8_row_stage(double alpha, double beta, double gamma) {
  return std::make_shared<AddWeightedU8>(alpha, beta, gamma);
}

void add_weighted_u8(const cv::Mat& a, double alpha, const cv::Mat& b, double beta, double gamma, cv::Mat& out) {
  CV_Assert(a.depth() == CV_8U && a.type() == b.type() && a.size() == b.size());
  out.create(a.size(), a.type());
  const AddWeightedU8 stage(alpha, beta, gamma);
  for (int y = 0; y < a.rows; ++y) {
    const void* rows[2] = {a.ptr(y), b.ptr(y)};
    stage.run(rows, out.ptr(y), a.cols, a.channels());
  }
}

}  // namespace tessera::detail
