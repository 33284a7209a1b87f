// Vector loops of the 8-bit erosion and dilation row stages (rect_rows.cpp): minimum or
// maximum along a row and across rows.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "morphology/extreme_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

template <bool Max>
inline v_uint8 pick(const v_uint8& a, const v_uint8& b) {
  return Max ? v_max(a, b) : v_min(a, b);
}

template <bool Max>
int extreme_h_t(const uchar* src, uchar* dst, int n, int cn, int count) {
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_uint8 m = vx_load(src + e);
    for (int i = 1; i < count; ++i) m = pick<Max>(m, vx_load(src + e + i * cn));
    v_store(dst + e, m);
  }
  return e;
}

template <bool Max>
int extreme_v_t(const uchar* const* rows, uchar* dst, int n, int count) {
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_uint8 m = vx_load(rows[0] + e);
    for (int j = 1; j < count; ++j) m = pick<Max>(m, vx_load(rows[j] + e));
    v_store(dst + e, m);
  }
  return e;
}

int extreme_h(const uchar* src, uchar* dst, int n, int cn, int count, bool max) {
  return max ? extreme_h_t<true>(src, dst, n, cn, count) : extreme_h_t<false>(src, dst, n, cn, count);
}
int extreme_v(const uchar* const* rows, uchar* dst, int n, int count, bool max) {
  return max ? extreme_v_t<true>(rows, dst, n, count) : extreme_v_t<false>(rows, dst, n, count);
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ExtremeLoops, extreme_loops, {extreme_h, extreme_v})
