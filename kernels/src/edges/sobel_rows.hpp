// sobel_mag of 8-bit images as a row stage (sobel_rows.cpp).
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// sobel_mag on 8-bit images: (|Sobel dx| + |Sobel dy|) / 2 as cv::Sobel to s16,
/// cv::convertScaleAbs and cv::addWeighted(0.5, 0.5) compute it.
RowStagePtr sobel_mag_u8_row_stage();

}  // namespace tessera::detail
