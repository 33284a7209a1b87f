// The box filter as two row stages (box_rows.cpp): cv::blur of 8-bit images with ksize 2, 3, 4,
// 8 or 16, and the box kernel's own exact means (filters.cpp, box_mean) on u16 and f32.
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// Horizontal window sums (u8 to u16), then vertical sums scaled as OpenCV does; empty for
/// other sizes (box_rows.cpp says why).
std::vector<RowStagePtr> box_u8_row_stages(int ksize);

/// For u16 (f32): horizontal window sums into int32 (double), each in a fixed order, then the
/// sum of `ksize` of them into int64 (double), times 1 / ksize^2 in double, saturated: the
/// sums and rounding of box_mean_integer (box_mean) in filters.cpp, so the same bits. Empty for
/// other depths and for windows wider than kBoxRowsMaxKsize (the vertical stage adds every
/// row of the window: the tile path's running sums cost less there).
std::vector<RowStagePtr> box_mean_row_stages(int depth, int ksize);
constexpr int kBoxRowsMaxKsize = 15;

}  // namespace tessera::detail
