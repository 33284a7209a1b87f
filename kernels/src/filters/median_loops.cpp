// Vector loops of the 8-bit median row stage (median_rows.cpp): the sorting network of
// median_network.hpp on vectors of bytes, a min and a max per comparator.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "filters/median_loops.hpp"

#include "filters/median_network.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

template <int K>
int median_k(const uchar* const* rows, uchar* dst, int n, int cn) {
  static constexpr auto net = median_comparators<K>();
  static constexpr int slot = median_slot<K>();
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_uint8 v[K * K];
    for (int dy = 0; dy < K; ++dy)
      for (int dx = 0; dx < K; ++dx) v[dy * K + dx] = vx_load(rows[dy] + e + dx * cn);
#pragma GCC unroll 128
    for (std::size_t c = 0; c < net.size(); ++c) {
      const v_uint8 a = v[net[c].first], b = v[net[c].second];
      v[net[c].first] = v_min(a, b);
      v[net[c].second] = v_max(a, b);
    }
    v_store(dst + e, v[slot]);
  }
  return e;
}

int median(const uchar* const* rows, uchar* dst, int n, int cn, int k) {
  return k == 3 ? median_k<3>(rows, dst, n, cn) : k == 5 ? median_k<5>(rows, dst, n, cn) : 0;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(MedianLoops, median_loops, {median})
