// Vector loop of gamma on f32 (pointwise.cpp): |x|^g = 2^(g * log2|x|) in double lanes, with
// only +, -, *, / and bit operations, so that every lane and every vector width gives the same
// bits (the loops are compiled without FMA contraction). cv::pow's own float loop rounds its
// vector body and its scalar tail differently, so its bits depend on a pixel's position.
//
// log2 x: x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log2 m = 2/ln2 * atanh(t), t = (m-1)/(m+1),
// |t| <= 0.1716, by its odd series to t^15 (the next term is below 4e-14 relative).
// 2^y: y = n + f with n = round(y), |f| <= 1/2; 2^f = e^(f ln2) by its Taylor series to the 12th
// power (the next term is below 2e-16), times 2^n made from its exponent bits.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "pointwise/pow_loops.hpp"

#include <limits>

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

#if CV_SIMD_64F
/// g * log2(m * 2^e), for m and e of one half of the float lanes.
v_float64 g_log2(const v_float64& m, const v_float64& e, const v_float64& g) {
  const v_float64 one = vx_setall_f64(1.0);
  const v_float64 t = (m - one) / (m + one), s = t * t;
  constexpr double k = 2.0 / 0.693147180559945309417232121458176568;  // 2 / ln 2
  v_float64 p = vx_setall_f64(k / 15);
  for (int d = 13; d >= 1; d -= 2) p = p * s + vx_setall_f64(k / d);
  return g * (e + t * p);
}

/// 2^y for |y| <= 1000 (n + 1023 stays a normal double exponent).
v_float64 exp2_lanes(const v_float64& y, const v_float64& rounded, const v_int64& n) {
  constexpr double ln2 = 0.693147180559945309417232121458176568;
  const v_float64 u = (y - rounded) * vx_setall_f64(ln2);
  double c = 1.0;
  for (int d = 2; d <= 12; ++d) c /= d;  // 1/12!
  v_float64 p = vx_setall_f64(c);
  for (int d = 11; d >= 0; --d) {
    c *= d + 1;  // 1/d!
    p = p * u + vx_setall_f64(c);
  }
  const v_int64 bits = (n + vx_setall_s64(1023)) << 52;
  return p * v_reinterpret_as_f64(bits);
}

/// |x|^g for one vector of floats.
v_float32 pow_vector(const v_float32& x, double gd) {
  const v_float32 ax = v_abs(x);
  const v_float32 tiny = ax < vx_setall_f32(1.17549435e-38f);  // subnormals (and 0): scaled by 2^24
  const v_float32 scaled = v_select(tiny, ax * vx_setall_f32(16777216.0f), ax);
  const v_int32 bits = v_reinterpret_as_s32(scaled);
  v_int32 e = v_shr<23>(bits) - v_select(v_reinterpret_as_s32(tiny), vx_setall_s32(151), vx_setall_s32(127));
  v_float32 m = v_reinterpret_as_f32((bits & vx_setall_s32(0x7FFFFF)) | vx_setall_s32(0x3F800000));
  const v_float32 high = m > vx_setall_f32(1.41421356f);
  m = v_select(high, m * vx_setall_f32(0.5f), m);
  e = e - v_reinterpret_as_s32(high);  // the mask is -1 where m was halved

  const v_float64 g = vx_setall_f64(gd), limit = vx_setall_f64(1000.0), neg_limit = vx_setall_f64(-1000.0);
  v_float64 y0 = g_log2(v_cvt_f64(m), v_cvt_f64(e), g), y1 = g_log2(v_cvt_f64_high(m), v_cvt_f64_high(e), g);
  y0 = v_min(v_max(y0, neg_limit), limit);
  y1 = v_min(v_max(y1, neg_limit), limit);
  const v_int32 n = v_round(y0, y1);
  v_int64 n0, n1;
  v_expand(n, n0, n1);
  v_float32 r = v_cvt_f32(exp2_lanes(y0, v_cvt_f64(n), n0), exp2_lanes(y1, v_cvt_f64_high(n), n1));

  // std::pow's special cases: 0^g is 0 (g > 0) or infinity (g < 0), infinity^g the reverse,
  // NaN^g NaN; anything^0 is 1.
  const float inf = std::numeric_limits<float>::infinity();
  const v_float32 zero = vx_setzero_f32();
  const v_float32 at_zero = vx_setall_f32(gd > 0 ? 0.0f : inf), at_inf = vx_setall_f32(gd > 0 ? inf : 0.0f);
  r = v_select(ax == zero, at_zero, r);
  r = v_select(ax == vx_setall_f32(inf), at_inf, r);
  const v_float32 nan = v_reinterpret_as_f32(v_reinterpret_as_s32(ax) > vx_setall_s32(0x7F800000));
  r = v_select(nan, ax, r);  // (an integer compare: ax != ax is false for NaN at AVX2 in OpenCV 4.6)
  return gd == 0 ? vx_setall_f32(1.0f) : r;
}

int pow_abs(const float* src, float* dst, int n, double g) {
  constexpr int lanes = v_float32::nlanes;
  int e = 0;
  for (; e + lanes <= n; e += lanes) v_store(dst + e, pow_vector(vx_load(src + e), g));
  if (e < n) {  // the rest through a vector's worth of room: the same lanes, so the same bits
    float part[lanes] = {};
    for (int i = e; i < n; ++i) part[i - e] = src[i];
    v_store(part, pow_vector(vx_load(part), g));
    for (int i = e; i < n; ++i) dst[i] = part[i - e];
  }
  return n;
}
#else
int pow_abs(const float*, float*, int, double) { return 0; }
#endif

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(PowLoops, pow_loops, {pow_abs})
