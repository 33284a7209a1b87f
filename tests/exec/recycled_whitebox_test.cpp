// Recycled tile buffers (runtime/src/exec/recycled.hpp): reused while a run is active, freed
// when the last run ends, never shared while in use, and safe to release on another thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "exec/recycled.hpp"

namespace tessera::detail {
namespace {

constexpr int kSide = 1024;  // 1 MiB of u8: large enough to be recycled

TEST(Recycled, ABufferComesBackToTheNextTileOfTheRun) {
  const RecyclingScope run;
  cv::Mat a = recycled_mat(kSide, kSide, CV_8UC1);
  const uchar* first = a.data;
  a.setTo(7);
  a.release();
  EXPECT_GE(recycled_idle_bytes(), std::size_t{kSide} * kSide);
  const cv::Mat b = recycled_mat(kSide, kSide - 8, CV_8UC1);  // a little smaller still fits
  EXPECT_EQ(b.data, first);
  EXPECT_EQ(recycled_idle_bytes(), 0u);
  EXPECT_EQ(b.cols, kSide - 8);
  EXPECT_EQ(b.step[0], static_cast<std::size_t>(kSide - 8));
}

TEST(Recycled, ABufferInUseIsNeverHandedOut) {
  const RecyclingScope run;
  const cv::Mat a = recycled_mat(kSide, kSide, CV_8UC1);
  cv::Mat view = a;  // a second reference keeps it in use
  const cv::Mat b = recycled_mat(kSide, kSide, CV_8UC1);
  EXPECT_NE(a.data, b.data);
  view.release();
  const cv::Mat c = recycled_mat(kSide, kSide, CV_8UC1);
  EXPECT_NE(c.data, a.data);
  EXPECT_NE(c.data, b.data);
}

TEST(Recycled, AMuchSmallerRequestDoesNotHoldALargeBuffer) {
  const RecyclingScope run;
  cv::Mat big = recycled_mat(2 * kSide, 2 * kSide, CV_8UC1);
  const uchar* p = big.data;
  big.release();
  const cv::Mat small = recycled_mat(kSide, kSide, CV_8UC1);
  EXPECT_NE(small.data, p);
  EXPECT_GE(recycled_idle_bytes(), std::size_t{4} * kSide * kSide) << "the large one stays for a large request";
}

TEST(Recycled, NothingIsKeptOnceTheLastRunEnds) {
  cv::Mat outlives;
  {
    const RecyclingScope outer;
    {
      const RecyclingScope inner;  // runs overlap: the inner one ending frees nothing
      recycled_mat(kSide, kSide, CV_8UC1).release();
    }
    EXPECT_GT(recycled_idle_bytes(), 0u);
    outlives = recycled_mat(kSide, kSide, CV_16UC3);
  }
  EXPECT_EQ(recycled_idle_bytes(), 0u);
  outlives.release();  // released after every run ended: freed, not kept
  EXPECT_EQ(recycled_idle_bytes(), 0u);
}

TEST(Recycled, IdleBuffersAreCapped) {
  const RecyclingScope run;
  std::vector<cv::Mat> held;
  for (int i = 0; i < 40; ++i) held.push_back(recycled_mat(4096, 2048, CV_8UC1));  // 8 MiB each, 320 MiB
  held.clear();
  EXPECT_LE(recycled_idle_bytes(), std::size_t{256} << 20);
  EXPECT_GT(recycled_idle_bytes(), std::size_t{200} << 20);
}

TEST(Recycled, SmallImagesAndWrapsOfOtherMemoryAreLeftAlone) {
  const RecyclingScope run;
  recycled_mat(16, 16, CV_8UC1).release();
  EXPECT_EQ(recycled_idle_bytes(), 0u);
  cv::Mat m = recycled_mat(kSide, kSide, CV_8UC1);
  recycled_create(m, kSide, kSide, CV_8UC1);  // same shape: the same buffer
  const uchar* p = m.data;
  recycled_create(m, kSide, kSide, CV_8UC1);
  EXPECT_EQ(m.data, p);
  recycled_create(m, kSide / 2, kSide, CV_8UC1);  // another shape: a new one; the old goes idle
  EXPECT_NE(m.data, p);
  EXPECT_GE(recycled_idle_bytes(), std::size_t{kSide} * kSide);
}

TEST(Recycled, BuffersReleasedOnAnotherThreadComeBack) {
  const RecyclingScope run;
  std::vector<cv::Mat> tiles;
  std::vector<const uchar*> made;
  for (int i = 0; i < 8; ++i) {
    tiles.push_back(recycled_mat(kSide, kSide, CV_8UC1));
    tiles.back().setTo(i);
    made.push_back(tiles.back().data);
  }
  std::thread writer([&] { tiles.clear(); });  // as the serial sink releases the tasks' tiles
  writer.join();
  const cv::Mat again = recycled_mat(kSide, kSide, CV_8UC1);
  EXPECT_NE(std::find(made.begin(), made.end(), again.data), made.end());
}

}  // namespace
}  // namespace tessera::detail
