// Correlation of 8- and 16-bit images with small dyadic kernels as an exact integer row stage:
// filter and sharpen (output of the input's depth), sobel, scharr and laplacian (s16 from u8,
// f32 from u16). correlate_rows.cpp says when it is exact.
#pragma once

#include <opencv2/core/mat.hpp>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// out = sum of kernel(i, j) * in(y + i - ry, x + j - rx) + delta, centred, on u8 or u16
/// input (`in_depth`), cast to `out_depth`: CV_8U from u8 and CV_16U from u16 (rounded half
/// to even and saturated, as OpenCV's float-to-integer cast), CV_16S from u8 (saturated),
/// CV_32F from u16. Null unless every coefficient and delta times 2^k are integers for some
/// k <= 8 (k = 0 for s16) and OpenCV's sums stay exact: every partial sum within 2^24, where
/// OpenCV adds in float. The result is then the exact value, so it equals cv::filter2D and the
/// integer-kernel Sobel, Scharr and Laplacian, whatever order they add in.
///
/// `pass_abs_sum` is the sum of |coefficients| that bounds OpenCV's partial sums when it
/// filters in separable passes and adds terms (Laplacian ksize > 3: the sum over its terms of
/// sum |kx| * sum |ky|); 0 means one pass of `kernel` itself.
RowStagePtr correlate_exact_row_stage(const cv::Mat& kernel, double delta, int in_depth, int out_depth,
                                      double pass_abs_sum = 0);

/// True when `kernel` has integer coefficients whose sums over 8-bit input stay within 16 bits
/// (255 * sum |k| <= 32767): then the u8 stage above runs in 16-bit vector lanes; otherwise
/// its sums are done in scalar code.
bool correlate_fits_16_bits(const cv::Mat& kernel);

}  // namespace tessera::detail
