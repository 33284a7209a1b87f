// The vector loop of the 8-bit weighted sum (add_weighted_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct AddWeightedLoops {
  /// dst = saturate(round(fma(a, w[0], fma(b, w[1], w[2])))) in float; only where the vectors
  /// have a fused multiply-add (0 elsewhere: the scalar loop's std::fma is exact).
  int (*add_weighted)(const uchar* a, const uchar* b, uchar* dst, int n, const float* w);
};
const AddWeightedLoops& add_weighted_loops();

}  // namespace tessera::detail
