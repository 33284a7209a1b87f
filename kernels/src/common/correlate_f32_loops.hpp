// The vector loops of the float correlation row stages (correlate_f32_loops.cpp; simd/simd.hpp).
#pragma once

namespace tessera::detail {

/// Each loop adds its products one at a time, in the order given, with one multiply-add per
/// product: fused (one rounding) when `fused`, else a multiply and an add. A variant without
/// fused multiply-adds (SSE2) returns 0 when `fused` is asked for: the scalar loop does the row.
struct FloatCorrelateLoops {
  /// Row pass: dst[e] = 0 + k[0] * src[e] + k[1] * src[e + cn] + ... (taps products).
  int (*row)(const float* src, float* dst, int n, int cn, const float* k, int taps, bool fused);
  /// Column pass over rows[0 .. 2r]: 0 + k[0] * centre + k[1] * (rows[r+1] + rows[r-1]) + ...
  /// (symmetry 1), 0 + k[1] * (rows[r+1] - rows[r-1]) + ... (symmetry -1); k from the centre
  /// outwards, r + 1 values.
  int (*column)(const float* const* rows, float* dst, int n, const float* k, int r, int symmetry, bool fused);
  /// dst[e] = delta + k[0] * src[0][e] + k[1] * src[1][e] + ... (taps products).
  int (*taps)(const float* const* src, float* dst, int n, const float* k, int taps, float delta, bool fused);
  /// dst[2e] = a[e], dst[2e + 1] = b[e].
  int (*interleave)(const float* a, const float* b, float* dst, int n);
  /// Two (anti)symmetric column passes over rows of element pairs (rows[0 .. 2r], r the larger
  /// radius): dst[e] = column(ka, ra, sa) of the first floats + column(kb, rb, sb) of the second.
  int (*column2)(const float* const* rows, float* dst, int n, const float* ka, int ra, int sa, const float* kb, int rb,
                 int sb, bool fused);
};
const FloatCorrelateLoops& float_correlate_loops();

}  // namespace tessera::detail
