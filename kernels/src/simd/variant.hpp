// What a <name>_loops.cpp file sees (simd.hpp says how they are built): OpenCV's universal
// intrinsics at the level of the variant being compiled, `last_vector`, and
// TESSERA_SIMD_TABLE. Included first by the generated variant files, which define
// TESSERA_SIMD_VARIANT (the namespace: baseline or avx2) and TESSERA_SIMD_IS_AVX2.
#pragma once

#include "simd/simd.hpp"

#if !defined(TESSERA_SIMD_VARIANT) || !defined(TESSERA_SIMD_IS_AVX2)
#error "simd/variant.hpp is for the files tessera_simd_loops generates"
#endif

#if TESSERA_SIMD_IS_AVX2
#if defined(__AVX2__)
// Outside OpenCV's own build its headers enable SSE2 only, so the AVX2 level is declared the way
// OpenCV's dispatched sources get it (CV_CPU_DISPATCH_MODE puts the intrinsics in cv::hal_AVX2,
// apart from the baseline ones).
#define CV_CPU_DISPATCH_MODE AVX2
#define CV_SSE3 1
#define CV_SSSE3 1
#define CV_SSE4_1 1
#define CV_SSE4_2 1
#define CV_POPCNT 1
#define CV_AVX 1
#define CV_FP16 1
#define CV_AVX2 1
#define CV_FMA3 1
#include <immintrin.h>
#define TESSERA_SIMD_ENABLED 1
#else
#define TESSERA_SIMD_ENABLED 0  // not an x86-64 build: no AVX2 variant
#endif
#else
#define TESSERA_SIMD_ENABLED 1
#endif

#if TESSERA_SIMD_ENABLED
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

}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

// TESSERA_SIMD_TABLE(Table, accessor, {loop, ...}) ends a loops file. `Table` is the family's
// struct of function pointers and `accessor` the function its header declares
// (`const Table& accessor();`); the initialiser names the loops, defined in this file in an
// unnamed namespace inside tessera::detail::TESSERA_SIMD_VARIANT. The baseline build defines
// the accessor; the AVX2 build publishes its table (nullptr where it is not built).
#if TESSERA_SIMD_IS_AVX2 && TESSERA_SIMD_ENABLED
#define TESSERA_SIMD_TABLE(Table, accessor, ...)                 \
  namespace tessera::detail::avx2 {                              \
  namespace {                                                    \
  const Table accessor##_loops = __VA_ARGS__;                    \
  }                                                              \
  extern const Table* const accessor##_table;                    \
  const Table* const accessor##_table = &accessor##_loops;       \
  }
#elif TESSERA_SIMD_IS_AVX2
#define TESSERA_SIMD_TABLE(Table, accessor, ...) \
  namespace tessera::detail::avx2 {              \
  extern const Table* const accessor##_table;    \
  const Table* const accessor##_table = nullptr; \
  }
#else
#define TESSERA_SIMD_TABLE(Table, accessor, ...)                                                  \
  namespace tessera::detail {                                                                     \
  namespace avx2 {                                                                                \
  extern const Table* const accessor##_table;                                                     \
  }                                                                                               \
  namespace baseline {                                                                            \
  namespace {                                                                                     \
  const Table accessor##_loops = __VA_ARGS__;                                                     \
  }                                                                                               \
  }                                                                                               \
  const Table& accessor() {                                                                       \
    static const Table& chosen = simd::choose(avx2::accessor##_table, baseline::accessor##_loops); \
    return chosen;                                                                                \
  }                                                                                               \
  }
#endif
