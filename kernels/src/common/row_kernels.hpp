// Row stages of the kernels that support fused row-wise execution (DESIGN.md, "Execution"),
// and the adapter that attaches them to a kernel. Every stage gives the same bits as the
// OpenCV call that defines its kernel.
#pragma once

#include <array>
#include <functional>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/kernel_adapters.hpp"

namespace tessera::detail {

/// Row stages for an input type and image size; empty when that input has none.
using RowFactory = std::function<std::vector<RowStagePtr>(const PixelType& in, Size in_size)>;

/// A kernel that behaves exactly as `base` and also offers the row stages of `rows`.
KernelPtr with_row_stages(KernelPtr base, RowFactory rows);

/// Rows for 8-bit inputs only: {stage} for u8 (when `stage` is not null), none otherwise.
RowFactory u8_rows(RowStagePtr stage);

/// cv::GaussianBlur of 8-bit images as two row stages (horizontal u8 -> u16 fixed point,
/// vertical u16 -> u8), for a kernel of `taps` taps (odd) and sigma > 0.
class GaussianRowsU8 {
 public:
  GaussianRowsU8(double sigma, int taps);
  /// The stages for an image of `size`: OpenCV blurs an image one pixel wide (high) only
  /// along its length, so that direction gets the identity.
  std::vector<RowStagePtr> stages(Size size) const;
  /// The 8.8 fixed-point taps, as OpenCV derives them from sigma (see row_gaussian.cpp).
  static std::vector<int> fixed_point_taps(double sigma, int taps);

 private:
  RowStagePtr h_, v_, h_identity_, v_identity_;
};

/// sobel_mag on 8-bit images: (|Sobel dx| + |Sobel dy|) / 2 as cv::Sobel to s16,
/// cv::convertScaleAbs and cv::addWeighted(0.5, 0.5) compute it.
RowStagePtr sobel_mag_u8_row_stage();

/// out = table[in] on 8-bit images (`table`: 256 entries, or a 1x256 / 256x1 CV_8UC1 Mat).
RowStagePtr lut_u8_row_stage(const std::array<uchar, 256>& table);
RowStagePtr lut_u8_row_stage(const cv::Mat& table);

/// cv::threshold of 8-bit images with the given parameters.
RowStagePtr threshold_u8_row_stage(double thresh, double maxval, int type);

/// alpha*a + beta*b + gamma of two 8-bit images as cv::addWeighted's vector loop computes it
/// (float fused multiply-adds, rounded half to even, saturated), whatever the position: a
/// two-input stage, and the same arithmetic on whole images (row_pointwise.cpp says why
/// cv::addWeighted itself cannot be tiled).
RowStagePtr add_weighted_u8_row_stage(double alpha, double beta, double gamma);
void add_weighted_u8(const cv::Mat& a, double alpha, const cv::Mat& b, double beta, double gamma, cv::Mat& out);

/// cv::erode (cv::dilate with `dilate`) of 8-bit images by a kw x kh rectangle anchored at
/// its centre, `iterations` times, as two stages; their input is extended by replication.
std::vector<RowStagePtr> rect_morphology_u8_row_stages(int kw, int kh, int iterations, bool dilate);

}  // namespace tessera::detail
