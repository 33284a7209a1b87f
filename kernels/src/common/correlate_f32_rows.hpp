// Correlation of float images as row stages, with OpenCV's float arithmetic (correlate_f32_rows.cpp):
// separable filters (gaussian, and sobel, scharr, laplacian on f32) and 2D ones (filter, sharpen).
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
std::vector<RowStagePtr> separable_f32_row_stages(const cv::Mat& kx, const cv::Mat& ky);

/// The sum of one or two such filters, term 0 + term 1 (cv::Laplacian with ksize > 3 on float:
/// d2/dx2 + d2/dy2), as the tile path adds them. Two terms need symmetric or antisymmetric
/// column kernels; none (no stages) otherwise.
std::vector<RowStagePtr> separable_f32_row_stages(const std::vector<std::pair<cv::Mat, cv::Mat>>& terms);

/// cv::filter2D(src, dst, -1, kernel, centre, delta, border) of a float image as one row stage:
/// delta + each non-zero coefficient (as float) times its pixel, in row-major order, a
/// multiply-add each, as OpenCV's Filter2D computes it. kernel: CV_64F, odd sizes.
RowStagePtr correlate_f32_row_stage(const cv::Mat& kernel, double delta);

}  // namespace tessera::detail
