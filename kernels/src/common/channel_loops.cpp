// Vector loops of channel_loops.hpp: OpenCV's v_load_deinterleave / v_store_interleave.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "common/channel_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

template <class T>
int split(const T* src, T* const* p, int cn, int n) {
  using V = decltype(vx_load(src));
  constexpr int L = V::nlanes;
  if (cn < 2 || cn > 4) return 0;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    V a, b, c, d;
    if (cn == 2)
      v_load_deinterleave(src + 2 * x, a, b);
    else if (cn == 3)
      v_load_deinterleave(src + 3 * x, a, b, c);
    else
      v_load_deinterleave(src + 4 * x, a, b, c, d);
    v_store(p[0] + x, a);
    v_store(p[1] + x, b);
    if (cn > 2) v_store(p[2] + x, c);
    if (cn > 3) v_store(p[3] + x, d);
  }
  return x;
}

template <class T>
int merge(const T* const* p, T* dst, int cn, int n) {
  using V = decltype(vx_load(dst));
  constexpr int L = V::nlanes;
  if (cn < 2 || cn > 4) return 0;
  int x = 0;
  for (; x < n; x += L) {
    if (!last_vector(x, n, L)) break;
    const V a = vx_load(p[0] + x), b = vx_load(p[1] + x);
    if (cn == 2)
      v_store_interleave(dst + 2 * x, a, b);
    else if (cn == 3)
      v_store_interleave(dst + 3 * x, a, b, vx_load(p[2] + x));
    else
      v_store_interleave(dst + 4 * x, a, b, vx_load(p[2] + x), vx_load(p[3] + x));
  }
  return x;
}

int split_u8(const uchar* s, uchar* const* p, int cn, int n) { return split(s, p, cn, n); }
int split_u16(const ushort* s, ushort* const* p, int cn, int n) { return split(s, p, cn, n); }
int split_f32(const float* s, float* const* p, int cn, int n) { return split(s, p, cn, n); }
int merge_u8(const uchar* const* p, uchar* d, int cn, int n) { return merge(p, d, cn, n); }
int merge_u16(const ushort* const* p, ushort* d, int cn, int n) { return merge(p, d, cn, n); }
int merge_f32(const float* const* p, float* d, int cn, int n) { return merge(p, d, cn, n); }

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ChannelLoops, channel_loops, {split_u8, split_u16, split_f32, merge_u8, merge_u16, merge_f32})
