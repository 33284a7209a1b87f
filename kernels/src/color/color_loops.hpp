// The vector loops of colour conversions (color_loops.cpp; simd/simd.hpp).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// cv::cvtColor's integer gray weights (u8 and u16): (kGrayB b + kGrayG g + kGrayR r + 2^14) >> 15.
constexpr unsigned kGrayB = 3735, kGrayG = 19235, kGrayR = 9798;

struct ColorLoops {
  /// HSV of n BGR float pixels, per pixel (mx(a, b) = a > b ? a : b, mn(a, b) = a < b ? a : b,
  /// as vector max and min treat NaN): v = mx(mx(r, g), b), lo = mn(mn(r, g), b), range = v - lo,
  /// s = range / (|v| + FLT_EPSILON), k = float(60.0 / double(range + FLT_EPSILON)),
  /// h = v == r ? (g - b) * k : v == g ? (b - r) * k + 120 : (r - g) * k + 240, plus 360 if
  /// negative. Returns the pixels done.
  int (*hsv_f32)(const float* src, float* dst, int n);
  /// Gray of n float pixels of cn = 3 or 4 channels (0 for others): (b * 0.114f + g * 0.587f) +
  /// r * 0.299f, each operation rounded. Returns the pixels done.
  int (*gray_f32)(const float* src, float* dst, int n, int cn);
  /// Gray of n BGR(A) pixels in OpenCV's fixed point (cv::cvtColor's integer formula for u8 and
  /// u16, exact; measured on OpenCV 4.6): (kGrayB b + kGrayG g + kGrayR r + 2^14) >> 15 in 32 bits.
  int (*gray_u8)(const uchar* src, uchar* dst, int n, int cn);
  int (*gray_u16)(const ushort* src, ushort* dst, int n, int cn);
  /// The first and third of cn = 3 or 4 channels swapped, n pixels; src is not dst.
  int (*swap_rb_u8)(const uchar* src, uchar* dst, int n, int cn);
  int (*swap_rb_u16)(const ushort* src, ushort* dst, int n, int cn);
  int (*swap_rb_f32)(const float* src, float* dst, int n, int cn);
};
const ColorLoops& color_loops();

}  // namespace tessera::detail
