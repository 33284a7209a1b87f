// The row stages' vector loops for the baseline instruction set (SSE2 on x86-64), and the
// run-time choice between them and the AVX2 ones (row_simd.hpp).
#include <opencv2/core/utility.hpp>

#define TESSERA_ROW_SIMD_VARIANT baseline
#include "simd/row_simd.hpp"

namespace tessera::detail {

namespace avx2 {
extern const RowSimd* const table_ptr;  // row_simd_avx2.cpp; nullptr where not built
}

const RowSimd& row_simd() {
  // Every feature row_simd_avx2.cpp is compiled for (CMakeLists.txt), not AVX2 alone.
  static const bool avx2 = avx2::table_ptr && cv::checkHardwareSupport(CV_CPU_AVX2) &&
                           cv::checkHardwareSupport(CV_CPU_FMA3) && cv::checkHardwareSupport(CV_CPU_FP16) &&
                           cv::checkHardwareSupport(CV_CPU_POPCNT) && cv::checkHardwareSupport(CV_CPU_SSE4_2);
  static const RowSimd& chosen = avx2 ? *avx2::table_ptr : baseline::table;
  return chosen;
}

}  // namespace tessera::detail
