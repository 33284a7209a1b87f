// Vector loops of the 8-bit integer correlation row stage (correlate_rows.cpp).
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

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(CorrelateLoops, correlate_loops, {correlate})
