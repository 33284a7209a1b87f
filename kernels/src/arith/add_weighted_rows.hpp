// Weighted sums of two 8-bit images (addw, unsharp's combine) as a row stage and on whole
// images, with the same arithmetic (add_weighted_rows.cpp).
#pragma once

#include <opencv2/core/mat.hpp>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// alpha*a + beta*b + gamma of two 8-bit images as cv::addWeighted's vector loop computes it
/// (float fused multiply-adds, rounded half to even, saturated), whatever the position: a
/// two-input stage, and the same arithmetic on whole images (row_pointwise.cpp says why
/// cv::addWeighted itself cannot be tiled).
RowStagePtr add_weighted_u8_row_stage(double alpha, double beta, double gamma);
void add_weighted_u8(const cv::Mat& a, double alpha, const cv::Mat& b, double beta, double gamma, cv::Mat& out);

}  // namespace tessera::detail
