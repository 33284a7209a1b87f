// The vector loops of the 8-bit sobel_mag row stage and of abs on s16 derivatives
// (sobel_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct SobelLoops {
  /// sobel_mag; each row pointer is at the element left of the first output.
  int (*mag)(const uchar* up, const uchar* mid, const uchar* down, uchar* dst, int n, int cn);
  /// saturate_u8(|a x + b|) of n s16 values: in 32-bit lanes (|a| * 32768 + |b| < 2^24), or
  /// 16-bit ones for a = 1, b = 0.
  int (*abs_s16)(const short* src, uchar* dst, int n, int a, int b);
};
const SobelLoops& sobel_loops();

}  // namespace tessera::detail
