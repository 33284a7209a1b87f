// Geometry: tile grids cover the image exactly once, border indices match OpenCV, region clipping.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "exec/tile_eval.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

TEST(Geometry, RectArithmetic) {
  const Rect r{10, 20, 30, 40};
  EXPECT_EQ(r.x1(), 40);
  EXPECT_EQ(r.y1(), 60);
  EXPECT_EQ(r.grown({2, 3}), (Rect{8, 17, 34, 46}));
  EXPECT_EQ(intersect(r, Rect{0, 0, 15, 25}), (Rect{10, 20, 5, 5}));
  EXPECT_TRUE(intersect(r, Rect{100, 100, 5, 5}).empty());
  EXPECT_EQ(bounding_union(Rect{0, 0, 2, 2}, Rect{5, 5, 1, 1}), (Rect{0, 0, 6, 6}));
  EXPECT_EQ(bounding_union(Rect{}, r), r);
  EXPECT_TRUE(r.contains(Rect{10, 20, 30, 40}));
  EXPECT_FALSE(r.contains(Rect{9, 20, 30, 40}));
  EXPECT_EQ(to_string(r), "30x40+10+20");
}

TEST(Geometry, LargeCoordinatesDoNotOverflow) {
  const Size s{std::int64_t{1} << 31, std::int64_t{1} << 31};
  EXPECT_EQ(s.area(), std::int64_t{1} << 62);
  const TileGrid g(s, {65536, 65536});
  EXPECT_EQ(g.count(), 32768 * 32768);
  EXPECT_EQ(g.tile(g.count() - 1), (Rect{s.w - 65536, s.h - 65536, 65536, 65536}));
}

// Every pixel is covered by exactly one tile, for tile sizes that divide the image, do
// not, are 1x1, non-square, and larger than the image.
TEST(Geometry, TileGridCoversImageExactlyOnce) {
  const Size images[] = {{1, 1}, {1, 9}, {9, 1}, {37, 53}, {100, 70}};
  const Size tiles[] = {{1, 1}, {7, 5}, {64, 64}, {333, 129}, {10, 10}, {1000, 1000}, {100, 1}};
  for (Size im : images) {
    for (Size t : tiles) {
      const TileGrid g(im, t);
      cv::Mat count = cv::Mat::zeros(static_cast<int>(im.h), static_cast<int>(im.w), CV_32S);
      for (std::int64_t i = 0; i < g.count(); ++i) {
        const Rect r = g.tile(i);
        ASSERT_FALSE(r.empty());
        ASSERT_TRUE(full_rect(im).contains(r)) << to_string(r);
        ASSERT_LE(r.w, t.w);
        ASSERT_LE(r.h, t.h);
        count(to_cv_rect(r)) += 1;
      }
      double lo = 0, hi = 0;
      cv::minMaxLoc(count, &lo, &hi);
      EXPECT_EQ(lo, 1) << "image " << im << " tile " << t;
      EXPECT_EQ(hi, 1) << "image " << im << " tile " << t;
    }
  }
}

TEST(Geometry, TileGridRejectsBadSizes) {
  EXPECT_THROW(TileGrid({0, 10}, {4, 4}), UsageError);
  EXPECT_THROW(TileGrid({10, 10}, {0, 4}), UsageError);
  EXPECT_THROW(TileGrid({10, 10}, {4, -1}), UsageError);
}

TEST(Geometry, BorderIndexMatchesOpenCV) {
  const std::pair<BorderMode, int> modes[] = {{BorderMode::Reflect101, cv::BORDER_REFLECT_101},
                                              {BorderMode::Reflect, cv::BORDER_REFLECT},
                                              {BorderMode::Replicate, cv::BORDER_REPLICATE}};
  for (auto [mode, cv_mode] : modes)
    for (int len : {1, 2, 3, 5, 16})
      for (int p = -40; p < len + 40; ++p)
        EXPECT_EQ(border_index(p, len, mode), cv::borderInterpolate(p, len, cv_mode))
            << to_string(mode) << " p=" << p << " len=" << len;
  EXPECT_EQ(border_index(-1, 5, BorderMode::Constant), -1);
  EXPECT_EQ(border_index(3, 5, BorderMode::Constant), 3);
}

TEST(Geometry, ParseBorderMode) {
  EXPECT_EQ(parse_border_mode("reflect101"), BorderMode::Reflect101);
  EXPECT_EQ(parse_border_mode("replicate"), BorderMode::Replicate);
  EXPECT_EQ(parse_border_mode("constant"), BorderMode::Constant);
  EXPECT_THROW(parse_border_mode("wrap"), UsageError);
}

TEST(Geometry, ParseTileSize) {
  EXPECT_EQ(parse_tile_size("256"), (Size{256, 256}));
  EXPECT_EQ(parse_tile_size("512x128"), (Size{512, 128}));
  for (const char* bad : {"", "0", "-4", "12x", "x3", "ax4", "4x0", "1.5", "99999999999"})
    EXPECT_THROW(parse_tile_size(bad), UsageError) << bad;
}

// The halo of a corner tile is clipped to the image and the rest is filled per border
// mode, relative to the image edge, exactly as OpenCV extends the whole image.
TEST(Geometry, HaloAtCornersFollowsBorderMode) {
  const cv::Mat image = test::random_image(13, 11, CV_8UC3, 7);
  const Size size{13, 11};
  for (auto [mode, cv_mode] : {std::pair{BorderMode::Reflect101, cv::BORDER_REFLECT_101},
                               std::pair{BorderMode::Replicate, cv::BORDER_REPLICATE},
                               std::pair{BorderMode::Reflect, cv::BORDER_REFLECT},
                               std::pair{BorderMode::Constant, cv::BORDER_CONSTANT}}) {
    const int r = 4;
    cv::Mat padded;
    cv::copyMakeBorder(image, padded, r, r, r, r, cv_mode, cv::Scalar::all(9));
    const Rect corners[] = {{0, 0, 3, 3}, {10, 0, 3, 3}, {0, 8, 3, 3}, {10, 8, 3, 3}, {0, 0, 13, 11}, {5, 4, 2, 2}};
    for (const Rect& tile : corners) {
      const Rect want = tile.grown({r, r});
      const Rect have = clip(want, size);
      EXPECT_EQ(have, intersect(want, full_rect(size)));
      cv::Mat got;
      const cv::Mat pixels = image(cv::Rect(static_cast<int>(have.x), static_cast<int>(have.y),
                                            static_cast<int>(have.w), static_cast<int>(have.h)));
      detail::extract_with_border(pixels, have, want, size, Border{mode, 9}, got);
      const cv::Mat expect = padded(cv::Rect(static_cast<int>(want.x + r), static_cast<int>(want.y + r),
                                             static_cast<int>(want.w), static_cast<int>(want.h)));
      EXPECT_TRUE(test::identical(got, expect)) << to_string(mode) << " tile " << tile;
    }
  }
}

TEST(Geometry, RegionWhollyOutsideImageIsAnError) {
  const cv::Mat image = test::random_image(4, 4, CV_8UC1, 1);
  cv::Mat out;
  EXPECT_THROW(detail::extract_with_border(image, {0, 0, 4, 4}, {10, 10, 2, 2}, {4, 4}, {}, out), KernelError);
}

}  // namespace
}  // namespace tessera
