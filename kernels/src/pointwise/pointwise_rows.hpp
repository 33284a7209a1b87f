// Row stages of the pointwise kernels on u16 and f32 images (pointwise_rows.cpp); the 8-bit ones
// are tables (lut_rows.hpp).
#pragma once

#include <functional>

#include <opencv2/core/mat.hpp>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// cv::threshold of u16 or f32 images with OpenCV 4.6's rules: for u16 the threshold floored and
/// maxval rounded (trunc: maxval = the threshold) and saturated, a threshold outside [0, 65535)
/// giving a constant or a copy; for f32 both as floats. Null for other depths.
RowStagePtr threshold_row_stage(int depth, double thresh, double maxval, int type);

/// min(max(x, lo), hi) with lo and hi saturated to the depth (cv::max then cv::min with
/// scalars), for u16 or f32. Null for other depths.
RowStagePtr clamp_row_stage(int depth, double lo, double hi);

/// `op` (a per-value operation, the same wherever a value sits) applied to each row as a
/// one-row image, for inputs of depth `in_depth` giving `out_depth`: for operations whose own
/// per-call cost is small (cv::Mat::convertTo, a table loop), exact by construction.
RowStagePtr op_row_stage(std::function<void(const cv::Mat& in, cv::Mat& out)> op, int in_depth, int out_depth);

}  // namespace tessera::detail
