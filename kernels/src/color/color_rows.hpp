// Row stages of gray and bgr2rgb (color_rows.cpp), and the f32 gray row both paths share.
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// Gray of n f32 BGR(A) pixels (cn = 3 or 4) with OpenCV's weights: (b * 0.114f + g * 0.587f)
/// + r * 0.299f, the vector loop then the same operations per pixel. cvtColor's own f32 path
/// rounds differently in its SIMD body and scalar tail (its bits depend on where a pixel sits
/// in the row); this does not.
void gray_f32_row(const float* src, float* dst, int n, int cn);

/// Gray of 3 or 4 channels in, 1 out: u8 and u16 as cv::cvtColor COLOR_BGR2GRAY / BGRA2GRAY
/// (its integer formulas), f32 as gray_f32_row. Null for other depths.
RowStagePtr gray_row_stage(int depth);

/// cv::cvtColor COLOR_BGR2RGB / BGRA2RGBA: the first and third channels swapped, for
/// u8, u16 and f32. Null for other depths.
RowStagePtr swap_rb_row_stage(int depth);

}  // namespace tessera::detail
