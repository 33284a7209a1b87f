// cv::blur of 8-bit images with ksize 2, 3, 4, 8 or 16 as two row stages (box_rows.cpp).
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// Horizontal window sums (u8 to u16), then vertical sums scaled as OpenCV does; empty for
/// other sizes (box_rows.cpp says why).
std::vector<RowStagePtr> box_u8_row_stages(int ksize);

}  // namespace tessera::detail
