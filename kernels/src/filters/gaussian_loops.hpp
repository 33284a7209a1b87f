// The vector loops of the 8- and 16-bit Gaussian row stages (gaussian_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// Taps beyond this many per side run the scalar loops.
constexpr int kGaussianMaxSimdRadius = 31;
/// Horizontal sums are stored as h - kGaussianBias, in signed 16 bits.
constexpr int kGaussianBias = 1 << 15;

struct GaussianLoops {
  /// Horizontal pass; `centre` is the input at the first output element; taps[0..r] from the
  /// centre outwards.
  int (*h)(const uchar* centre, short* dst, int n, int cn, const int* taps, int r);
  /// Vertical pass over `count` rows with taps[0..count).
  int (*v)(const short* const* rows, uchar* dst, int n, const int* taps, int count);
  /// 16-bit horizontal pass: exact sums in 32 bits (taps[0..r] from the centre outwards, 16.16
  /// fixed point).
  int (*h_u16)(const ushort* centre, unsigned* dst, int n, int cn, const unsigned* taps, int r);
  /// 16-bit vertical pass over `count` rows: (sum of taps[j] * rows[j] + 2^31) >> 32.
  int (*v_u16)(const unsigned* const* rows, ushort* dst, int n, const unsigned* taps, int count);
};
const GaussianLoops& gaussian_loops();

}  // namespace tessera::detail
