// Vector loops of linear resize (resize.cpp). 8 bits: the horizontal pass gathers each output's
// two neighbouring bytes as a pair and takes a 16-bit dot product with its weights; the
// vertical pass is OpenCV's own 16-bit arithmetic. u16 and f32: the scalar loops' float
// operations a vector at a time.
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "geometric/resize_loops.hpp"

#include <cstring>
#include <type_traits>

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

/// Each output's two neighbouring bytes, a pair in a 16-bit lane read one lane at a time.
int h_linear_c1(const uchar* src, const int* ofs, const short* alpha, int* dst, int n) {
  constexpr int step = v_uint16::nlanes;  // outputs a step: one byte pair each
  int i = 0;
  for (; i < n; i += step) {
    if (!last_vector(i, n, step)) break;
    const v_uint16 pairs = lanes_from<v_uint16>([&](int k) {
      ushort pair;
      std::memcpy(&pair, src + ofs[i + k], 2);  // (OpenCV's vx_lut_pairs reads it as a misaligned short: UB)
      return pair;
    });
    v_uint16 lo, hi;
    v_expand(v_reinterpret_as_u8(pairs), lo, hi);
    v_store(dst + i, v_dotprod(v_reinterpret_as_s16(lo), vx_load(alpha + 2 * i)));
    v_store(dst + i + v_int32::nlanes, v_dotprod(v_reinterpret_as_s16(hi), vx_load(alpha + 2 * i + v_int16::nlanes)));
  }
  return i;
}

/// Per pixel a 64-bit lane: its two tap pixels' first 4 bytes (3 channels: two 32-bit reads 3
/// bytes apart; 4: one 64-bit read), interleaved into 4 byte pairs, each dot-multiplied with
/// the pixel's weights: 4 ints a pixel, of which the 3-channel loop keeps 3 (v_pack_triplets).
template <int CN>
int h_linear_px_cn(const uchar* src, const int* ofs, const short* alpha4, int* dst, int n) {
  constexpr int step = v_uint64::nlanes, half = step / 2;  // pixels a step
  int i = 0;
  for (; i < n; i += step) {
    if (!last_vector(i, n, step)) break;
    const v_uint64 px = lanes_from<v_uint64>([&](int k) {
      const uchar* p = src + ofs[i + k] * CN;
      uint64 v;
      if constexpr (CN == 4) {
        std::memcpy(&v, p, 8);
      } else {
        unsigned a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + 3, 4);
        v = a | static_cast<uint64>(b) << 32;
      }
      return v;
    });
    v_uint16 lo, hi;
    v_expand(v_interleave_quads(v_reinterpret_as_u8(px)), lo, hi);
    const v_int32 s0 = v_dotprod(v_reinterpret_as_s16(lo), vx_load(alpha4 + 8 * i));
    const v_int32 s1 = v_dotprod(v_reinterpret_as_s16(hi), vx_load(alpha4 + 8 * i + v_int16::nlanes));
    if constexpr (CN == 4) {
      v_store(dst + 4 * i, s0);
      v_store(dst + 4 * i + 4 * half, s1);
    } else {
      v_store(dst + 3 * i, v_pack_triplets(s0));
      v_store(dst + 3 * i + 3 * half, v_pack_triplets(s1));
    }
  }
  return i;
}

int h_linear_px(const uchar* src, const int* ofs, const short* alpha4, int* dst, int n, int cn) {
  if (v_uint64::nlanes < 2) return 0;
  switch (cn) {
    case 3: return h_linear_px_cn<3>(src, ofs, alpha4, dst, n);
    case 4: return h_linear_px_cn<4>(src, ofs, alpha4, dst, n);
    default: return 0;
  }
}

