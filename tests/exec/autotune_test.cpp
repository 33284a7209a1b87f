// The tile-size autotuner: it times candidates, picks the cheapest prediction, and the tile it
// picks gives the reference bits.
#include <gtest/gtest.h>

#include <string>

#include <unistd.h>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

TEST(Autotune, ChoosesATimedCandidateAndKeepsTheBits) {
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 31);
  const Pipeline p = Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40");
  RunOptions o;
  o.threads = 2;
  const TileChoice c = choose_tile(p, in, o);
  ASSERT_FALSE(c.candidates.empty());
  EXPECT_GT(c.predicted_seconds, 0);
  EXPECT_GE(c.per_tile_seconds, 0);
  EXPECT_GT(c.per_pixel_seconds, 0);
  int timed = 0;
  for (const TileCandidate& cand : c.candidates) {
    EXPECT_LE(c.predicted_seconds, cand.predicted_seconds) << "the choice is the cheapest prediction";
    timed += cand.measured;
  }
  EXPECT_GE(timed, 2);
  EXPECT_NE(c.explain().find("auto tile: " + to_string(c.tile)), std::string::npos) << c.explain();
  o.tile = c.tile;
  EXPECT_TRUE(test::identical(run(p, in, o), run_reference(p, in)));
}

TEST(Autotune, CutsTilesFromTheOutputOfAShrinkingPipeline) {
  // pyrdown twice: the output is a quarter of the input each way. Tiles are cut from the
  // output, so a candidate as large as the input's quarter would be one tile: one thread busy.
  const cv::Mat in = test::random_image(1024, 768, CV_8UC1, 5);
  const Pipeline p = Pipeline::parse("pyrdown | pyrdown");
  RunOptions o;
  o.threads = 2;
  const TileChoice c = choose_tile(p, in, o);
  ASSERT_FALSE(c.candidates.empty());
  for (const TileCandidate& cand : c.candidates) {
    EXPECT_LE(cand.tile.w, 256) << "no wider than the output";
    EXPECT_LE(cand.tile.h, 192) << "no taller than the output";
    EXPECT_GE(TileGrid({256, 192}, cand.tile).count(), 4) << to_string(cand.tile) << ": two tiles per thread";
  }
  o.tile = c.tile;
  EXPECT_TRUE(test::identical(run(p, in, o), run_reference(p, in)));
}

TEST(Autotune, AStreamedImageIsTunedOnTilesItsSampleHolds) {
  // A source is tuned on a sample of at most 4096x4096 from its middle. pyrdown halves it:
  // no candidate may be larger than the sample's output (2048 wide here), or it would be timed
  // on a part of a tile and predicted as a whole one.
  const cv::Mat in = test::random_image(8200, 600, CV_8UC1, 9);
  const MatSource source(in);
  const Pipeline p = Pipeline::parse("pyrdown");
  RunOptions o;
  o.threads = 2;
  const TileChoice c = choose_tile(p, source, o);
  ASSERT_FALSE(c.candidates.empty());
  for (const TileCandidate& cand : c.candidates) {
    EXPECT_LE(cand.tile.w, 2048) << to_string(cand.tile);
    EXPECT_LE(cand.tile.h, 300) << to_string(cand.tile);
  }
}

/// A source that is not an image in memory: each read copies, as a TIFF source decodes.
class CopyingSource final : public Source {
 public:
  explicit CopyingSource(cv::Mat image) : image_(std::move(image)) {}
  Size size() const override { return {image_.cols, image_.rows}; }
  PixelType type() const override { return PixelType::of(image_); }
  void read(const Rect& r, cv::Mat& out) const override { out = image_(to_cv_rect(r)).clone(); }

 private:
  cv::Mat image_;
};

TEST(Autotune, AStreamedImageGetsTilesTheWriterStillHasInCache) {
  // Streamed tiles wait for the serial writer, which copies them out: none larger than twice
  // one core's L2 is considered. In memory, larger ones are (they are computed in place).
  const cv::Mat in = test::random_image(3000, 3000, CV_16UC1, 12);
  const Pipeline p = Pipeline::parse("gaussian sigma=1.5 | sobel dx=1 dy=0");
  RunOptions o;
  o.threads = 2;
  const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  const double most = 2.0 * (l2 > 0 ? static_cast<double>(l2) : double(1 << 20));
  const auto bytes = [](Size t) { return static_cast<double>(t.area()) * 4; };  // f32 out (sobel of u16)
  const CopyingSource source(in);
  const TileChoice streamed = choose_tile(p, source, o);
  ASSERT_FALSE(streamed.candidates.empty());
  for (const TileCandidate& cand : streamed.candidates) EXPECT_LE(bytes(cand.tile), most) << to_string(cand.tile);
  bool larger = false;
  for (const TileCandidate& cand : choose_tile(p, MatSource(in), o).candidates) larger = larger || bytes(cand.tile) > most;
  EXPECT_TRUE(larger) << "in memory, tiles past the writer's cache are candidates";
  o.tile = streamed.tile;
  MatSink sink;
  run(p, source, sink, o);
  EXPECT_TRUE(test::identical(sink.mat(), run_reference(p, in)));
}

TEST(Autotune, PointwisePipelinesGetStripsAsWideAsTheImage) {
  // Squares gain a pointwise pass nothing; strips as wide as the image stream their rows as one
  // run. A stencil in the pipeline brings squares back.
  const cv::Mat in = test::random_image(1500, 1200, CV_8UC3, 6);
  RunOptions o;
  o.threads = 2;
  const TileChoice c = choose_tile(Pipeline::parse("threshold t=100 | invert | gray"), in, o);
  ASSERT_FALSE(c.candidates.empty());
  for (const TileCandidate& cand : c.candidates) EXPECT_EQ(cand.tile.w, 1500) << to_string(cand.tile);
  bool square = false;
  for (const TileCandidate& cand : choose_tile(Pipeline::parse("threshold t=100 | box"), in, o).candidates)
    square = square || cand.tile.w == cand.tile.h;
  EXPECT_TRUE(square);
  // A short, wide image where no full-width strip gives each of 4 threads two tiles: the
  // tuner keeps the sizes that do.
  const cv::Mat wide = test::random_image(3000, 48, CV_8UC1, 7);
  o.threads = 4;
  const TileChoice w = choose_tile(Pipeline::parse("invert"), wide, o);
  EXPECT_GE(TileGrid({3000, 48}, w.tile).count(), 8) << to_string(w.tile);
}

}  // namespace
}  // namespace tessera
