// The run-time choice between the baseline, AVX2 and AVX-512 builds of the vector loops
// (simd.hpp), and tessera/simd.hpp's functions.
#include <algorithm>
#include <initializer_list>

#include <opencv2/core/utility.hpp>

#include "simd/simd.hpp"
#include "tessera/simd.hpp"

namespace tessera {
namespace {

bool all_supported(std::initializer_list<int> features) {
  for (int f : features)
    if (!cv::checkHardwareSupport(f)) return false;
  return true;
}

SimdLevel widest_supported() {
#if defined(__x86_64__) || defined(_M_X64)
  // Every feature each variant is compiled for (kernels/CMakeLists.txt), not its headline alone.
  // OpenCV answers, so OPENCV_CPU_DISABLE=AVX512_SKX (or AVX2) lowers the level as it does
  // OpenCV's own.
  const bool avx2 = all_supported({CV_CPU_AVX2, CV_CPU_FMA3, CV_CPU_FP16, CV_CPU_POPCNT, CV_CPU_SSE4_2});
  if (avx2 && all_supported({CV_CPU_AVX_512F, CV_CPU_AVX_512CD, CV_CPU_AVX_512BW, CV_CPU_AVX_512DQ,
                             CV_CPU_AVX_512VL, CV_CPU_AVX512_SKX}))
    return SimdLevel::Avx512;
  if (avx2) return SimdLevel::Avx2;
#endif
  return SimdLevel::Baseline;
}

}  // namespace

SimdLevel simd_supported() {
  static const SimdLevel level = widest_supported();
  return level;
}

namespace detail::simd {
std::atomic<int> g_active_level{static_cast<int>(simd_supported())};
}

SimdLevel simd_level() { return static_cast<SimdLevel>(detail::simd::active_level()); }

SimdLevel set_simd_level(SimdLevel cap) {
  const SimdLevel level = std::min(cap, simd_supported());
  detail::simd::g_active_level.store(static_cast<int>(level), std::memory_order_relaxed);
  return level;
}

const char* to_string(SimdLevel level) {
  switch (level) {
    case SimdLevel::Baseline:
      return "baseline";
    case SimdLevel::Avx2:
      return "avx2";
    case SimdLevel::Avx512:
      return "avx512";
  }
  return "?";
}

}  // namespace tessera