int v_linear_u8(const int* r0, const int* r1, short b0, short b1, uchar* dst, int n) {
  constexpr int L = v_int32::nlanes, step = v_int16::nlanes;
  const v_int16 vb0 = vx_setall_s16(b0), vb1 = vx_setall_s16(b1);
  int e = 0;
  for (; e < n; e += step) {
    if (!last_vector(e, n, step)) break;
    const v_int16 s0 = v_pack(vx_load(r0 + e) >> 4, vx_load(r0 + e + L) >> 4);
    const v_int16 s1 = v_pack(vx_load(r1 + e) >> 4, vx_load(r1 + e + L) >> 4);
    v_rshr_pack_u_store<2>(dst + e, v_mul_hi(s0, vb0) + v_mul_hi(s1, vb1));
  }
  return e;
}

int v2_f32(const float* r0, const float* r1, float w0, float w1, float* dst, int n) {
  constexpr int L = v_float32::nlanes;
  const v_float32 a = vx_setall_f32(w0), b = vx_setall_f32(w1);
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_store(dst + e, vx_load(r0 + e) * a + vx_load(r1 + e) * b);
  }
  return e;
}

/// 16 floats from src + at: two 8-lane halves for u16 (widened), one load for f32.
#if CV_AVX512_SKX
inline __m512 load_f32x16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load_f32x16(const ushort* p) {
  return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
}
#endif

/// The tap values of elements [e, e + 16) where all of them lie in the 32 source elements from
/// their first tap (AVX-512: two loads and a permute each, instead of 32 lanes read one at a
/// time); false where they do not (downscales past 1/2, the row's end).
template <typename T>
inline bool window_taps(const T* src, int len, const FloatTaps& t, int e, v_float32& a, v_float32& b) {
#if CV_AVX512_SKX
  const __m512i o0 = _mm512_loadu_si512(t.ofs0 + e), o1 = _mm512_loadu_si512(t.ofs1 + e);
  const int base = _mm512_reduce_min_epi32(_mm512_min_epi32(o0, o1));
  if (base + 32 > len || _mm512_reduce_max_epi32(_mm512_max_epi32(o0, o1)) - base >= 32) return false;
  const __m512 lo = load_f32x16(src + base), hi = load_f32x16(src + base + 16);
  const __m512i shift = _mm512_set1_epi32(base);
  a = v_float32(_mm512_permutex2var_ps(lo, _mm512_sub_epi32(o0, shift), hi));
  b = v_float32(_mm512_permutex2var_ps(lo, _mm512_sub_epi32(o1, shift), hi));
  return true;
#else
  (void)src, (void)len, (void)t, (void)e, (void)a, (void)b;
  return false;
#endif
}

/// The tap values through window_taps where they fit, else read one lane at a time
/// (lanes_from); then the weights a vector at a time.
template <typename T>
int h_linear_f(const T* src, int len, const FloatTaps& t, float* dst, int n) {
  constexpr int L = v_float32::nlanes;
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_float32 a, b;
    if (!window_taps(src, len, t, e, a, b)) {
      a = lanes_from<v_float32>([&](int k) { return static_cast<float>(src[t.ofs0[e + k]]); });
      b = lanes_from<v_float32>([&](int k) { return static_cast<float>(src[t.ofs1[e + k]]); });
    }
    const v_float32 first = a * vx_load(t.w0 + e);
    const v_float32 two = v_reinterpret_as_f32(vx_load(t.two + e));
    v_store(dst + e, v_select(two, first + b * vx_load(t.w1 + e), first));
  }
  return e;
}

int h_linear_f32(const float* src, int len, const FloatTaps& t, float* dst, int n) {
  return h_linear_f(src, len, t, dst, n);
}
int h_linear_u16(const ushort* src, int len, const FloatTaps& t, float* dst, int n) {
  return h_linear_f(src, len, t, dst, n);
}

