// The vector loop of gamma on f32 images (pow_loops.cpp; simd/simd.hpp).
#pragma once

namespace tessera::detail {

struct PowLoops {
  /// dst[i] = |src[i]|^g for the whole row (also rows shorter than a vector), or 0 where the
  /// variant has no double-precision vectors. In double, rounded once to float: the correctly
  /// rounded power but for values within ~1e-12 (relative) of a rounding boundary; std::pow's special
  /// cases (0, infinity, NaN, g = 0). The same bits wherever a value sits in the row and at
  /// every vector level. src may be dst.
  int (*pow_abs)(const float* src, float* dst, int n, double g);
};
const PowLoops& pow_loops();

}  // namespace tessera::detail
