// cv::convertScaleAbs of signed 16-bit images (derivatives) as a row stage (abs_rows.cpp).
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// saturate_u8(|scale * x + offset|) of s16 input; null unless scale and offset are integers
/// that keep the value below 2^24 (then OpenCV's float arithmetic is exact, so any order
/// gives its bits).
RowStagePtr abs_s16_row_stage(double scale, double offset);

}  // namespace tessera::detail
