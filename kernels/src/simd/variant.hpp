// What a <name>_loops.cpp file sees (simd.hpp says how they are built): OpenCV's universal
// intrinsics at the level of the variant being compiled, `last_vector`, and
// TESSERA_SIMD_TABLE. Included first by the generated variant files, which define
// TESSERA_SIMD_VARIANT (the namespace: baseline, avx2 or avx512) and TESSERA_SIMD_LEVEL
// (0, 1, 2: the same order as tessera::SimdLevel).
#pragma once

#include "simd/simd.hpp"

#if !defined(TESSERA_SIMD_VARIANT) || !defined(TESSERA_SIMD_LEVEL)
#error "simd/variant.hpp is for the files tessera_simd_loops generates"
#endif

#if TESSERA_SIMD_LEVEL > 0
#if defined(__AVX2__) && (TESSERA_SIMD_LEVEL == 1 || defined(__AVX512BW__))
// Outside OpenCV's own build its headers enable SSE2 only, so the wider levels are declared the
// way OpenCV's dispatched sources get them (CV_CPU_DISPATCH_MODE puts the intrinsics in
// cv::hal_AVX2 or cv::hal_AVX512_SKX, apart from the baseline ones). At AVX512_SKX, vx_load and
// the v_uint8-style types are 512 bits wide.
#define CV_SSE3 1
#define CV_SSSE3 1
#define CV_SSE4_1 1
#define CV_SSE4_2 1
#define CV_POPCNT 1
#define CV_AVX 1
#define CV_FP16 1
#define CV_AVX2 1
#define CV_FMA3 1
#if TESSERA_SIMD_LEVEL == 1
#define CV_CPU_DISPATCH_MODE AVX2
#else
#define CV_CPU_DISPATCH_MODE AVX512_SKX
#define CV_AVX_512F 1
#define CV_AVX_512CD 1
#define CV_AVX512_SKX 1
#define CV_AVX_512VL 1
#define CV_AVX_512BW 1
#define CV_AVX_512DQ 1
#endif
#include <immintrin.h>
#define TESSERA_SIMD_ENABLED 1
#else
#define TESSERA_SIMD_ENABLED 0  // not an x86-64 build: only the baseline variant has loops
#endif
#else
#define TESSERA_SIMD_ENABLED 1
#endif

#if TESSERA_SIMD_ENABLED
#include <cstddef>
#include <utility>

#include <opencv2/core/hal/intrin.hpp>

namespace tessera::detail::TESSERA_SIMD_VARIANT {

using namespace cv;  // the universal intrinsics (v_uint16, vx_load, ...) live in cv

/// Loop control for a row of n elements, `lanes` at a time: the last vector is moved back to
/// end at n (recomputing a few elements, with the same result) instead of leaving a scalar
/// tail. False when the row is shorter than one vector (the scalar loop does it).
inline bool last_vector(int& e, int n, int lanes) {
  if (e > n - lanes) {
    if (n < lanes) return false;
    e = n - lanes;
  }
  return true;
}

template <class V, class F, std::size_t... I>
inline V lanes_from(F&& f, std::index_sequence<I...>) {
  return V(static_cast<typename V::lane_type>(f(static_cast<int>(I)))...);
}

/// A vector whose lane i is f(i), for lanes read one at a time: built in registers (OpenCV's
/// per-lane constructors: moves and inserts). Stores of the lanes to a stack array and one
/// vector load would stall on the failed store-to-load forward (bench_kernels: bilateral 2.5x
/// slower at AVX2 that way).
template <class V, class F>
inline V lanes_from(F&& f) {
  return lanes_from<V>(f, std::make_index_sequence<V::nlanes>());
}

/// table[idx[i]] for each lane: v_lut without the hardware gather it compiles to at AVX2 and
/// AVX-512 (vpgatherdd), which CPUs with the Gather Data Sampling microcode fix (Intel, 2023)
/// run several times slower than scalar loads.
template <class T>
inline auto lut_lanes(const T* table, const v_int32& idx) {
  using Vec = decltype(vx_load(table));
  constexpr int n = v_int32::nlanes;
  alignas(64) int at[n];
  v_store_aligned(at, idx);
  return lanes_from<Vec>([&](int i) { return table[at[i]]; });
}

}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

// TESSERA_SIMD_TABLE(Table, accessor, {loop, ...}) ends a loops file. `Table` is the family's
// struct of function pointers and `accessor` the function its header declares
// (`const Table& accessor();`); the initialiser names the loops, defined in this file in an
// unnamed namespace inside tessera::detail::TESSERA_SIMD_VARIANT. The AVX2 and AVX-512 builds
// publish their tables (nullptr where they are not built); the baseline build defines the
// accessor, which returns the table of the level in use (simd::active_level(), one relaxed load).
//
// TESSERA_SIMD_SKIP(Table, accessor), at the AVX2 or AVX-512 level, publishes no table instead:
// the level below is used there (a loop that is slower at that width).
#if TESSERA_SIMD_LEVEL > 0
#define TESSERA_SIMD_SKIP(Table, accessor)          \
  namespace tessera::detail::TESSERA_SIMD_VARIANT { \
  extern const Table* const accessor##_table;       \
  const Table* const accessor##_table = nullptr;    \
  }
#if TESSERA_SIMD_ENABLED
#define TESSERA_SIMD_TABLE(Table, accessor, ...)           \
  namespace tessera::detail::TESSERA_SIMD_VARIANT {        \
  namespace {                                              \
  const Table accessor##_loops = __VA_ARGS__;              \
  }                                                        \
  extern const Table* const accessor##_table;              \
  const Table* const accessor##_table = &accessor##_loops; \
  }
#else
#define TESSERA_SIMD_TABLE(Table, accessor, ...) TESSERA_SIMD_SKIP(Table, accessor)
#endif
#else
#define TESSERA_SIMD_TABLE(Table, accessor, ...)                                                            \
  namespace tessera::detail {                                                                               \
  namespace avx2 {                                                                                          \
  extern const Table* const accessor##_table;                                                               \
  }                                                                                                         \
  namespace avx512 {                                                                                        \
  extern const Table* const accessor##_table;                                                               \
  }                                                                                                         \
  namespace baseline {                                                                                      \
  namespace {                                                                                               \
  const Table accessor##_loops = __VA_ARGS__;                                                               \
  }                                                                                                         \
  }                                                                                                         \
  const Table& accessor() {                                                                                 \
    return simd::choose(avx512::accessor##_table, avx2::accessor##_table, baseline::accessor##_loops); \
  }                                                                                                         \
  }
#endif
