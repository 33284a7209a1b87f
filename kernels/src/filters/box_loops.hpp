// The vector loops of the box-filter row stages (box_loops.cpp; simd/simd.hpp): 8-bit fixed
// point, and the exact means of u16 and f32.
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct BoxLoops {
  /// Horizontal sums of k pixels, `cn` elements apart, from `src` (the window's first pixel).
  int (*h)(const uchar* src, ushort* dst, int n, int cn, int k);
  /// Vertical: ((sum of the k rows) + delta) * scale >> 16, as u8.
  int (*v)(const ushort* const* rows, uchar* dst, int n, int k, ushort delta, ushort scale);
  /// u16: horizontal sums of k pixels into int32; vertical: the k rows' int32 sum (exact for
  /// k <= 15) times `scale` in double, rounded to nearest even and saturated to u16.
  int (*h_u16)(const ushort* src, int* dst, int n, int cn, int k);
  int (*v_u16)(const int* const* rows, ushort* dst, int n, int k, double scale);
  /// f32: horizontal sums of k pixels in double (t = 0 .. k-1 in order, from 0); vertical: the
  /// k rows added in order from 0, times `scale`, to float.
  int (*h_f32)(const float* src, double* dst, int n, int cn, int k);
  int (*v_f32)(const double* const* rows, float* dst, int n, int k, double scale);
};
const BoxLoops& box_loops();

}  // namespace tessera::detail
