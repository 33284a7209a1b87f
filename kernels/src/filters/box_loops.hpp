// The vector loops of the 8-bit box-filter row stages (box_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct BoxLoops {
  /// Horizontal sums of k pixels, `cn` elements apart, from `src` (the window's first pixel).
  int (*h)(const uchar* src, ushort* dst, int n, int cn, int k);
  /// Vertical: ((sum of the k rows) + delta) * scale >> 16, as u8.
  int (*v)(const ushort* const* rows, uchar* dst, int n, int k, ushort delta, ushort scale);
};
const BoxLoops& box_loops();

}  // namespace tessera::detail
