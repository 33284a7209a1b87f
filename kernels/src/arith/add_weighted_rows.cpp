// alpha*a + beta*b + gamma of two 8-bit images (addw, unsharp's combine), as a row stage and on
// whole images with the same arithmetic.
#include <cmath>
#include <memory>

#include <opencv2/core.hpp>

#include "arith/add_weighted_loops.hpp"
#include "arith/add_weighted_rows.hpp"

namespace tessera::detail {

namespace {

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
    for (int e = add_weighted_loops().add_weighted(a, b, dst, n, w_); e < n; ++e)
      dst[e] = cv::saturate_cast<uchar>(std::fma(float(a[e]), w_[0], std::fma(float(b[e]), w_[1], w_[2])));
  }

 private:
  float w_[3];
};

}  // namespace

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
