// Vector loops of the erosion and dilation row stages (rect_rows.cpp): minimum or maximum
// along a row and across rows, for u8, u16 and f32 elements, folded as v_min(so far, next)
// (the scalar tails in rect_rows.cpp fold alike: on floats, NaNs and tied signed zeros are
// resolved the same at every tile width and SIMD level, though not always as OpenCV).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "morphology/extreme_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

template <bool Max, class V>
inline V pick(const V& a, const V& b) {
  return Max ? v_max(a, b) : v_min(a, b);
}

template <bool Max, typename T>
int extreme_h_t(const T* src, T* dst, int n, int cn, int count) {
  using V = decltype(vx_load(src));
  int e = 0;
  for (; e < n; e += V::nlanes) {
    if (!last_vector(e, n, V::nlanes)) break;
    V m = vx_load(src + e);
    for (int i = 1; i < count; ++i) m = pick<Max>(m, vx_load(src + e + i * cn));
    v_store(dst + e, m);
  }
  return e;
}

template <bool Max, typename T>
int extreme_v_t(const T* const* rows, T* dst, int n, int count) {
  using V = decltype(vx_load(dst));
  int e = 0;
  for (; e < n; e += V::nlanes) {
    if (!last_vector(e, n, V::nlanes)) break;
    V m = vx_load(rows[0] + e);
    for (int j = 1; j < count; ++j) m = pick<Max>(m, vx_load(rows[j] + e));
    v_store(dst + e, m);
  }
  return e;
}

template <typename T>
int extreme_h(const T* src, T* dst, int n, int cn, int count, bool max) {
  return max ? extreme_h_t<true>(src, dst, n, cn, count) : extreme_h_t<false>(src, dst, n, cn, count);
}
template <typename T>
int extreme_v(const T* const* rows, T* dst, int n, int count, bool max) {
  return max ? extreme_v_t<true>(rows, dst, n, count) : extreme_v_t<false>(rows, dst, n, count);
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ExtremeLoops, extreme_loops,
                   {{extreme_h<uchar>, extreme_v<uchar>},
                    {extreme_h<ushort>, extreme_v<ushort>},
                    {extreme_h<float>, extreme_v<float>}})
