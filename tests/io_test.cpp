// In-memory sources and sinks, reading images through OpenCV, and atomic output files.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "temp_dir.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

TEST(MatIo, SourceReadsViewsAndSinkStitches) {
  const cv::Mat image = test::random_image(50, 30, CV_8UC3, 1);
  const MatSource src(image);
  EXPECT_EQ(src.size(), (Size{50, 30}));
  EXPECT_EQ(src.type(), (PixelType{CV_8U, 3}));
  cv::Mat part;
  src.read({10, 5, 20, 7}, part);
  EXPECT_TRUE(test::identical(part, image(cv::Rect(10, 5, 20, 7))));
  MatSink sink;
  sink.open({50, 30}, src.type());
  const TileGrid grid({50, 30}, {16, 16});
  for (std::int64_t i = 0; i < grid.count(); ++i) {
    const Rect r = grid.tile(i);
    src.read(r, part);
    sink.write(r, part);
  }
  EXPECT_TRUE(test::identical(sink.mat(), image));
  EXPECT_THROW(MatSource(cv::Mat()), UsageError);
}

TEST(ImageFiles, RoundTripKeepsDepthAndChannels) {
  test::TempDir dir;
  for (int type : {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3}) {
    const cv::Mat image = test::random_image(33, 21, type, 2);
    const std::string path = dir.file("img.png");
    write_image_atomic(path, image);
    EXPECT_TRUE(test::identical(read_image(path), image)) << "type " << type;
  }
  EXPECT_EQ(dir.files(), (std::set<std::string>{"img.png"}));
}

TEST(ImageFiles, ReadErrorsNameTheFile) {
  test::TempDir dir;
  const auto message = [](const std::string& path) {
    try {
      read_image(path);
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir.file("missing.png")).find("missing.png': no such file"), std::string::npos);
  std::ofstream(dir.file("junk.png")) << "this is not a png";
  EXPECT_NE(message(dir.file("junk.png")).find("cannot decode"), std::string::npos);
  // A real PNG cut in half.
  const std::string full = dir.file("full.png");
  write_image_atomic(full, test::random_image(64, 64, CV_8UC1, 3));
  std::ifstream is(full, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(is)), {});
  std::ofstream(dir.file("cut.png"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(message(dir.file("cut.png")).find("cut.png"), std::string::npos);
  EXPECT_NE(message(dir.file("")).find("directory"), std::string::npos);
}

TEST(ImageFiles, FailedWriteLeavesNothingBehind) {
  test::TempDir dir;
  const cv::Mat s16 = test::random_image(10, 10, CV_16SC1, 4);
  // JPEG cannot hold an image wider than 65500 pixels: the encoder fails mid-write.
  EXPECT_THROW(write_image_atomic(dir.file("out.jpg"), cv::Mat(2, 70000, CV_8UC1, cv::Scalar::all(1))), IoError);
  EXPECT_THROW(write_image_atomic(dir.file("out.unknownext"), s16), UsageError);
  EXPECT_THROW(write_image_atomic(dir.file("no/such/dir/out.png"), s16), IoError);
  EXPECT_TRUE(dir.files().empty()) << *dir.files().begin();
}

TEST(ImageFiles, ExistingOutputIsReplacedWhole) {
  test::TempDir dir;
  const std::string path = dir.file("out.png");
  write_image_atomic(path, test::random_image(8, 8, CV_8UC1, 1));
  const cv::Mat second = test::random_image(16, 4, CV_8UC3, 2);
  write_image_atomic(path, second);
  EXPECT_TRUE(test::identical(read_image(path), second));
  EXPECT_EQ(dir.files().size(), 1u);
}

}  // namespace
}  // namespace tessera
