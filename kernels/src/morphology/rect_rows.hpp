// Erosion and dilation of u8 and u16 images by rectangles as row stages (rect_rows.cpp).
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// cv::erode (cv::dilate with `dilate`) of u8 or u16 images (`depth`; none for others) by a
/// kw x kh rectangle anchored at its centre, `iterations` times, as two stages; their input is
/// extended by replication or reflection (morphology.cpp).
std::vector<RowStagePtr> rect_morphology_row_stages(int depth, int kw, int kh, int iterations, bool dilate);

}  // namespace tessera::detail
