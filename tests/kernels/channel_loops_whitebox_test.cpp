// The channel split and merge loops (kernels/src/common/channel_loops.hpp): every depth, 1 to 4
// channels, rows of every length up to a few vectors, at every vector level.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "common/channel_loops.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

template <class T>
void expect_split_and_merge(int cn, int n, unsigned seed, const std::string& what) {
  std::mt19937 rng(seed);
  std::vector<T> in(static_cast<std::size_t>(cn * n));
  for (T& v : in) v = static_cast<T>(rng() % 60000);
  std::vector<std::vector<T>> planes(static_cast<std::size_t>(cn),
                                     std::vector<T>(static_cast<std::size_t>(n) + 1, T(7)));
  std::vector<T*> p;
  for (auto& plane : planes) p.push_back(plane.data());
  detail::split_channels(in.data(), p.data(), cn, n);
  for (int c = 0; c < cn; ++c) {
    for (int x = 0; x < n; ++x)
      ASSERT_EQ(planes[static_cast<std::size_t>(c)][static_cast<std::size_t>(x)],
                in[static_cast<std::size_t>(x * cn + c)])
          << what << " channel " << c << " pixel " << x;
    EXPECT_EQ(planes[static_cast<std::size_t>(c)][static_cast<std::size_t>(n)], T(7)) << what << ": wrote past the row";
  }
  std::vector<T> back(static_cast<std::size_t>(cn * n) + 1, T(9));
  std::vector<const T*> cp(p.begin(), p.end());
  detail::merge_channels(cp.data(), back.data(), cn, n);
  EXPECT_EQ(std::vector<T>(back.begin(), back.end() - 1), in) << what;
  EXPECT_EQ(back.back(), T(9)) << what << ": wrote past the row";
}

TEST(ChannelLoops, SplitAndMergeEveryDepthChannelCountLengthAndLevel) {
  unsigned seed = 1;
  for (const SimdLevel level : {SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (level > simd_supported()) continue;
    const test::SimdLevelCap cap(level);
    for (int cn = 1; cn <= 4; ++cn)
      for (int n = 0; n <= 100; n += n < 70 ? 1 : 13) {
        const std::string what =
            std::string(to_string(level)) + " cn=" + std::to_string(cn) + " n=" + std::to_string(n);
        expect_split_and_merge<uchar>(cn, n, seed++, what + " u8");
        expect_split_and_merge<ushort>(cn, n, seed++, what + " u16");
        expect_split_and_merge<float>(cn, n, seed++, what + " f32");
      }
  }
}

}  // namespace
}  // namespace tessera
