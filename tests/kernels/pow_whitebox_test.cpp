// gamma's f32 loop (kernels/src/pointwise/pow_loops.cpp): |x|^g against std::pow in double
// rounded to float, std::pow's special cases, and the same bits at every position in a row and
// at every vector level.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "pointwise/pow_loops.hpp"
#include "tessera/simd.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

/// Values over the whole float range: random bit patterns of both signs (subnormals included),
/// values in [0, 1] and [0, 255] as images hold, and the special ones.
std::vector<float> values() {
  std::mt19937 rng(7);
  std::vector<float> v = {0.0f, -0.0f, 1.0f, -1.0f, kInf, -kInf, std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(),
                          std::numeric_limits<float>::max(), 0.5f, 2.0f, 1.41421356f, 1.41421368f, 0.70710677f};
  for (int i = 0; i < 60000; ++i) {
    const auto bits = static_cast<std::uint32_t>(rng());
    const float x = std::bit_cast<float>(bits);
    if (!std::isnan(x)) v.push_back(x);
  }
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int i = 0; i < 40000; ++i) v.push_back(unit(rng));
  for (int i = 0; i < 256; ++i) v.push_back(static_cast<float>(i));
  return v;
}

std::vector<float> pow_row(const std::vector<float>& in, double g) {
  std::vector<float> out(in.size());
  const int done = detail::pow_loops().pow_abs(in.data(), out.data(), static_cast<int>(in.size()), g);
  EXPECT_EQ(done, static_cast<int>(in.size())) << "the loop does whole rows";
  return out;
}

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }

/// The same bits (NaN payloads included).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (bits(a[i]) != bits(b[i])) return false;
  return true;
}

/// Distance in units in the last place between two finite floats of the same sign.
long ulps(float a, float b) { return std::labs(static_cast<long>(bits(a)) - static_cast<long>(bits(b))); }

TEST(PowLoop, MatchesStdPowRoundedToFloat) {
  const std::vector<float> in = values();
  for (const double g : {0.8, 1.0 / 2.2, 2.2, 1.0, 0.5, 3.0, 7.3, 0.001, 100.0, 0.0}) {
    const std::vector<float> out = pow_row(in, g);
    std::size_t off_by_one = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const float want = static_cast<float>(std::pow(std::fabs(static_cast<double>(in[i])), g));
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(out[i])) << in[i] << "^" << g;
        continue;
      }
      if (bits(out[i]) == bits(want)) continue;
      // Off by one unit only where the exact power lies next to a rounding boundary.
      ASSERT_TRUE(std::isfinite(want) && std::isfinite(out[i]) && ulps(out[i], want) == 1)
          << in[i] << "^" << g << " = " << out[i] << ", std::pow: " << want;
      ++off_by_one;
    }
    EXPECT_LE(off_by_one, in.size() / 10000) << "g=" << g;
  }
}

TEST(PowLoop, SpecialCasesAsStdPow) {
  const std::vector<float> in = {0.0f, -0.0f, kInf, -kInf, std::numeric_limits<float>::quiet_NaN(), 1.0f, -1.0f};
  for (const double g : {0.0, 0.8, 1.0, 2.0}) {
    const std::vector<float> out = pow_row(in, g);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const float want = static_cast<float>(std::pow(std::fabs(static_cast<double>(in[i])), g));
      if (std::isnan(want)) EXPECT_TRUE(std::isnan(out[i])) << i << " g=" << g;
      else EXPECT_EQ(bits(out[i]), bits(want)) << in[i] << "^" << g;
    }
  }
  const std::vector<float> ones = pow_row({3.0f, 1e-30f, kInf}, 1.0);  // g = 1 gives |x| itself
  EXPECT_EQ(ones, (std::vector<float>{3.0f, 1e-30f, kInf}));
}


TEST(PowLoop, SameBitsAtEveryPositionLengthAndLevel) {
  const std::vector<float> in = values();
  const std::vector<float> want = [&] {
    const test::SimdLevelCap baseline(SimdLevel::Baseline);
    return pow_row(in, 0.8);
  }();
  for (const SimdLevel level : {SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (level > simd_supported()) continue;
    const test::SimdLevelCap cap(level);
    EXPECT_TRUE(same_bits(pow_row(in, 0.8), want)) << to_string(level);
    // Rows of every length up to a few vectors, starting anywhere: each value as in the long row.
    for (int n = 1; n <= 40; ++n)
      for (int start : {0, 1, 5, 17}) {
        const std::vector<float> part(in.begin() + start, in.begin() + start + n);
        const std::vector<float> got = pow_row(part, 0.8);
        for (int i = 0; i < n; ++i)
          ASSERT_EQ(bits(got[i]), bits(want[start + i])) << to_string(level) << " n=" << n << " start=" << start;
      }
    // In place.
    std::vector<float> inplace = in;
    detail::pow_loops().pow_abs(inplace.data(), inplace.data(), static_cast<int>(inplace.size()), 0.8);
    EXPECT_TRUE(same_bits(inplace, want)) << to_string(level);
  }
}

}  // namespace
}  // namespace tessera
