// Vector loops of float colour conversions (color.cpp): HSV with the scalar loop's operations,
// its division in double included.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "color/color_loops.hpp"

#include <cfloat>

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int hsv_f32(const float* src, float* dst, int n) {
  constexpr int L = v_float32::nlanes;
  const v_float32 eps = vx_setall_f32(FLT_EPSILON), zero = vx_setzero_f32();
  const v_float32 c120 = vx_setall_f32(120.f), c240 = vx_setall_f32(240.f), c360 = vx_setall_f32(360.f);
  const v_float64 sixty = vx_setall_f64(60.);
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_float32 b, g, r;
    v_load_deinterleave(src + 3 * x, b, g, r);
    const v_float32 v = v_max(v_max(r, g), b), lo = v_min(v_min(r, g), b);
    const v_float32 range = v - lo;
    const v_float32 s = range / (v_abs(v) + eps);
    const v_float32 denom = range + eps;
    const v_float32 k = v_cvt_f32(sixty / v_cvt_f64(denom), sixty / v_cvt_f64_high(denom));
    v_float32 h = v_select(v == r, (g - b) * k, v_select(v == g, (b - r) * k + c120, (r - g) * k + c240));
    h = v_select(h < zero, h + c360, h);
    v_store_interleave(dst + 3 * x, h, s, v);
  }
  return x;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ColorLoops, color_loops, {hsv_f32})
