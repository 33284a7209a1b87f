// Vector loop of the 8-bit weighted sum (add_weighted_rows.cpp).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "arith/add_weighted_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int add_weighted(const uchar* a, const uchar* b, uchar* dst, int n, const float* w) {
#if CV_FMA3
  const v_float32 wa = vx_setall_f32(w[0]), wb = vx_setall_f32(w[1]), wg = vx_setall_f32(w[2]);
  // v_fma is one rounding (as OpenCV's dispatched code computes); four vectors of 32-bit
  // lanes per vector of bytes.
  auto weigh = [&](const v_uint32& x, const v_uint32& y) {
    return v_round(v_fma(v_cvt_f32(v_reinterpret_as_s32(x)), wa,
                         v_fma(v_cvt_f32(v_reinterpret_as_s32(y)), wb, wg)));
  };
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_uint16 a0, a1, b0, b1;
    v_expand(vx_load(a + e), a0, a1);
    v_expand(vx_load(b + e), b0, b1);
    v_uint32 a00, a01, a10, a11, b00, b01, b10, b11;
    v_expand(a0, a00, a01);
    v_expand(a1, a10, a11);
    v_expand(b0, b00, b01);
    v_expand(b1, b10, b11);
    const v_int16 lo = v_pack(weigh(a00, b00), weigh(a01, b01)), hi = v_pack(weigh(a10, b10), weigh(a11, b11));
    v_store(dst + e, v_pack_u(lo, hi));
  }
  return e;
#else
  (void)a, (void)b, (void)dst, (void)n, (void)w;
  return 0;
#endif
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(AddWeightedLoops, add_weighted_loops, {add_weighted})
