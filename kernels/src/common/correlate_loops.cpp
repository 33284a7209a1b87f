// Vector loops of the integer correlation row stage (correlate_rows.cpp).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "common/correlate_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int correlate(const uchar* const* src, const short* coeff, int taps, short delta, int shift, bool s16_out, void* out,
              int n) {
  const v_int16 d = vx_setall_s16(delta);
  // Round half to even: add 2^(shift-1) - 1, plus 1 when the truncated quotient is odd.
  const v_int16 half = vx_setall_s16(static_cast<short>(shift > 0 ? (1 << (shift - 1)) - 1 : 0));
  const v_int16 one = vx_setall_s16(1);
  int e = 0;
  for (; e < n; e += v_int16::nlanes) {
    if (!last_vector(e, n, v_int16::nlanes)) break;
    v_int16 acc = d;
    for (int t = 0; t < taps; ++t)
      acc += v_mul_wrap(v_reinterpret_as_s16(vx_load_expand(src[t] + e)), vx_setall_s16(coeff[t]));
    if (s16_out) {
      v_store(static_cast<short*>(out) + e, acc);
      continue;
    }
    if (shift > 0) {
      const v_int16 odd = (acc >> shift) & one;
      acc = (acc + half + odd) >> shift;
    }
    v_pack_u_store(static_cast<uchar*>(out) + e, acc);
  }
  return e;
}

int correlate_u16(const ushort* const* src, const int* coeff, int taps, int delta, int shift, bool f32_out, void* out,
                  int n) {
  constexpr int L = v_uint16::nlanes;
  const v_int32 d = vx_setall_s32(delta);
  const v_int32 half = vx_setall_s32(shift > 0 ? (1 << (shift - 1)) - 1 : 0), one = vx_setall_s32(1);
  const v_float32 scale = vx_setall_f32(1.f / static_cast<float>(1 << shift));
  auto rounded = [&](const v_int32& acc) { return shift > 0 ? (acc + half + ((acc >> shift) & one)) >> shift : acc; };
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_int32 lo = d, hi = d;
    for (int t = 0; t < taps; ++t) {
      v_uint32 a, b;
      v_expand(vx_load(src[t] + e), a, b);
      const v_int32 c = vx_setall_s32(coeff[t]);
      lo += v_reinterpret_as_s32(a) * c;
      hi += v_reinterpret_as_s32(b) * c;
    }
    if (f32_out) {
      auto* dst = static_cast<float*>(out) + e;
      v_store(dst, v_cvt_f32(lo) * scale);
      v_store(dst + L / 2, v_cvt_f32(hi) * scale);
    } else {
      v_store(static_cast<ushort*>(out) + e, v_pack_u(rounded(lo), rounded(hi)));
    }
  }
  return e;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(CorrelateLoops, correlate_loops, {correlate, correlate_u16})
