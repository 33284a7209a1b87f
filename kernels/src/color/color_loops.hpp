// The vector loops of float colour conversions (color_loops.cpp; simd/simd.hpp).
#pragma once

namespace tessera::detail {

struct ColorLoops {
  /// HSV of n BGR float pixels, per pixel (mx(a, b) = a > b ? a : b, mn(a, b) = a < b ? a : b,
  /// as vector max and min treat NaN): v = mx(mx(r, g), b), lo = mn(mn(r, g), b), range = v - lo,
  /// s = range / (|v| + FLT_EPSILON), k = float(60.0 / double(range + FLT_EPSILON)),
  /// h = v == r ? (g - b) * k : v == g ? (b - r) * k + 120 : (r - g) * k + 240, plus 360 if
  /// negative. Returns the pixels done.
  int (*hsv_f32)(const float* src, float* dst, int n);
};
const ColorLoops& color_loops();

}  // namespace tessera::detail
