// Vector loops of the 8- and 16-bit Gaussian row stages (gaussian_rows.cpp).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "filters/gaussian_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

/// Mirrored pixels are added first (at most 510 * 128: still 16 bits), then the sum is
/// stored minus kGaussianBias.
int gaussian_h(const uchar* centre, short* dst, int n, int cn, const int* taps, int r) {
  if (r > kGaussianMaxSimdRadius) return 0;
  v_uint16 k[kGaussianMaxSimdRadius + 1];
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

#if TESSERA_SIMD_LEVEL == 2
/// AVX-512: as the AVX2 loop below, on 64 outputs a step. Lane-wise packing leaves each
/// 128-bit lane holding 8 of the first 32 outputs, then 8 of the last 32; one qword permute
/// puts them in order.
int gaussian_v(const short* const* rows, uchar* dst, int n, const int* taps, int count) {
  if (count > 2 * kGaussianMaxSimdRadius + 1) return 0;
  const int pairs = (count + 1) / 2;
  __m512i k[kGaussianMaxSimdRadius + 1];
  const short* r[2 * kGaussianMaxSimdRadius + 2];
  for (int p = 0; p < pairs; ++p) {
    const bool second = 2 * p + 1 < count;
    const unsigned k1 = second ? static_cast<unsigned>(taps[2 * p + 1]) : 0u;
    k[p] = _mm512_set1_epi32(static_cast<int>(static_cast<unsigned>(taps[2 * p]) | k1 << 16));
    r[2 * p] = rows[2 * p];
    r[2 * p + 1] = rows[second ? 2 * p + 1 : 2 * p];
  }
  const __m512i add = _mm512_set1_epi32(256 * kGaussianBias + (1 << 15));
  const __m512i order = _mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0);
  constexpr int kStep = 64;
  int e = 0;
  for (; e < n; e += kStep) {
    if (!last_vector(e, n, kStep)) break;
    __m512i lo0 = add, hi0 = add, lo1 = add, hi1 = add;
    for (int p = 0; p < pairs; ++p) {
      const __m512i a0 = _mm512_loadu_si512(r[2 * p] + e);
      const __m512i b0 = _mm512_loadu_si512(r[2 * p + 1] + e);
      const __m512i a1 = _mm512_loadu_si512(r[2 * p] + e + 32);
      const __m512i b1 = _mm512_loadu_si512(r[2 * p + 1] + e + 32);
      lo0 = _mm512_add_epi32(lo0, _mm512_madd_epi16(_mm512_unpacklo_epi16(a0, b0), k[p]));
      hi0 = _mm512_add_epi32(hi0, _mm512_madd_epi16(_mm512_unpackhi_epi16(a0, b0), k[p]));
      lo1 = _mm512_add_epi32(lo1, _mm512_madd_epi16(_mm512_unpacklo_epi16(a1, b1), k[p]));
      hi1 = _mm512_add_epi32(hi1, _mm512_madd_epi16(_mm512_unpackhi_epi16(a1, b1), k[p]));
    }
    const __m512i s0 = _mm512_packs_epi32(_mm512_srai_epi32(lo0, 16), _mm512_srai_epi32(hi0, 16));
    const __m512i s1 = _mm512_packs_epi32(_mm512_srai_epi32(lo1, 16), _mm512_srai_epi32(hi1, 16));
    _mm512_storeu_si512(dst + e, _mm512_permutexvar_epi64(order, _mm512_packus_epi16(s0, s1)));
  }
  return e;
}
#elif TESSERA_SIMD_LEVEL == 1
/// AVX2: two rows at a time, interleaved within each 128-bit lane (vpunpck{l,h}wd) and
/// multiply-added with the pair of taps (vpmaddwd); the last row of an odd count pairs with
/// itself under weight 0. Lane-wise interleaving leaves elements 0-3 and 8-11 in one sum and
/// 4-7 and 12-15 in the other, which the lane-wise packs put back in order, so the only
/// cross-lane step is one permute per 32 outputs (v_zip would spend two per row pair).
int gaussian_v(const short* const* rows, uchar* dst, int n, const int* taps, int count) {
  if (count > 2 * kGaussianMaxSimdRadius + 1) return 0;
  const int pairs = (count + 1) / 2;
  __m256i k[kGaussianMaxSimdRadius + 1];
  const short* r[2 * kGaussianMaxSimdRadius + 2];
  for (int p = 0; p < pairs; ++p) {
    const bool second = 2 * p + 1 < count;
    const unsigned k1 = second ? static_cast<unsigned>(taps[2 * p + 1]) : 0u;
    k[p] = _mm256_set1_epi32(static_cast<int>(static_cast<unsigned>(taps[2 * p]) | k1 << 16));
    r[2 * p] = rows[2 * p];
    r[2 * p + 1] = rows[second ? 2 * p + 1 : 2 * p];
  }
  const __m256i add = _mm256_set1_epi32(256 * kGaussianBias + (1 << 15));
  constexpr int kStep = 32;
  int e = 0;
  for (; e < n; e += kStep) {
    if (!last_vector(e, n, kStep)) break;
    __m256i lo0 = add, hi0 = add, lo1 = add, hi1 = add;
    for (int p = 0; p < pairs; ++p) {
      const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[2 * p] + e));
      const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[2 * p + 1] + e));
      const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[2 * p] + e + 16));
      const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[2 * p + 1] + e + 16));
      lo0 = _mm256_add_epi32(lo0, _mm256_madd_epi16(_mm256_unpacklo_epi16(a0, b0), k[p]));
      hi0 = _mm256_add_epi32(hi0, _mm256_madd_epi16(_mm256_unpackhi_epi16(a0, b0), k[p]));
      lo1 = _mm256_add_epi32(lo1, _mm256_madd_epi16(_mm256_unpacklo_epi16(a1, b1), k[p]));
      hi1 = _mm256_add_epi32(hi1, _mm256_madd_epi16(_mm256_unpackhi_epi16(a1, b1), k[p]));
    }
    const __m256i s0 = _mm256_packs_epi32(_mm256_srai_epi32(lo0, 16), _mm256_srai_epi32(hi0, 16));
    const __m256i s1 = _mm256_packs_epi32(_mm256_srai_epi32(lo1, 16), _mm256_srai_epi32(hi1, 16));
    const __m256i u = _mm256_permute4x64_epi64(_mm256_packus_epi16(s0, s1), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + e), u);
  }
  return e;
}
#else
/// Two rows at a time: zip them and multiply-add with the pair of taps (v_dotprod); the
/// last row of an odd count pairs with itself under weight 0.
int gaussian_v(const short* const* rows, uchar* dst, int n, const int* taps, int count) {
  if (count > 2 * kGaussianMaxSimdRadius + 1) return 0;
  const int pairs = (count + 1) / 2;
  v_int16 k[kGaussianMaxSimdRadius + 1];
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
#endif

/// 16-bit horizontal pass: an outer tap is at most 2^15, so tap * (two pixels) stays in 32 bits,
/// as does the whole sum (at most 65535 * 2^16).
int gaussian_h_u16(const ushort* centre, unsigned* dst, int n, int cn, const unsigned* taps, int r) {
  constexpr int L = v_uint32::nlanes;
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_uint32 acc = vx_load_expand(centre + e) * vx_setall_u32(taps[0]);
    for (int i = 1; i <= r; ++i)
      acc += (vx_load_expand(centre + e - i * cn) + vx_load_expand(centre + e + i * cn)) * vx_setall_u32(taps[i]);
    v_store(dst + e, acc);
  }
  return e;
}

