// The vectorised loops of the row stages, written once with OpenCV's universal intrinsics and
// compiled twice: for the baseline (SSE2, 128-bit vectors, row_simd_baseline.cpp) and for
// AVX2 (256-bit vectors, row_simd_avx2.cpp); row_simd() picks one at run time. Each loop
// does the whole row whole vectors at a time (the last one moved back to end at the row's
// end) and returns n, or 0 for a row shorter than a vector: the stage then runs its scalar
// loop (the same arithmetic; see the stage's file for why it is OpenCV's).
#pragma once

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// Gaussian (row_gaussian.cpp): taps beyond this many per side run the scalar loops.
constexpr int kRowSimdMaxRadius = 31;
/// Gaussian horizontal sums are stored as h - kGaussianBias, in signed 16 bits.
constexpr int kGaussianBias = 1 << 15;

struct RowSimd {
  /// Gaussian horizontal pass; `centre` is the input at the first output element; taps[0..r]
  /// from the centre outwards.
  int (*gaussian_h)(const uchar* centre, short* dst, int n, int cn, const int* taps, int r);
  /// Gaussian vertical pass over `count` rows with taps[0..count).
  int (*gaussian_v)(const short* const* rows, uchar* dst, int n, const int* taps, int count);
  /// sobel_mag; each row pointer is at the element left of the first output.
  int (*sobel_mag)(const uchar* up, const uchar* mid, const uchar* down, uchar* dst, int n, int cn);
  /// dst = src > level ? high : low.
  int (*step)(const uchar* src, uchar* dst, int n, uchar level, uchar low, uchar high);
  /// dst = saturate(round(fma(a, w[0], fma(b, w[1], w[2])))) in float; only where the
  /// vectors have a fused multiply-add (0 elsewhere: the scalar loop's std::fma is exact).
  int (*add_weighted)(const uchar* a, const uchar* b, uchar* dst, int n, const float* w);
  /// dst = table[src] (256 entries); only with byte shuffles (AVX2), 0 elsewhere.
  int (*lut)(const uchar* src, uchar* dst, int n, const uchar* table);
  /// Erosion / dilation along a row: dst[e] = min (max) of src[e + i*cn], i in [0, count).
  int (*extreme_h)(const uchar* src, uchar* dst, int n, int cn, int count, bool max);
  /// Across rows: dst[e] = min (max) of rows[j][e], j in [0, count).
  int (*extreme_v)(const uchar* const* rows, uchar* dst, int n, int count, bool max);
};

/// The AVX2 loops when the CPU has AVX2, else the baseline ones.
const RowSimd& row_simd();

}  // namespace tessera::detail

// ---- the loops, for the variant files only ---------------------------------------------
#ifdef TESSERA_ROW_SIMD_VARIANT
#include <opencv2/core/hal/intrin.hpp>

