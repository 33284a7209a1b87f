// The vector loops of the 8-bit median row stage (median_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct MedianLoops {
  /// Median of the k x k window (k = 3 or 5) of each of n elements: rows[0..k) point at the
  /// window's first column, columns `cn` elements apart.
  int (*median)(const uchar* const* rows, uchar* dst, int n, int cn, int k);
};
const MedianLoops& median_loops();

}  // namespace tessera::detail
