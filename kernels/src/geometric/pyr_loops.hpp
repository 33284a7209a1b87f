// The vector loops of pyrdown (pyr_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// Each output: s[0] * 6 + (s[-1] + s[1]) * 4 + s[-2] + s[2]; floats with each operation
/// rounded on its own, in this order (OpenCV's scalar pyrDown order; its vector loops round
/// differently), integers exactly in 32 bits.
struct PyrLoops {
  /// Horizontal, one channel: dst[x] = taps around src[2x] (src[-2] .. src[2n] readable).
  int (*h_c1)(const float* src, float* dst, int n);
  int (*h_u8)(const uchar* src, int* dst, int n);
  int (*h_u16)(const ushort* src, int* dst, int n);
  /// Vertical: dst[x] = taps over rows[0..4] at x, times 1/256 (floats) or plus 128, shifted
  /// right by 8 (integers: cv::pyrDown's exact rounding).
  int (*v)(const float* const* rows, float* dst, int n);
  int (*v_u8)(const int* const* rows, uchar* dst, int n);
  int (*v_u16)(const int* const* rows, ushort* dst, int n);
};
const PyrLoops& pyr_loops();

}  // namespace tessera::detail
