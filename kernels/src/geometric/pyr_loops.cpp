// Vector loops of pyrdown (geometric.cpp): the same operations in the same order as the scalar
// loops, a vector of outputs at a time. The float horizontal pass deinterleaves even and odd
// source pixels; the integer ones read pairs of pixels as one wider lane (even in the low
// half, odd in the high half) and sum in 16 (u8) or 32 (u16) bits, exactly.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "geometric/pyr_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

inline v_float32 taps(const v_float32& m2, const v_float32& m1, const v_float32& c, const v_float32& p1,
                      const v_float32& p2) {
  return ((c * vx_setall_f32(6.f) + (m1 + p1) * vx_setall_f32(4.f)) + m2) + p2;
}

int h_c1(const float* src, float* dst, int n) {
  constexpr int L = v_float32::nlanes;
  // The last load of a vector reads one element past its last output's taps: the vectors
  // stop one output short of the row's end, so they read nothing past src[2n].
  const int m = n - 1;
  int x = 0;
  for (; x < m; x += L) {
    if (!last_vector(x, m, L)) break;
    v_float32 m2, m1, c, p1, p2, unused;
    v_load_deinterleave(src + 2 * x - 2, m2, m1);
    v_load_deinterleave(src + 2 * x, c, p1);
    v_load_deinterleave(src + 2 * x + 2, p2, unused);
    v_store(dst + x, taps(m2, m1, c, p1, p2));
  }
  return x;
}

int v(const float* const* rows, float* dst, int n) {
  constexpr int L = v_float32::nlanes;
  const v_float32 scale = vx_setall_f32(1.f / 256);
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_store(dst + x, taps(vx_load(rows[0] + x), vx_load(rows[1] + x), vx_load(rows[2] + x), vx_load(rows[3] + x),
                          vx_load(rows[4] + x)) * scale);
  }
  return x;
}

/// Integer taps of lanes of any unsigned type (exact: no overflow for the sums they hold).
template <class V>
inline V taps_int(const V& m2, const V& m1, const V& c, const V& p1, const V& p2) {
  return v_shl<1>(c) + v_shl<2>(c) + v_shl<2>(m1 + p1) + m2 + p2;  // 6c + 4(m1 + p1) + m2 + p2
}

int h_u8(const uchar* src, int* dst, int n) {
  constexpr int L = v_uint16::nlanes;
  const int m = n - 1;  // as h_c1: the last load of a vector reads one byte past its taps
  const v_uint16 low = vx_setall_u16(0xFF);
  int x = 0;
  for (; x < m; x += L) {
    if (!last_vector(x, m, L)) break;
    const v_uint16 wm = v_reinterpret_as_u16(vx_load(src + 2 * x - 2)), wc = v_reinterpret_as_u16(vx_load(src + 2 * x));
    const v_uint16 wp = v_reinterpret_as_u16(vx_load(src + 2 * x + 2));
    const v_uint16 sum = taps_int(wm & low, v_shr<8>(wm), wc & low, v_shr<8>(wc), wp & low);  // at most 16 * 255
    v_uint32 lo, hi;
    v_expand(sum, lo, hi);
    v_store(dst + x, v_reinterpret_as_s32(lo));
    v_store(dst + x + v_uint32::nlanes, v_reinterpret_as_s32(hi));
  }
  return x;
}

int h_u16(const ushort* src, int* dst, int n) {
  constexpr int L = v_uint32::nlanes;
  const int m = n - 1;
  const v_uint32 low = vx_setall_u32(0xFFFF);
  int x = 0;
  for (; x < m; x += L) {
    if (!last_vector(x, m, L)) break;
    const v_uint32 wm = v_reinterpret_as_u32(vx_load(src + 2 * x - 2)), wc = v_reinterpret_as_u32(vx_load(src + 2 * x));
    const v_uint32 wp = v_reinterpret_as_u32(vx_load(src + 2 * x + 2));
    v_store(dst + x, v_reinterpret_as_s32(taps_int(wm & low, v_shr<16>(wm), wc & low, v_shr<16>(wc), wp & low)));
  }
  return x;
}

/// (taps over the rows at x + 128) >> 8 for two vectors of ints (at most 16 * 65535 * 16 + 128).
inline v_uint16 v_int_pair(const int* const* rows, int x) {
  constexpr int L = v_int32::nlanes;
  v_uint16 out;
  v_int32 half[2];
  for (int h = 0; h < 2; ++h) {
    const int o = x + h * L;
    half[h] = v_shr<8>(taps_int(vx_load(rows[0] + o), vx_load(rows[1] + o), vx_load(rows[2] + o), vx_load(rows[3] + o),
                                vx_load(rows[4] + o)) +
                       vx_setall_s32(128));
  }
  out = v_pack_u(half[0], half[1]);
  return out;
}

int v_u8(const int* const* rows, uchar* dst, int n) {
  constexpr int L = v_uint16::nlanes;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_pack_store(dst + x, v_int_pair(rows, x));
  }
  return x;
}

int v_u16(const int* const* rows, ushort* dst, int n) {
  constexpr int L = v_uint16::nlanes;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    v_store(dst + x, v_int_pair(rows, x));
  }
  return x;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(PyrLoops, pyr_loops, {h_c1, h_u8, h_u16, v, v_u8, v_u16})
