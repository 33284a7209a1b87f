// Correlation as row stages with OpenCV's float arithmetic (correlate_f32_rows.cpp): separable
// filters (gaussian, and sobel, scharr, laplacian on f32, and on u16 where its sums round) and 2D
// ones (filter, sharpen; on u8 and u16 where the kernel is not dyadic). Integer input is
// converted to float first, as OpenCV's filters do.
#pragma once

#include <opencv2/core/mat.hpp>

#include <utility>
#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// True when OpenCV's float filters use fused multiply-adds on this machine: its AVX2 build of
/// them (compiled with FMA3) is the one dispatched. Without it they multiply and add. A stage
/// asks when it is made (when a run is planned): cv::setUseOptimized(false) between planning
/// and running would leave it with the other arithmetic.
bool opencv_filters_fuse_multiply_add();

/// cv::sepFilter2D(src, dst, CV_32F, kx, ky, centre, 0, border) of a float image as two row
/// stages (rows, then columns), bit-exact with OpenCV's generic float filters:
///  - rows: 0 + kx[0] * x[-rx] + kx[1] * x[-rx + 1] + ..., a multiply-add per tap;
///  - columns, when ky is symmetric: 0 + ky[c] * centre + ky[c+i] * (below_i + above_i) ...;
///    antisymmetric: 0 + ky[c+i] * (below_i - above_i) ...; else 0 + ky[0] * top + ....
/// kx and ky are CV_32F vectors of odd length, at least 7 taps where OpenCV has a 3- or 5-tap
/// special case that rounds otherwise (the callers widen them with zeros, as their tile path
/// does). Not for a 1x1 kernel, which cv::GaussianBlur copies (keeping -0 and NaN payloads).
std::vector<RowStagePtr> separable_f32_row_stages(const cv::Mat& kx, const cv::Mat& ky, int in_depth = CV_32F);

/// The sum of one or two such filters, term 0 + term 1 (cv::Laplacian with ksize > 3 on float:
/// d2/dx2 + d2/dy2), as the tile path adds them. Two terms need symmetric or antisymmetric
/// column kernels; none (no stages) otherwise. out_depth CV_32F, or CV_16S (OpenCV's cast of
/// the sums: for u8 derivatives whose float sums are exact integers).
std::vector<RowStagePtr> separable_f32_row_stages(const std::vector<std::pair<cv::Mat, cv::Mat>>& terms,
                                                  int in_depth = CV_32F, int out_depth = CV_32F);

/// cv::filter2D(src, dst, out_depth, kernel, centre, delta, border) as one row stage: delta +
/// each non-zero coefficient (as float) times its pixel, in row-major order, a multiply-add
/// each, as OpenCV's Filter2D computes it, then OpenCV's cast to out_depth (cvRound,
/// saturated). kernel: CV_64F, odd sizes. in_depth u8 or u16 (out: the same, or f32), or f32
/// (out f32).
RowStagePtr correlate_f32_row_stage(const cv::Mat& kernel, double delta, int in_depth = CV_32F, int out_depth = CV_32F);

}  // namespace tessera::detail
