// The row stages' vector loops for AVX2 (256-bit vectors). CMakeLists.txt compiles this file
// alone with -mavx2; row_simd() uses it only when the CPU has AVX2. Outside OpenCV's own
// build its headers enable SSE2 only, so the AVX2 level is declared here the way OpenCV's
// dispatched sources get it (CV_CPU_DISPATCH_MODE puts the intrinsics in cv::hal_AVX2,
// apart from the baseline ones).
#if defined(__AVX2__)
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

#define TESSERA_ROW_SIMD_VARIANT avx2
#include "simd/row_simd.hpp"

namespace tessera::detail::avx2 {
extern const RowSimd* const table_ptr = &table;
}
#else
#include "simd/row_simd.hpp"
namespace tessera::detail::avx2 {
extern const RowSimd* const table_ptr = nullptr;
}
#endif
