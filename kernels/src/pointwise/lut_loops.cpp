// Vector loops of the 8-bit table-lookup row stage (lut_rows.cpp): a step (threshold) as a
// select, a LutProgram (invert, clamp, ...) as its few operations, any table with byte shuffles.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "pointwise/lut_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

int step(const uchar* src, uchar* dst, int n, uchar level, uchar low, uchar high) {
  const v_uint8 vlevel = vx_setall_u8(level), lo = vx_setall_u8(low), hi = vx_setall_u8(high);
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    v_store(dst + e, v_select(vx_load(src + e) > vlevel, hi, lo));
  }
  return e;
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

int program(const uchar* src, uchar* dst, int n, const LutProgram& p) {
  const v_uint8 lo = vx_setall_u8(p.lo), hi = vx_setall_u8(p.hi), flip = vx_setall_u8(p.flip);
  const v_uint8 add = vx_setall_u8(p.add), sub = vx_setall_u8(p.sub), level = vx_setall_u8(p.level);
  const v_uint8 keep_above = vx_setall_u8(p.keep_above), keep_below = vx_setall_u8(p.keep_below);
  int e = 0;
  for (; e < n; e += v_uint8::nlanes) {
    if (!last_vector(e, n, v_uint8::nlanes)) break;
    const v_uint8 x = vx_load(src + e);
    const v_uint8 y = ((v_min(v_max(x, lo), hi) ^ flip) + add) - sub;  // + and - saturate
    const v_uint8 above = x > level;
    v_store(dst + e, y & ((above & keep_above) | (~above & keep_below)));
  }
  return e;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(LutLoops, lut_loops, {step, lut, program})