namespace tessera::detail::TESSERA_ROW_SIMD_VARIANT {

using namespace cv;  // the universal intrinsics (v_uint16, vx_load, ...) live in cv

/// Loop control for a row of n elements, `lanes` at a time: the last vector is moved back
/// to end at n (recomputing a few elements, with the same result) instead of leaving a
/// scalar tail. False when the row is shorter than one vector (the scalar loop does it).
inline bool last_vector(int& e, int n, int lanes) {
  if (e > n - lanes) {
    if (n < lanes) return false;
    e = n - lanes;
  }
  return true;
}

/// Mirrored pixels are added first (at most 510 * 128: still 16 bits), then the sum is
/// stored minus kGaussianBias.
int gaussian_h(const uchar* centre, short* dst, int n, int cn, const int* taps, int r) {
  if (r > kRowSimdMaxRadius) return 0;
  v_uint16 k[kRowSimdMaxRadius + 1];
  for (int i = 0; i <= r; ++i) k[i] = vx_setall_u16(static_cast<ushort>(taps[i]));
  const v_uint16 bias = vx_setall_u16(kGaussianBias);
  int e = 0;
  for (; e < n; e += v_uint16::nlanes) {
    if (!last_vector(e, n, v_uint16::nlanes)) break;
    v_uint16 acc = v_mul_wrap(vx_load_expand(centre + e), k[0]);
    for (int i = 1; i <= r; ++i)
      acc += v_mul_wrap(vx_load_expand(centre + e - i * cn) + vx_load_expand(centre + e + i * cn), k[i]);
    v_store(dst + e, v_reinterpret_as_s16(acc ^ bias));
  }
  return e;
}

/// Two rows at a time: zip them and multiply-add with the pair of taps (v_dotprod); the
/// last row of an odd count pairs with itself under weight 0.
int gaussian_v(const short* const* rows, uchar* dst, int n, const int* taps, int count) {
  if (count > 2 * kRowSimdMaxRadius + 1) return 0;
  const int pairs = (count + 1) / 2;
  v_int16 k[kRowSimdMaxRadius + 1];
  for (int p = 0; p < pairs; ++p) {
    const unsigned k1 = 2 * p + 1 < count ? static_cast<unsigned>(taps[2 * p + 1]) : 0u;
    k[p] = v_reinterpret_as_s16(vx_setall_u32(static_cast<unsigned>(taps[2 * p]) | k1 << 16));
  }
  const v_int32 add = vx_setall_s32(256 * kGaussianBias + (1 << 15));
  int e = 0;
  for (; e < n; e += v_int16::nlanes) {
    if (!last_vector(e, n, v_int16::nlanes)) break;
    v_int32 lo = add, hi = add;
    for (int p = 0; p < pairs; ++p) {
      const short* second = rows[2 * p + 1 < count ? 2 * p + 1 : 2 * p];
      v_int16 z0, z1;
      v_zip(vx_load(rows[2 * p] + e), vx_load(second + e), z0, z1);
      lo += v_dotprod(z0, k[p]);
      hi += v_dotprod(z1, k[p]);
    }
    v_pack_u_store(dst + e, v_pack(v_shr<16>(lo), v_shr<16>(hi)));
  }
  return e;
}

int sobel_mag(const uchar* up, const uchar* mid, const uchar* down, uchar* dst, int n, int cn) {
  const int c2 = 2 * cn;
  const v_int16 max8 = vx_setall_s16(255);
  const v_uint16 one = vx_setall_u16(1);
  auto load = [](const uchar* p) { return v_reinterpret_as_s16(vx_load_expand(p)); };
  int e = 0;
  for (; e < n; e += v_int16::nlanes) {
    if (!last_vector(e, n, v_int16::nlanes)) break;
    const v_int16 ul = load(up + e), uc = load(up + e + cn), ur = load(up + e + c2);
    const v_int16 ml = load(mid + e), mr = load(mid + e + c2);
    const v_int16 dl = load(down + e), dc = load(down + e + cn), dr = load(down + e + c2);
    const v_int16 gx = (ur - ul) + v_shl<1>(mr - ml) + (dr - dl);
    const v_int16 gy = (dl + v_shl<1>(dc) + dr) - (ul + v_shl<1>(uc) + ur);
    const v_uint16 ax = v_reinterpret_as_u16(v_min(v_reinterpret_as_s16(v_abs(gx)), max8));
    const v_uint16 ay = v_reinterpret_as_u16(v_min(v_reinterpret_as_s16(v_abs(gy)), max8));
    const v_uint16 s = ax + ay, q = v_shr<1>(s);
    v_pack_store(dst + e, q + (s & q & one));  // s / 2, half to even
  }
  return e;
}

int step(const uchar* src, uchar* dst, int n, uchar level, uchar low, uchar high) {
  const v_uint8 vlevel = vx_setall_u8(level), lo = vx_setall_u8(low), hi = vx_setall_u8(high);
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_store(dst + e, v_select(vx_load(src + e) > vlevel, hi, lo));
  }
  return e;
}

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

/// 16 byte shuffles, one per 16-entry slice of the table; each result kept where the
/// source's high nibble selects that slice.
int lut(const uchar* src, uchar* dst, int n, const uchar* table) {
#if CV_AVX2
  __m256i slices[16];
  for (int t = 0; t < 16; ++t)
    slices[t] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * t)));
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  int e = 0;
  for (; e < n; e += 32) {
    if (!last_vector(e, n, 32)) break;
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + e));
    const __m256i lo = _mm256_and_si256(x, nibble), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
    __m256i r = _mm256_setzero_si256();
    for (int t = 0; t < 16; ++t) {
      const __m256i pick = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(static_cast<char>(t)));
      r = _mm256_or_si256(r, _mm256_and_si256(pick, _mm256_shuffle_epi8(slices[t], lo)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + e), r);
  }
  return e;
#else
  (void)src, (void)dst, (void)n, (void)table;
  return 0;
#endif
}

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

const RowSimd table{gaussian_h, gaussian_v, sobel_mag, step, add_weighted, lut, extreme_h, extreme_v};

}  // namespace tessera::detail::TESSERA_ROW_SIMD_VARIANT
#endif  // TESSERA_ROW_SIMD_VARIANT
