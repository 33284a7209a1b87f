// The row stages' vector loops for the baseline instruction set (SSE2 on x86-64), and the
// run-time choice between them and the AVX2 ones (row_simd.hpp).
#include <opencv2/core/utility.hpp>

#define TESSERA_ROW_SIMD_VARIANT baseline
#include "row_simd.hpp"

namespace tessera::detail {

namespace avx2 {
extern const RowSimd* const table_ptr;  // row_simd_avx2.cpp; nullptr where not built
}

const RowSimd& row_simd() {
  static const RowSimd& chosen =
      avx2::table_ptr && cv::checkHardwareSupport(CV_CPU_AVX2) ? *avx2::table_ptr : baseline::table;
  return chosen;
}

}  // namespace tessera::detail
