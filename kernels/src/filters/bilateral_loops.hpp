// The vector loops of the 8-bit bilateral filter (bilateral_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// One output row of the 8-bit bilateral filter, its channels as planes.
struct BilateralRow {
  int cn = 1;                          ///< 1 or 3
  int taps = 0;                        ///< window taps
  const uchar* const* src[3] = {};     ///< per plane, per tap: the tap's pixel for output x = 0
  const uchar* centre[3] = {};         ///< per plane: the centre pixel for output x = 0
  const float* space_w = nullptr;      ///< per tap
  const float* color_w = nullptr;      ///< by the L1 colour distance summed over channels
  uchar* dst = nullptr;                ///< interleaved, cn channels
  int n = 0;                           ///< pixels
};

/// One output row of the float bilateral filter, its channels as planes. The colour weight of
/// L1 distance d is interpolated in `table` (entries 0 .. bins + 1, entry i for distance
/// i / inv_bin): idx = min(d * inv_bin, bins), i = floor(idx), f = idx - i,
/// w = table[i] + f * (table[i + 1] - table[i]).
struct BilateralRowF {
  int cn = 1;
  int taps = 0;
  const float* const* src[3] = {};
  const float* centre[3] = {};
  const float* space_w = nullptr;
  const float* table = nullptr;
  float inv_bin = 0;
  int bins = 0;
  float* dst = nullptr;  ///< interleaved, cn channels
  int n = 0;
};

/// Per pixel, taps in order: w = space_w[k] * color_w[d], wsum += w, sum_c += v_c * w (each a
/// float operation of its own, never fused), then dst_c = round_half_even(sum_c / wsum).
/// The scalar loop (Bilateral in bilateral.cpp) does the same.
struct BilateralLoops {
  int (*row)(const BilateralRow& r);
  /// Float: d summed over channels, the weight interpolated as above, then as for 8 bits
  /// (w = space_w[k] * colour weight, wsum += w, sum_c += v_c * w), dst_c = sum_c / wsum.
  int (*row_f32)(const BilateralRowF& r);
};
const BilateralLoops& bilateral_loops();

}  // namespace tessera::detail
