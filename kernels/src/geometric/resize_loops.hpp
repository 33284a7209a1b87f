// The vector loops of 8-bit linear resize (resize_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// Float taps of one or two per output element (linear, area-as-linear; any channel count):
/// element e reads src[ofs0[e]] with weight w0[e], and where two[e] is -1 (0: one tap) also
/// src[ofs1[e]] with weight w1[e].
struct FloatTaps {
  const int* ofs0;
  const int* ofs1;
  const float* w0;
  const float* w1;
  const int* two;
};

struct ResizeLoops {
  /// Horizontal, one channel: dst[i] = src[ofs[i]] * alpha[2i] + src[ofs[i] + 1] * alpha[2i + 1].
  int (*h_linear_c1)(const uchar* src, const int* ofs, const short* alpha, int* dst, int n);
  /// Horizontal, n pixels of cn = 3 or 4 channels (0 for others), each reading 8 bytes from
  /// src + ofs[i] * cn: dst[i * cn + c] = src[ofs[i] * cn + c] * alpha4[8i] +
  /// src[ofs[i] * cn + cn + c] * alpha4[8i + 1]. May write up to 16 ints past dst[n * cn].
  int (*h_linear_px)(const uchar* src, const int* ofs, const short* alpha4, int* dst, int n, int cn);
  /// Vertical, OpenCV's 16-bit arithmetic: t = sat16(r0 >> 4) * b0 >> 16 +sat sat16(r1 >> 4) * b1 >> 16,
  /// dst = sat_u8((t + 2) >> 2).
  int (*v_linear_u8)(const int* r0, const int* r1, short b0, short b1, uchar* dst, int n);
  /// Float vertical, two taps: v = r0 * w0 + r1 * w1 (each operation rounded), stored as float
  /// or, rounded half to even and saturated, as u16.
  int (*v2_f32)(const float* r0, const float* r1, float w0, float w1, float* dst, int n);
  int (*v2_u16)(const float* r0, const float* r1, float w0, float w1, ushort* dst, int n);
  /// Horizontal float pass: dst[e] = float(src[ofs0[e]]) * w0[e] (+ float(src[ofs1[e]]) * w1[e]
  /// where two taps), each operation rounded, for f32 and u16 rows of `len` elements.
  int (*h_linear_f32)(const float* src, int len, const FloatTaps& taps, float* dst, int n);
  int (*h_linear_u16)(const ushort* src, int len, const FloatTaps& taps, float* dst, int n);
  /// 2x2 area average of n output pixels of 1, 3 or 4 channels (0 for others), from two source rows:
  /// dst = (a + b + c + d + 2) >> 2 per channel.
  int (*area2_u8)(const uchar* s0, const uchar* s1, uchar* dst, int n, int cn);
};
const ResizeLoops& resize_loops();

}  // namespace tessera::detail
