// OpenCV's image codecs load on first use only: a TIFF-to-TIFF run never loads them (and
// the ~130 libraries behind them); the first PNG read does. One test per process (the
// module stays loaded once it is), so this suite is its own executable.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "io/codecs.hpp"
#include "temp_dir.hpp"
#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

TEST(Codecs, LoadedOnlyWhenAnImageGoesThroughOpenCV) {
  const test::TempDir dir;
  const cv::Mat image = test::random_image(300, 200, CV_8UC1, 1);
  const std::string in = dir.file("in.tif"), out = dir.file("out.tif"), png = dir.file("in.png");
  {
    TiffSink sink(in);
    run(Pipeline::parse("invert"), MatSource(image), sink);
  }
  const Pipeline p = Pipeline::parse("gaussian sigma=2 | sobel_mag");
  {
    TiffSource source(in);
    TiffSink sink(out);
    run(p, source, sink);
  }
  EXPECT_FALSE(detail::codecs_loaded()) << "a TIFF-to-TIFF run loaded OpenCV's codecs";
  const cv::Mat inverted = run_reference(Pipeline::parse("invert"), image);
  ASSERT_TRUE(cv::imwrite(png, inverted));  // the test's own OpenCV, not tessera's module
  EXPECT_TRUE(test::identical(read_image(png), inverted));
  EXPECT_TRUE(detail::codecs_loaded());
  TiffSource written(out);
  cv::Mat pixels;
  written.read(full_rect(written.size()), pixels);
  EXPECT_TRUE(test::identical(pixels, run_reference(p, inverted)));
}

}  // namespace
}  // namespace tessera
