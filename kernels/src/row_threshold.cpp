// cv::threshold of 8-bit images as one row stage. The 256 possible results are taken from
// cv::threshold itself, so the stage is exact by construction; when the table is a step
// (binary and binary_inv: low up to some level, high above it) the row is a vector select.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "row_kernels.hpp"
#include "row_simd.hpp"

namespace tessera::detail {

namespace {

class ThresholdU8 final : public RowStage {
 public:
  ThresholdU8(double thresh, double maxval, int type) {
    cv::Mat all(1, 256, CV_8U), out;
    for (int i = 0; i < 256; ++i) all.at<uchar>(i) = static_cast<uchar>(i);
    cv::threshold(all, out, thresh, maxval, type);
    for (int i = 0; i < 256; ++i) table_[i] = out.at<uchar>(i);
    // A step: table = low for x <= level, high for x > level (level = 255: constant).
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
    int e = step_ ? row_simd().step(src, dst, n, static_cast<uchar>(level_), low_, high_) : 0;
    for (; e < n; ++e) dst[e] = table_[src[e]];
  }

 private:
  uchar table_[256];
  uchar low_ = 0, high_ = 0;
  int level_ = 0;
  bool step_ = false;
};

}  // namespace

RowStagePtr threshold_u8_row_stage(double thresh, double maxval, int type) {
  return std::make_shared<ThresholdU8>(thresh, maxval, type);
}

}  // namespace tessera::detail
