// cv::GaussianBlur of 8- and 16-bit images as row stages (gaussian_rows.cpp).
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// cv::GaussianBlur of 8-bit images as two row stages (horizontal u8 -> u16 fixed point,
/// vertical u16 -> u8), for a kernel of `taps` taps (odd) and sigma > 0.
class GaussianRowsU8 {
 public:
  GaussianRowsU8(double sigma, int taps);
  /// The stages for an image of `size`: OpenCV blurs an image one pixel wide (high) only
  /// along its length, so that direction gets the identity.
  std::vector<RowStagePtr> stages(Size size) const;
  /// The fixed-point taps with `bits` fractional bits (8 for u8, 16 for u16), as OpenCV
  /// derives them from sigma (see gaussian_rows.cpp).
  static std::vector<int> fixed_point_taps(double sigma, int taps, int bits = 8);

 private:
  RowStagePtr h_, v_, h_identity_, v_identity_;
};

/// cv::GaussianBlur of 16-bit images as two row stages (horizontal u16 -> exact 32-bit sums in
/// 16.16 fixed point, vertical -> u16), for a kernel of `taps` taps (odd) and sigma > 0.
class GaussianRowsU16 {
 public:
  GaussianRowsU16(double sigma, int taps);
  std::vector<RowStagePtr> stages(Size size) const;

 private:
  RowStagePtr h_, v_, h_identity_, v_identity_;
};

}  // namespace tessera::detail
