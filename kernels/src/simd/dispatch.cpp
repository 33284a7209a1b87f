// The run-time choice between the baseline and the AVX2 builds of the vector loops (simd.hpp).
#include <opencv2/core/utility.hpp>

#include "simd/simd.hpp"

namespace tessera::detail::simd {

bool cpu_has_avx2_level() {
  // Every feature the AVX2 variant is compiled for (kernels/CMakeLists.txt), not AVX2 alone.
  static const bool yes = cv::checkHardwareSupport(CV_CPU_AVX2) && cv::checkHardwareSupport(CV_CPU_FMA3) &&
                          cv::checkHardwareSupport(CV_CPU_FP16) && cv::checkHardwareSupport(CV_CPU_POPCNT) &&
                          cv::checkHardwareSupport(CV_CPU_SSE4_2);
  return yes;
}

}  // namespace tessera::detail::simd
