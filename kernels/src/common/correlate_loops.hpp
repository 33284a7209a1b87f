// The vector loops of the integer correlation row stage (correlate_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

struct CorrelateLoops {
  /// For n elements: acc = delta + sum over taps t of coeff[t] * src[t][e], in 16-bit lanes
  /// (the caller guarantees no partial sum leaves the s16 range, `round` included). Then
  /// out = acc as s16 (shift 0, s16_out), or u8 = saturate((acc + round + bit) >> shift) with
  /// round-half-even (u8 out). Returns the elements done (the scalar loop does the rest).
  int (*run)(const uchar* const* src, const short* coeff, int taps, short delta, int shift, bool s16_out, void* out,
             int n);
  /// For n elements of u16 input: acc = delta + sum over taps of coeff[t] * src[t][e] in 32-bit
  /// lanes (the caller guarantees every partial sum stays within 2^24). Then out = acc * 2^-shift
  /// as float (f32_out), or u16 = saturate((acc + round + bit) >> shift), rounded half to even.
  int (*run_u16)(const ushort* const* src, const int* coeff, int taps, int delta, int shift, bool f32_out, void* out,
                 int n);
};
const CorrelateLoops& correlate_loops();

}  // namespace tessera::detail
