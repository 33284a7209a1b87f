// Vector loops of the box-filter row stages (box_rows.cpp): 8-bit fixed point, u16 and f32 exact
// means (double arithmetic where the scalar loops use it, so the same bits).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "filters/box_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int box_h(const uchar* src, ushort* dst, int n, int cn, int k) {
  int e = 0;
  for (; e < n; e += v_uint16::nlanes) {
    if (!last_vector(e, n, v_uint16::nlanes)) break;
    v_uint16 acc = vx_load_expand(src + e);
    for (int t = 1; t < k; ++t) acc += vx_load_expand(src + e + t * cn);
    v_store(dst + e, acc);
  }
  return e;
}

int box_v(const ushort* const* rows, uchar* dst, int n, int k, ushort delta, ushort scale) {
  const v_uint16 d = vx_setall_u16(delta), s = vx_setall_u16(scale);
  int e = 0;
  for (; e < n; e += v_uint16::nlanes) {
    if (!last_vector(e, n, v_uint16::nlanes)) break;
    v_uint16 acc = vx_load(rows[0] + e);
    for (int t = 1; t < k; ++t) acc += vx_load(rows[t] + e);
    const v_uint16 q = v_mul_hi(acc + d, s);
    v_pack_store(dst + e, q);
  }
  return e;
}

#if CV_SIMD_64F || CV_SIMD128_64F
int box_h_u16(const ushort* src, int* dst, int n, int cn, int k) {
  constexpr int L = v_uint32::nlanes;
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_uint32 acc = vx_load_expand(src + e);
    for (int t = 1; t < k; ++t) acc += vx_load_expand(src + e + t * cn);
    v_store(dst + e, v_reinterpret_as_s32(acc));
  }
  return e;
}

int box_v_u16(const int* const* rows, ushort* dst, int n, int k, double scale) {
  constexpr int L = v_int32::nlanes, step = 2 * L;
  const v_float64 s = vx_setall_f64(scale);
  int e = 0;
  for (; e < n; e += step) {
    if (!last_vector(e, n, step)) break;
    v_int32 sum[2];
    for (int h = 0; h < 2; ++h) {
      sum[h] = vx_load(rows[0] + e + h * L);
      for (int t = 1; t < k; ++t) sum[h] += vx_load(rows[t] + e + h * L);
    }
    // double(sum) * scale, rounded as cvRound (to nearest, ties to even), per half of each.
    v_int32 q[2];
    for (int h = 0; h < 2; ++h) q[h] = v_round(v_cvt_f64(sum[h]) * s, v_cvt_f64_high(sum[h]) * s);
    v_store(dst + e, v_pack_u(q[0], q[1]));
  }
  return e;
}

int box_h_f32(const float* src, double* dst, int n, int cn, int k) {
  constexpr int L = v_float64::nlanes, step = 2 * L;
  int e = 0;
  for (; e < n; e += step) {
    if (!last_vector(e, n, step)) break;
    v_float64 lo = vx_setzero_f64(), hi = vx_setzero_f64();
    for (int t = 0; t < k; ++t) {
      const v_float32 x = vx_load(src + e + t * cn);
      lo = lo + v_cvt_f64(x);
      hi = hi + v_cvt_f64_high(x);
    }
    v_store(dst + e, lo);
    v_store(dst + e + L, hi);
  }
  return e;
}

int box_v_f32(const double* const* rows, float* dst, int n, int k, double scale) {
  constexpr int L = v_float64::nlanes, step = 2 * L;
  const v_float64 s = vx_setall_f64(scale);
  int e = 0;
  for (; e < n; e += step) {
    if (!last_vector(e, n, step)) break;
    v_float64 lo = vx_setzero_f64(), hi = vx_setzero_f64();
    for (int t = 0; t < k; ++t) {
      lo = lo + vx_load(rows[t] + e);
      hi = hi + vx_load(rows[t] + e + L);
    }
    v_store(dst + e, v_cvt_f32(lo * s, hi * s));
  }
  return e;
}
#else
int box_h_u16(const ushort*, int*, int, int, int) { return 0; }
int box_v_u16(const int* const*, ushort*, int, int, double) { return 0; }
int box_h_f32(const float*, double*, int, int, int) { return 0; }
int box_v_f32(const double* const*, float*, int, int, double) { return 0; }
#endif

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(BoxLoops, box_loops, {box_h, box_v, box_h_u16, box_v_u16, box_h_f32, box_v_f32})
