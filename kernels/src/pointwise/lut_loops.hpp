// The vector loops of the 8-bit table-lookup row stage (lut_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// A table that a few vector operations compute: y = clamp(x, lo, hi) ^ flip, then plus `add` and
/// minus `sub` (each saturating), then kept only where (x > level) selects it (keep_above and
/// keep_below: 0xFF keeps, 0 zeroes). Covers identity, invert, clamp, truncation, the to-zero
/// thresholds and saturating offsets.
struct LutProgram {
  uchar lo = 0, hi = 255, flip = 0, add = 0, sub = 0, level = 255, keep_above = 0xFF, keep_below = 0xFF;
  uchar operator()(uchar x) const {
    int y = (x < lo ? lo : x > hi ? hi : x) ^ flip;
    y = y + add > 255 ? 255 : y + add;
    y = y - sub < 0 ? 0 : y - sub;
    return static_cast<uchar>(y & (x > level ? keep_above : keep_below));
  }
};

struct LutLoops {
  /// dst = src > level ? high : low.
  int (*step)(const uchar* src, uchar* dst, int n, uchar level, uchar low, uchar high);
  /// dst = table[src] (256 entries); only with byte shuffles (AVX2), 0 elsewhere.
  int (*lut)(const uchar* src, uchar* dst, int n, const uchar* table);
  /// dst = p(src).
  int (*program)(const uchar* src, uchar* dst, int n, const LutProgram& p);
};
const LutLoops& lut_loops();

}  // namespace tessera::detail
