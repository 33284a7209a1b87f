// The vector loop of the 8-bit sobel_mag row stage (sobel_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct SobelLoops {
  /// sobel_mag; each row pointer is at the element left of the first output.
  int (*mag)(const uchar* up, const uchar* mid, const uchar* down, uchar* dst, int n, int cn);
};
const SobelLoops& sobel_loops();

}  // namespace tessera::detail
