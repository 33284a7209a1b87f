// Vector loops of colour conversions (color.cpp, color_rows.cpp): f32 HSV with the scalar
// loop's operations, its division in double included; f32 gray with its float operations; u8
// and u16 gray in OpenCV's 32-bit fixed point; channel swaps by deinterleaving loads.
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

/// b, g, r of L pixels of cn = 3 or 4 channels; false for other counts.
template <class V, class T>
inline bool load_bgr(const T* p, int cn, V& b, V& g, V& r) {
  V a;
  if (cn == 3) v_load_deinterleave(p, b, g, r);
  else if (cn == 4) v_load_deinterleave(p, b, g, r, a);
  else return false;
  return true;
}

int gray_f32(const float* src, float* dst, int n, int cn) {
  constexpr int L = v_float32::nlanes;
  const v_float32 wb = vx_setall_f32(0.114f), wg = vx_setall_f32(0.587f), wr = vx_setall_f32(0.299f);
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_float32 b, g, r;
    if (!load_bgr(src + cn * x, cn, b, g, r)) return 0;
    v_store(dst + x, (b * wb + g * wg) + r * wr);
  }
  return x;
}

/// (b * cb + g * cg + r * cr + 2^(shift - 1)) >> shift in 32-bit lanes.
template <int shift>
inline v_uint32 weighted(const v_uint32& b, const v_uint32& g, const v_uint32& r, const unsigned (&c)[3]) {
  return v_shr<shift>(b * vx_setall_u32(c[0]) + g * vx_setall_u32(c[1]) + r * vx_setall_u32(c[2]) +
                      vx_setall_u32(1u << (shift - 1)));
}

int gray_u16(const ushort* src, ushort* dst, int n, int cn) {
  static constexpr unsigned c[3] = {kGrayB, kGrayG, kGrayR};
  constexpr int L = v_uint16::nlanes;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_uint16 b, g, r;
    if (!load_bgr(src + cn * x, cn, b, g, r)) return 0;
    v_uint32 b0, b1, g0, g1, r0, r1;
    v_expand(b, b0, b1);
    v_expand(g, g0, g1);
    v_expand(r, r0, r1);
    v_store(dst + x, v_pack(weighted<15>(b0, g0, r0, c), weighted<15>(b1, g1, r1, c)));
  }
  return x;
}

int gray_u8(const uchar* src, uchar* dst, int n, int cn) {
  static constexpr unsigned c[3] = {kGrayB, kGrayG, kGrayR};
  constexpr int L = v_uint8::nlanes;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_uint8 b, g, r;
    if (!load_bgr(src + cn * x, cn, b, g, r)) return 0;
    v_uint16 bh[2], gh[2], rh[2], y[2];
    v_expand(b, bh[0], bh[1]);
    v_expand(g, gh[0], gh[1]);
    v_expand(r, rh[0], rh[1]);
    for (int h = 0; h < 2; ++h) {
      v_uint32 b0, b1, g0, g1, r0, r1;
      v_expand(bh[h], b0, b1);
      v_expand(gh[h], g0, g1);
      v_expand(rh[h], r0, r1);
      y[h] = v_pack(weighted<15>(b0, g0, r0, c), weighted<15>(b1, g1, r1, c));
    }
    v_store(dst + x, v_pack(y[0], y[1]));
  }
  return x;
}

template <class V, class T>
int swap_rb(const T* src, T* dst, int n, int cn) {
  constexpr int L = V::nlanes;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    V b, g, r, a;
    if (cn == 3) {
      v_load_deinterleave(src + 3 * x, b, g, r);
      v_store_interleave(dst + 3 * x, r, g, b);
    } else if (cn == 4) {
      v_load_deinterleave(src + 4 * x, b, g, r, a);
      v_store_interleave(dst + 4 * x, r, g, b, a);
    } else {
      return 0;
    }
  }
  return x;
}

int swap_rb_u8(const uchar* src, uchar* dst, int n, int cn) { return swap_rb<v_uint8>(src, dst, n, cn); }
int swap_rb_u16(const ushort* src, ushort* dst, int n, int cn) { return swap_rb<v_uint16>(src, dst, n, cn); }
int swap_rb_f32(const float* src, float* dst, int n, int cn) { return swap_rb<v_float32>(src, dst, n, cn); }

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ColorLoops, color_loops,
                   {hsv_f32, gray_f32, gray_u8, gray_u16, swap_rb_u8, swap_rb_u16, swap_rb_f32})
