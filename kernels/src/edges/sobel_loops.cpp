// Vector loop of the 8-bit sobel_mag row stage (sobel_rows.cpp).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "edges/sobel_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int sobel_mag(const uchar* up, const uchar* mid, const uchar* down, uchar* dst, int n, int cn) {
  const int c2 = 2 * cn;
  const v_int16 max8 = vx_setall_s16(255);
  const v_uint16 one = vx_setall_u16(1);
  auto load = [](const uchar* p) { return v_reinterpret_as_s16(vx_load_expand(p)); };
  int e = 0;
  for (; e < n; e += v_int16::nlanes) {
    if (!last_vector(e, n, v_int16::nlanes)) break;
    const v_int16 ul = load(up + e), uc = load(up + e + cn), ur = load(up + e + c2);
    const v_int16 ml = load(mid + e), mr = load(mid + e + c2);
    const v_int16 dl = load(down + e), dc = load(down + e + cn), dr = load(down + e + c2);
    const v_int16 gx = (ur - ul) + v_shl<1>(mr - ml) + (dr - dl);
    const v_int16 gy = (dl + v_shl<1>(dc) + dr) - (ul + v_shl<1>(uc) + ur);
    const v_uint16 ax = v_reinterpret_as_u16(v_min(v_reinterpret_as_s16(v_abs(gx)), max8));
    const v_uint16 ay = v_reinterpret_as_u16(v_min(v_reinterpret_as_s16(v_abs(gy)), max8));
    const v_uint16 s = ax + ay, q = v_shr<1>(s);
    v_pack_store(dst + e, q + (s & q & one));  // s / 2, half to even
  }
  return e;
}

int abs_s16(const short* src, uchar* dst, int n, int a, int b) {
  constexpr int L = v_uint8::nlanes;
  const bool plain = a == 1 && b == 0;
  const v_int32 va = vx_setall_s32(a), vb = vx_setall_s32(b);
  // |a x + b| of one vector of s16, as u16 saturated (the pack to u8 saturates again).
  auto weigh = [&](const v_int16& x) {
    if (plain) return v_abs(x);
    v_int32 lo, hi;
    v_expand(x, lo, hi);
    const v_uint32 l = v_reinterpret_as_u32(v_abs(lo * va + vb)), h = v_reinterpret_as_u32(v_abs(hi * va + vb));
    return v_pack(l, h);
  };
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    const v_int16 x0 = vx_load(src + e), x1 = vx_load(src + e + L / 2);
    v_store(dst + e, v_pack(weigh(x0), weigh(x1)));
  }
  return e;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(SobelLoops, sobel_loops, {sobel_mag, abs_s16})
