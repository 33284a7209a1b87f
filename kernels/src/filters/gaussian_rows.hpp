// cv::GaussianBlur of 8- and 16-bit images as row stages (gaussian_rows.cpp).
#pragma once

#include <vector>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// The fixed-point taps of a Gaussian of `taps` taps (odd) and sigma > 0, with `bits` fractional
/// bits (8 for u8, 16 for u16), as OpenCV derives them (see gaussian_rows.cpp).
std::vector<int> gaussian_fixed_point_taps(double sigma, int taps, int bits);

/// cv::GaussianBlur of 8- or 16-bit images as two row stages, for a kernel of `taps` taps
/// (odd) and sigma > 0. u8: 8.8 taps, horizontal u8 -> biased s16 sums, vertical -> u8.
/// u16: 16.16 taps, horizontal u16 -> exact 32-bit sums, vertical -> u16.
class GaussianRowsFixed {
 public:
  GaussianRowsFixed(int depth, double sigma, int taps);
  /// The stages for an image of `size`: OpenCV blurs an image one pixel wide (high) only
  /// along its length, so that direction gets the identity.
  std::vector<RowStagePtr> stages(Size size) const;

 private:
  RowStagePtr h_, v_, h_identity_, v_identity_;
};

}  // namespace tessera::detail