/// 16-bit vertical pass in 32-bit lanes: each row value h = 2^16 hi + lo, and
/// (sum k h + 2^31) >> 32 = (sum k hi + (sum k lo >> 16) + 2^15) >> 16, where both sums fit
/// in 32 bits (the taps sum to 2^16, hi and lo are below 2^16) and so does the total (it is at
/// most sum k h / 2^16 + 2^15).
int gaussian_v_u16(const unsigned* const* rows, ushort* dst, int n, const unsigned* taps, int count) {
  constexpr int L = v_uint32::nlanes;
  const v_uint32 low = vx_setall_u32(0xFFFF), half = vx_setall_u32(1u << 15);
  int e = 0;
  for (; e < n; e += 2 * L) {
    if (!last_vector(e, n, 2 * L)) break;
    v_uint32 hi0 = vx_setzero_u32(), lo0 = hi0, hi1 = hi0, lo1 = hi0;
    for (int j = 0; j < count; ++j) {
      const v_uint32 k = vx_setall_u32(taps[j]);
      const v_uint32 a = vx_load(rows[j] + e), b = vx_load(rows[j] + e + L);
      hi0 += v_shr<16>(a) * k;
      lo0 += (a & low) * k;
      hi1 += v_shr<16>(b) * k;
      lo1 += (b & low) * k;
    }
    const v_uint32 r0 = v_shr<16>(hi0 + v_shr<16>(lo0) + half), r1 = v_shr<16>(hi1 + v_shr<16>(lo1) + half);
    v_store(dst + e, v_pack(r0, r1));
  }
  if (e == 0) {  // a row shorter than two vectors: one at a time
    for (; e < n; e += L) {
      if (!last_vector(e, n, L)) break;
      v_uint32 hi = vx_setzero_u32(), lo = hi;
      for (int j = 0; j < count; ++j) {
        const v_uint32 k = vx_setall_u32(taps[j]), a = vx_load(rows[j] + e);
        hi += v_shr<16>(a) * k;
        lo += (a & low) * k;
      }
      v_pack_store(dst + e, v_shr<16>(hi + v_shr<16>(lo) + half));
    }
  }
  return e;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(GaussianLoops, gaussian_loops, {gaussian_h, gaussian_v, gaussian_h_u16, gaussian_v_u16})
