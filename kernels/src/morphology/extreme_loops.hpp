// The vector loops of the 8-bit erosion and dilation row stages (extreme_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct ExtremeLoops {
  /// Along a row: dst[e] = min (max) of src[e + i*cn], i in [0, count).
  int (*h)(const uchar* src, uchar* dst, int n, int cn, int count, bool max);
  /// Across rows: dst[e] = min (max) of rows[j][e], j in [0, count).
  int (*v)(const uchar* const* rows, uchar* dst, int n, int count, bool max);
};
const ExtremeLoops& extreme_loops();

}  // namespace tessera::detail
