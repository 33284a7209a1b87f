// Vector loops of the float correlation row stages (correlate_f32_rows.cpp). Four vectors at a
// time where the row is long enough: each output is a chain of dependent multiply-adds, and
// four chains keep the FMA units busy. Compiled once per vector variant by tessera_simd_loops
// (kernels/CMakeLists.txt, simd/simd.hpp), never on its own.
#include "common/correlate_f32_loops.hpp"

#include <algorithm>
#include <type_traits>

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

constexpr int L = v_float32::nlanes;

#if CV_FMA3 || CV_AVX512_SKX
constexpr bool kHasFma = true;
#else
constexpr bool kHasFma = false;
#endif

/// a * b + c: one rounding (Fused) or two. A build without FMA has no fused form.
template <bool Fused>
inline v_float32 mad(const v_float32& a, const v_float32& b, const v_float32& c) {
  static_assert(!Fused || kHasFma, "no fused multiply-add in this build");
  if constexpr (Fused)
    return v_fma(a, b, c);
  else
    return a * b + c;
}

/// Runs `one(e, U)` over the row: blocks of 4 vectors, then single vectors, the last one
/// moved back to end at n. Returns the elements done.
template <class F>
inline int over_row(int n, F&& one) {
  int e = 0;
  for (; e + 4 * L <= n; e += 4 * L) one(e, std::integral_constant<int, 4>());
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    one(e, std::integral_constant<int, 1>());
  }
  return e;
}

template <bool Fused>
int row_impl(const float* src, float* dst, int n, int cn, const float* k, int taps) {
  return over_row(n, [&](int e, auto u) {
    constexpr int U = decltype(u)::value;
    v_float32 s[U];
    for (int j = 0; j < U; ++j) s[j] = vx_setzero_f32();
    for (int t = 0; t < taps; ++t) {
      const v_float32 kt = vx_setall_f32(k[t]);
      const float* p = src + e + t * cn;
      for (int j = 0; j < U; ++j) s[j] = mad<Fused>(vx_load(p + j * L), kt, s[j]);
    }
    for (int j = 0; j < U; ++j) v_store(dst + e + j * L, s[j]);
  });
}

template <bool Fused>
int column_impl(const float* const* rows, float* dst, int n, const float* k, int r, int symmetry) {
  const float* const* c = rows + r;
  return over_row(n, [&](int e, auto u) {
    constexpr int U = decltype(u)::value;
    v_float32 s[U];
    for (int j = 0; j < U; ++j) s[j] = vx_setzero_f32();
    if (symmetry > 0) {
      const v_float32 k0 = vx_setall_f32(k[0]);
      for (int j = 0; j < U; ++j) s[j] = mad<Fused>(k0, vx_load(c[0] + e + j * L), s[j]);
    }
    for (int i = 1; i <= r; ++i) {
      const v_float32 ki = vx_setall_f32(k[i]);
      for (int j = 0; j < U; ++j) {
        const v_float32 below = vx_load(c[i] + e + j * L), above = vx_load(c[-i] + e + j * L);
        s[j] = mad<Fused>(ki, symmetry > 0 ? below + above : below - above, s[j]);
      }
    }
    for (int j = 0; j < U; ++j) v_store(dst + e + j * L, s[j]);
  });
}

template <bool Fused>
int taps_impl(const float* const* src, float* dst, int n, const float* k, int taps, float delta) {
  return over_row(n, [&](int e, auto u) {
    constexpr int U = decltype(u)::value;
    v_float32 s[U];
    for (int j = 0; j < U; ++j) s[j] = vx_setall_f32(delta);
    for (int t = 0; t < taps; ++t) {
      const v_float32 kt = vx_setall_f32(k[t]);
      for (int j = 0; j < U; ++j) s[j] = mad<Fused>(kt, vx_load(src[t] + e + j * L), s[j]);
    }
    for (int j = 0; j < U; ++j) v_store(dst + e + j * L, s[j]);
  });
}

int interleave(const float* a, const float* b, float* dst, int n) {
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_store_interleave(dst + 2 * e, vx_load(a + e), vx_load(b + e));
  }
  return e;
}

template <bool Fused>
int column2_impl(const float* const* rows, float* dst, int n, const float* ka, int ra, int sa, const float* kb, int rb,
                 int sb) {
  const float* const* c = rows + std::max(ra, rb);
  const v_float32 zero = vx_setzero_f32();
  int e = 0;
  for (; e < n; e += L) {
    if (!last_vector(e, n, L)) break;
    v_float32 x0, x1;
    v_load_deinterleave(c[0] + 2 * e, x0, x1);
    v_float32 s0 = sa > 0 ? mad<Fused>(vx_setall_f32(ka[0]), x0, zero) : zero;
    v_float32 s1 = sb > 0 ? mad<Fused>(vx_setall_f32(kb[0]), x1, zero) : zero;
    for (int i = 1; i <= std::max(ra, rb); ++i) {
      v_float32 b0, b1, a0, a1;
      v_load_deinterleave(c[i] + 2 * e, b0, b1);
      v_load_deinterleave(c[-i] + 2 * e, a0, a1);
      if (i <= ra) s0 = mad<Fused>(vx_setall_f32(ka[i]), sa > 0 ? b0 + a0 : b0 - a0, s0);
      if (i <= rb) s1 = mad<Fused>(vx_setall_f32(kb[i]), sb > 0 ? b1 + a1 : b1 - a1, s1);
    }
    v_store(dst + e, s0 + s1);
  }
  return e;
}

/// f(std::true_type()) for fused multiply-adds where this build has them (0 elements done where
/// it has not: the scalar loop does the row), f(std::false_type()) for separate ones.
template <class F>
int by_rounding(bool fused, F&& f) {
  if (!fused) return f(std::false_type());
  if constexpr (kHasFma) return f(std::true_type());
  else return 0;
}

int row(const float* src, float* dst, int n, int cn, const float* k, int taps, bool fused) {
  return by_rounding(fused, [&](auto f) { return row_impl<decltype(f)::value>(src, dst, n, cn, k, taps); });
}

int column(const float* const* rows, float* dst, int n, const float* k, int r, int symmetry, bool fused) {
  return by_rounding(fused, [&](auto f) { return column_impl<decltype(f)::value>(rows, dst, n, k, r, symmetry); });
}

int taps(const float* const* src, float* dst, int n, const float* k, int count, float delta, bool fused) {
  return by_rounding(fused, [&](auto f) { return taps_impl<decltype(f)::value>(src, dst, n, k, count, delta); });
}

int column2(const float* const* rows, float* dst, int n, const float* ka, int ra, int sa, const float* kb, int rb,
            int sb, bool fused) {
  return by_rounding(fused,
                     [&](auto f) { return column2_impl<decltype(f)::value>(rows, dst, n, ka, ra, sa, kb, rb, sb); });
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(FloatCorrelateLoops, float_correlate_loops, {row, column, taps, interleave, column2})
