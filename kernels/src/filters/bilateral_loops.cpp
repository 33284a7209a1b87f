// Vector loops of the 8-bit bilateral filter (Bilateral in bilateral.cpp): 2 float vectors of
// pixels a step, the colour weights gathered from the table.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "filters/bilateral_loops.hpp"

#include <cstring>

#if TESSERA_SIMD_ENABLED && TESSERA_SIMD_LEVEL != 2
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

/// v_uint32::nlanes bytes widened. At AVX2 and AVX-512 OpenCV's vx_load_expand_q (a vector
/// load); at the baseline, its SSE2 form does a 32-bit load of unaligned bytes (undefined
/// behaviour, which UBSan rejects), so the bytes go through memcpy. (At AVX2 a stack copy would
/// cost a failed store-to-load forward per load: 2.5x slower.)
inline v_uint32 load_expand_q(const uchar* p) {
#if TESSERA_SIMD_LEVEL > 0
  return vx_load_expand_q(p);
#else
  uchar bytes[v_uint16::nlanes] = {};
  std::memcpy(bytes, p, v_uint32::nlanes);
  return v_expand_low(vx_load_expand(bytes));
#endif
}

template <int CN>
int row_cn(const BilateralRow& r) {
  constexpr int L = v_float32::nlanes, step = 2 * L;
  int x = 0;
  for (; x < r.n; x += step) {
    if (!last_vector(x, r.n, step)) break;
    v_int32 centre[2][CN];
    v_float32 sum[2][CN], wsum[2];
    for (int h = 0; h < 2; ++h) {
      wsum[h] = vx_setzero_f32();
      for (int c = 0; c < CN; ++c) {
        centre[h][c] = v_reinterpret_as_s32(load_expand_q(r.centre[c] + x + h * L));
        sum[h][c] = vx_setzero_f32();
      }
    }
    for (int k = 0; k < r.taps; ++k) {
      const v_float32 sw = vx_setall_f32(r.space_w[k]);
      for (int h = 0; h < 2; ++h) {
        v_int32 v[CN];
        v_int32 d = vx_setzero_s32();
        for (int c = 0; c < CN; ++c) {
          v[c] = v_reinterpret_as_s32(load_expand_q(r.src[c][k] + x + h * L));
          d = d + v_reinterpret_as_s32(v_absdiff(v[c], centre[h][c]));
        }
        const v_float32 w = sw * lut_lanes(r.color_w, d);
        wsum[h] = wsum[h] + w;
        for (int c = 0; c < CN; ++c) sum[h][c] = sum[h][c] + v_cvt_f32(v[c]) * w;
      }
    }
    for (int c = 0; c < CN; ++c) {
      const v_int16 q = v_pack(v_round(sum[0][c] / wsum[0]), v_round(sum[1][c] / wsum[1]));
      if constexpr (CN == 1) {
        v_pack_u_store(r.dst + x, q);
      } else {
        uchar plane[step];
        v_pack_u_store(plane, q);
        for (int i = 0; i < step; ++i) r.dst[(x + i) * CN + c] = plane[i];
      }
    }
  }
  return x;
}

int row(const BilateralRow& r) { return r.cn == 1 ? row_cn<1>(r) : row_cn<3>(r); }

template <int CN>
int row_f32_cn(const BilateralRowF& r) {
  constexpr int L = v_float32::nlanes;
  const v_float32 inv_bin = vx_setall_f32(r.inv_bin), last = vx_setall_f32(static_cast<float>(r.bins));
  int x = 0;
  for (; x < r.n; x += L) {
    if (!last_vector(x, r.n, L)) break;
    v_float32 centre[CN], sum[CN], wsum = vx_setzero_f32();
    for (int c = 0; c < CN; ++c) {
      centre[c] = vx_load(r.centre[c] + x);
      sum[c] = vx_setzero_f32();
    }
    for (int k = 0; k < r.taps; ++k) {
      v_float32 v[CN];
      v_float32 d = vx_setzero_f32();
      for (int c = 0; c < CN; ++c) {
        v[c] = vx_load(r.src[c][k] + x);
        d = d + v_absdiff(v[c], centre[c]);
      }
      const v_float32 idx = v_min(d * inv_bin, last);  // NaN -> last (the second operand)
      const v_int32 i = v_floor(idx);
      const v_float32 f = idx - v_cvt_f32(i);
      const v_float32 t0 = lut_lanes(r.table, i), t1 = lut_lanes(r.table + 1, i);
      const v_float32 w = vx_setall_f32(r.space_w[k]) * (t0 + f * (t1 - t0));
      wsum = wsum + w;
      for (int c = 0; c < CN; ++c) sum[c] = sum[c] + v[c] * w;
    }
    if constexpr (CN == 1) {
      v_store(r.dst + x, sum[0] / wsum);
    } else {
      v_store_interleave(r.dst + 3 * x, sum[0] / wsum, sum[1] / wsum, sum[2] / wsum);
    }
  }
  return x;
}

int row_f32(const BilateralRowF& r) { return r.cn == 1 ? row_f32_cn<1>(r) : row_f32_cn<3>(r); }

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

#if TESSERA_SIMD_LEVEL == 2
// At 512 bits the lanes' table reads (16 scalar loads and inserts a vector) cost more than the
// wider arithmetic gains: 95 ms against AVX2's 70 in one run (bench_kernels, simd/bilateral).
// AVX2 runs there.
TESSERA_SIMD_SKIP(BilateralLoops, bilateral_loops)
#else
TESSERA_SIMD_TABLE(BilateralLoops, bilateral_loops, {row, row_f32})
#endif
