// The vector loops of float pyrdown (pyr_loops.cpp; simd/simd.hpp).
#pragma once

namespace tessera::detail {

/// Each output: s[0] * 6 + (s[-1] + s[1]) * 4 + s[-2] + s[2], each float operation rounded on
/// its own, in this order (OpenCV's scalar pyrDown order; its vector loops round differently).
struct PyrLoops {
  /// Horizontal, one channel: dst[x] = taps around src[2x].
  int (*h_c1)(const float* src, float* dst, int n);
  /// Vertical: dst[x] = (taps over rows[0..4] at x) * (1 / 256).
  int (*v)(const float* const* rows, float* dst, int n);
};
const PyrLoops& pyr_loops();

}  // namespace tessera::detail