int v2_u16(const float* r0, const float* r1, float w0, float w1, ushort* dst, int n) {
  constexpr int L = v_float32::nlanes, step = v_uint16::nlanes;
  const v_float32 a = vx_setall_f32(w0), b = vx_setall_f32(w1);
  int e = 0;
  for (; e < n; e += step) {
    if (!last_vector(e, n, step)) break;
    const v_int32 lo = v_round(vx_load(r0 + e) * a + vx_load(r1 + e) * b);
    const v_int32 hi = v_round(vx_load(r0 + e + L) * a + vx_load(r1 + e + L) * b);
    v_store(dst + e, v_pack_u(lo, hi));
  }
  return e;
}

/// `Unit` is one pixel (uchar: 1 channel, unsigned: 4): the even and odd pixels of each row are
/// deinterleaved, then summed channel by channel as bytes widened to 16 bits.
template <typename Unit>
int area2_units(const uchar* s0, const uchar* s1, uchar* dst, int n) {
  using V = std::conditional_t<std::is_same_v<Unit, uchar>, v_uint8, v_uint32>;
  constexpr int step = V::nlanes;  // output pixels a step
  int i = 0;
  for (; i < n; i += step) {
    if (!last_vector(i, n, step)) break;
    V a0, b0, a1, b1;
    v_load_deinterleave(reinterpret_cast<const Unit*>(s0) + 2 * i, a0, b0);
    v_load_deinterleave(reinterpret_cast<const Unit*>(s1) + 2 * i, a1, b1);
    v_uint16 lo[4], hi[4];
    v_expand(v_reinterpret_as_u8(a0), lo[0], hi[0]);
    v_expand(v_reinterpret_as_u8(b0), lo[1], hi[1]);
    v_expand(v_reinterpret_as_u8(a1), lo[2], hi[2]);
    v_expand(v_reinterpret_as_u8(b1), lo[3], hi[3]);
    const v_uint16 sum_lo = (lo[0] + lo[1]) + (lo[2] + lo[3]), sum_hi = (hi[0] + hi[1]) + (hi[2] + hi[3]);
    v_store(dst + i * static_cast<int>(sizeof(Unit)), v_rshr_pack<2>(sum_lo, sum_hi));
  }
  return i;
}

/// Sums of each even and odd byte of x (its 16-bit lanes' two halves).
inline v_uint16 pair_sums(const v_uint8& x) {
  const v_uint16 w = v_reinterpret_as_u16(x);
  return (w & vx_setall_u16(0xFF)) + (w >> 8);
}

/// Three channels: 2 x nlanes source pixels of each row deinterleaved into planes; each plane's
/// neighbouring pixels summed as the two bytes of a 16-bit lane.
int area2_c3(const uchar* s0, const uchar* s1, uchar* dst, int n) {
  constexpr int L = v_uint8::nlanes;  // output pixels a step
  int i = 0;
  for (; i < n; i += L) {
    if (!last_vector(i, n, L)) break;
    v_uint16 sums[2][3];  // [half][channel]
    for (int half = 0; half < 2; ++half) {
      v_uint8 a[3], b[3];
      v_load_deinterleave(s0 + 6 * i + 3 * L * half, a[0], a[1], a[2]);
      v_load_deinterleave(s1 + 6 * i + 3 * L * half, b[0], b[1], b[2]);
      for (int c = 0; c < 3; ++c) sums[half][c] = pair_sums(a[c]) + pair_sums(b[c]);
    }
    v_store_interleave(dst + 3 * i, v_rshr_pack<2>(sums[0][0], sums[1][0]), v_rshr_pack<2>(sums[0][1], sums[1][1]),
                       v_rshr_pack<2>(sums[0][2], sums[1][2]));
  }
  return i;
}

int area2_u8(const uchar* s0, const uchar* s1, uchar* dst, int n, int cn) {
  switch (cn) {
    case 1: return area2_units<uchar>(s0, s1, dst, n);
    case 3: return area2_c3(s0, s1, dst, n);
    case 4: return area2_units<unsigned>(s0, s1, dst, n);
    default: return 0;
  }
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(ResizeLoops, resize_loops, {h_linear_c1, h_linear_px, v_linear_u8, v2_f32, v2_u16, h_linear_f32, h_linear_u16, area2_u8})
