// The bilateral filter (bilateral.cpp): the tile path and its row stages share one per-row core.
#pragma once

#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/kernel.hpp"

namespace tessera::detail {

/// The bilateral filter, computed per pixel the same way everywhere (cv::bilateralFilter is not
/// tile-invariant: its u8 vector body and scalar tail round differently, and for f32 it scales
/// its colour-weight table by the min and max of the whole input). Over the disc of radius r,
/// out = sum(w * v) / sum(w), w = exp(-(dx^2 + dy^2) / (2 ss^2)) * exp(-c^2 / (2 sc^2)), c the
/// L1 colour distance to the centre pixel summed over channels, as OpenCV defines it.
/// 8-bit: in float, with OpenCV's float weight tables and its vector body's order of operations
/// (bilateral_loops.hpp), so that it equals that body. Float: in float, the colour weight
/// interpolated in a table over distances 0 .. D (beyond D it is below the smallest float), as
/// OpenCV does; OpenCV spans its table over the whole image's value range, this one over a
/// range fixed by sigma_color, the same for every tile.
class Bilateral {
 public:
  Bilateral(int radius, double sigma_color, double sigma_space);

  /// dst = the filter on src, whose outside is filled per `border` (the tile path).
  void operator()(const cv::Mat& src, cv::Mat& dst, int border) const;
  int radius() const { return r_; }

  /// One output row of n pixels: window[c][j] is plane c's row y - r + j, from the column r
  /// left of the first output pixel; dst is interleaved.
  template <typename T>
  void row(const T* const* const* window, T* dst, int n, int cn) const;

 private:
  struct Tap {
    int dx, dy;
    double w;
  };
  static constexpr int kFloatBins = 4096;

  int r_;
  double color_coeff_;
  std::vector<Tap> taps_;
  std::vector<float> space_w_, color_w_;  // 8-bit: OpenCV's float tables
  std::vector<float> color_table_;        // float: colour weight by distance, kFloatBins + 2 entries
  float inv_bin_ = 0;
};

/// The filter as one row stage of radius r (u8 or f32 input, 1 or 3 channels; null for other
/// depths).
RowStagePtr bilateral_row_stage(std::shared_ptr<const Bilateral> filter, int depth);

}  // namespace tessera::detail
