// Table lookups of 8-bit images as a row stage: threshold, gamma, invert, clamp, abs, convert
// (lut_rows.cpp).
#pragma once

#include <array>
#include <functional>
#include <optional>

#include <opencv2/core/mat.hpp>

#include "pointwise/lut_loops.hpp"
#include "tessera/kernel.hpp"

namespace tessera::detail {

/// out = table[in] on 8-bit images (`table`: 256 entries, or a 1x256 / 256x1 CV_8UC1 Mat).
RowStagePtr lut_u8_row_stage(const std::array<uchar, 256>& table);
RowStagePtr lut_u8_row_stage(const cv::Mat& table);

/// The per-value operation `op` on 8-bit images, as a table: op applied once to the 256
/// values (a 1x256 u8 image), so exact by construction for any op that maps each value
/// alone, the same way wherever it sits (every channel alike). Null unless op gives u8.
RowStagePtr table_u8_row_stage(const std::function<void(const cv::Mat& in, cv::Mat& out)>& op);

/// The LutProgram that computes `table` (identity, invert, clamp, truncation, to-zero
/// thresholds, saturating offsets), if one does: the stage then runs its vector operations
/// instead of a lookup.
std::optional<LutProgram> fit_lut_program(const std::array<uchar, 256>& table);
/// cv::threshold of 8-bit images with the given parameters.
RowStagePtr threshold_u8_row_stage(double thresh, double maxval, int type);

}  // namespace tessera::detail
