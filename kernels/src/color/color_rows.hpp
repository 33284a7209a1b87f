// Row stages of the 8-bit colour conversions: gray and bgr2rgb (color_rows.cpp).
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// cv::cvtColor COLOR_BGR2GRAY / BGRA2GRAY of 8-bit pixels: 3 or 4 channels in, 1 out.
RowStagePtr gray_u8_row_stage();

/// cv::cvtColor COLOR_BGR2RGB / BGRA2RGBA of 8-bit pixels: the first and third channels swapped.
RowStagePtr swap_rb_u8_row_stage();

}  // namespace tessera::detail
