// Vector loops of float pyrdown (geometric.cpp): the same operations in the same order as the
// scalar loop, a vector of outputs at a time; the horizontal pass deinterleaves even and odd
// source pixels.
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

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(PyrLoops, pyr_loops, {h_c1, v})
