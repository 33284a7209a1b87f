// Correlation of 8-bit images with small integer kernels as a row stage: filter and sharpen
// (u8 out), sobel, scharr and laplacian (s16 out). correlate_rows.cpp says when it is exact.
#pragma once

#include <opencv2/core/mat.hpp>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// out = sum of kernel(i, j) * in(y + i - ry, x + j - rx) + delta, centred, on 8-bit input,
/// saturated to `out_depth` (CV_8U: rounded half to even, as OpenCV's float-to-u8 cast; or
/// CV_16S). Null unless every coefficient and delta times 2^k are integers for some k <= 8
/// and every sum then fits in 32 bits: then the result is exact, so it equals cv::filter2D
/// and the integer-kernel Sobel, Scharr and Laplacian, whatever order they add in.
RowStagePtr correlate_u8_row_stage(const cv::Mat& kernel, double delta, int out_depth);

}  // namespace tessera::detail
