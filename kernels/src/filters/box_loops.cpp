// Vector loops of the 8-bit box-filter row stages (box_rows.cpp).
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

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(BoxLoops, box_loops, {box_h, box_v})
