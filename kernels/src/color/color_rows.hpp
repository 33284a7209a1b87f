// Row stages of gray, bgr2rgb, hsv and lab (color_rows.cpp), and the f32 gray and hsv rows both
// paths share.
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// Gray of n f32 BGR(A) pixels (cn = 3 or 4) with OpenCV's weights: (b * 0.114f + g * 0.587f)
/// + r * 0.299f, the vector loop then the same operations per pixel. cvtColor's own f32 path
/// rounds differently in its SIMD body and scalar tail (its bits depend on where a pixel sits
/// in the row); this does not.
void gray_f32_row(const float* src, float* dst, int n, int cn);

/// HSV of n f32 BGR pixels with OpenCV's documented formulas (H in degrees, S and V as in
/// cvtColor), as color_loops.hpp spells them out: the vector loop, then the same per pixel.
/// cvtColor's f32 path, like gray's, depends on position.
void hsv_f32_row(const float* src, float* dst, int n);

/// HSV of 3 channels: u8 as cv::cvtColor COLOR_BGR2HSV on the row, f32 as hsv_f32_row. Null
/// for other depths.
RowStagePtr hsv_row_stage(int depth);

/// cv::cvtColor(code) of each row, as a one-row image: for conversions whose every pixel
/// depends on that pixel alone, computed the same way wherever it sits (the tile path's call
/// on whole tiles is the same then). `out_cn`: the output's channels.
RowStagePtr cvt_color_row_stage(int code, int depth, int out_cn);

/// Gray of 3 or 4 channels in, 1 out: u8 and u16 as cv::cvtColor COLOR_BGR2GRAY / BGRA2GRAY
/// (its integer formulas), f32 as gray_f32_row. Null for other depths.
RowStagePtr gray_row_stage(int depth);

/// cv::cvtColor COLOR_BGR2RGB / BGRA2RGBA: the first and third channels swapped, for
/// u8, u16 and f32. Null for other depths.
RowStagePtr swap_rb_row_stage(int depth);

}  // namespace tessera::detail
