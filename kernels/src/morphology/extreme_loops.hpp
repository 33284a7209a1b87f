// The vector loops of the erosion and dilation row stages on u8, u16 and f32
// (extreme_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// One element type's pair: along a row, dst[e] = min (max) of src[e + i*cn], i in [0, count);
/// across rows, dst[e] = min (max) of rows[j][e], j in [0, count).
template <typename T>
struct ExtremePair {
  int (*h)(const T* src, T* dst, int n, int cn, int count, bool max);
  int (*v)(const T* const* rows, T* dst, int n, int count, bool max);
};

struct ExtremeLoops {
  ExtremePair<uchar> u8;
  ExtremePair<ushort> u16;
  ExtremePair<float> f32;
};
const ExtremeLoops& extreme_loops();

}  // namespace tessera::detail
