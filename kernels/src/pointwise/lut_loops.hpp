// The vector loops of the 8-bit table-lookup row stage (lut_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct LutLoops {
  /// dst = src > level ? high : low.
  int (*step)(const uchar* src, uchar* dst, int n, uchar level, uchar low, uchar high);
  /// dst = table[src] (256 entries); only with byte shuffles (AVX2), 0 elsewhere.
  int (*lut)(const uchar* src, uchar* dst, int n, const uchar* table);
};
const LutLoops& lut_loops();

}  // namespace tessera::detail
