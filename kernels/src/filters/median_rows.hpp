// cv::medianBlur of 8-bit images with ksize 3 or 5 as one row stage (median_rows.cpp).
#pragma once

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// The k x k median (k = 3 or 5; null for other sizes). A median is the middle of the sorted
/// window whatever sorts it, so it equals cv::medianBlur exactly; like it, the kernel extends
/// the image by replication (its border()).
RowStagePtr median_u8_row_stage(int ksize);

}  // namespace tessera::detail
