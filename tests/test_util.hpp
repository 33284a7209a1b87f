// Shared test helpers: random images, a bit-exact comparison that says where it differs, and
// the run options and backends that the tests vary.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tessera/run.hpp"
#include "tessera/simd.hpp"

namespace tessera::test {

/// Every backend, for the tests that must hold on each. Under ThreadSanitizer (scripts/tsan.sh)
/// the OpenMP backend is left out: GCC's libgomp is not instrumented, so TSan cannot see its
/// barriers and would report every OpenMP tile loop as a race.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kRaceChecked = true;
inline constexpr Backend kBackends[] = {Backend::Tbb, Backend::Serial};
#else
inline constexpr bool kRaceChecked = false;
inline constexpr Backend kBackends[] = {Backend::Tbb, Backend::Omp, Backend::Serial};
#endif
/// Under ThreadSanitizer OpenCV's own parallel loops run serially: Debian's libopencv_core holds
/// oneTBB's inline header code compiled without instrumentation, so TSan would not see those loops
/// end and would report OpenCV's buffers as raced. tessera's tiles on the TBB graph stay parallel.
inline const bool kOpenCvSerialUnderTsan = [] {
  if (kRaceChecked) cv::setNumThreads(1);
  return kRaceChecked;
}();
/// Whether this build runs backend `b` (see kBackends).
inline constexpr bool runs(Backend b) { return !kRaceChecked || b != Backend::Omp; }

/// Options for a run on backend `b` with the given tile size and number of threads.
inline RunOptions options(Backend b, Size tile = {29, 17}, int threads = 3) {
  RunOptions o;
  o.backend = b;
  o.tile = tile;
  o.threads = threads;
  return o;
}

/// The same options, tile size first, for the tests that vary the tiling.
inline RunOptions tiles(Size t, Backend b = Backend::Tbb, int threads = 3) { return options(b, t, threads); }

/// Uniform random pixels of the given type, reproducible from `seed`.
inline cv::Mat random_image(int w, int h, int type, unsigned seed) {
  cv::Mat m(h, w, type);
  cv::RNG rng(seed);
  if (CV_MAT_DEPTH(type) == CV_8U) rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  else if (CV_MAT_DEPTH(type) == CV_16U) rng.fill(m, cv::RNG::UNIFORM, 0, 65536);
  else rng.fill(m, cv::RNG::UNIFORM, -1000, 1000);
  return m;
}

/// sobel_mag as the OpenCV calls that define it: (|Sobel dx| + |Sobel dy|) / 2 in 8 bits.
inline cv::Mat opencv_sobel_mag(const cv::Mat& in) {
  cv::Mat gx, gy, ax, ay, out;
  cv::Sobel(in, gx, CV_16S, 1, 0, 3);
  cv::Sobel(in, gy, CV_16S, 0, 1, 3);
  cv::convertScaleAbs(gx, ax);
  cv::convertScaleAbs(gy, ay);
  cv::addWeighted(ax, 0.5, ay, 0.5, 0, out);
  return out;
}

/// Succeeds when a and b have the same size, type and every element is equal.
inline ::testing::AssertionResult identical(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type())
    return ::testing::AssertionFailure() << "shape differs: " << a.cols << "x" << a.rows << " type " << a.type()
                                         << " vs " << b.cols << "x" << b.rows << " type " << b.type();
  cv::Mat diff;
  cv::compare(a.reshape(1), b.reshape(1), diff, cv::CMP_NE);
  const int n = cv::countNonZero(diff);
  if (n == 0) return ::testing::AssertionSuccess();
  std::vector<cv::Point> where;
  cv::findNonZero(diff, where);
  return ::testing::AssertionFailure() << n << " of " << diff.total() << " values differ, first at (x="
                                       << where[0].x / a.channels() << ", y=" << where[0].y << ")";
}

/// The pipeline specs in double quotes after "-p " or "--pipeline " in a command's --help.
inline std::vector<std::string> example_pipelines(const std::string& help) {
  std::vector<std::string> specs;
  for (const std::string flag : {"-p \"", "--pipeline \""})
    for (auto at = help.find(flag); at != std::string::npos; at = help.find(flag, at + 1)) {
      const auto begin = at + flag.size(), end = help.find('"', begin);
      if (end != std::string::npos) specs.push_back(help.substr(begin, end - begin));
    }
  return specs;
}

/// Caps the vector level for a scope; the level before comes back however the scope ends.
class SimdLevelCap {
 public:
  explicit SimdLevelCap(SimdLevel cap) : before_(simd_level()) { set_simd_level(cap); }
  ~SimdLevelCap() { set_simd_level(before_); }
  SimdLevelCap(const SimdLevelCap&) = delete;
  SimdLevelCap& operator=(const SimdLevelCap&) = delete;

 private:
  SimdLevel before_;
};

}  // namespace tessera::test
