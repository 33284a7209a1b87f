// cv::GaussianBlur of 8-bit images as row stages (gaussian_rows.cpp).
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
  /// The 8.8 fixed-point taps, as OpenCV derives them from sigma (see row_gaussian.cpp).
  static std::vector<int> fixed_point_taps(double sigma, int taps);

 private:
  RowStagePtr h_, v_, h_identity_, v_identity_;
};

}  // namespace tessera::detail
