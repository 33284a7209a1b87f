// Erosion and dilation of 8-bit images by rectangles as row stages (rect_rows.cpp).
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// cv::erode (cv::dilate with `dilate`) of 8-bit images by a kw x kh rectangle anchored at
/// its centre, `iterations` times, as two stages; their input is extended by replication.
std::vector<RowStagePtr> rect_morphology_u8_row_stages(int kw, int kh, int iterations, bool dilate);

}  // namespace tessera::detail
