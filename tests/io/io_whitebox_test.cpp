// In-memory sources and sinks, reading images through OpenCV, and atomic output files.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include <opencv2/imgcodecs.hpp>

#include "io/image_memory.hpp"
#include "temp_dir.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"
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

/// A sink that keeps nothing in memory for the runtime to write into: every tile is copied
/// by write(), as a file sink does.
class CopyingSink final : public Sink {
 public:
  void open(Size size, PixelType type) override { image.create(int(size.h), int(size.w), type.cv_type()); }
  void write(const Rect& r, const cv::Mat& tile) override {
    tile.copyTo(image(cv::Rect(int(r.x), int(r.y), int(r.w), int(r.h))));
    ++writes;
  }
  cv::Mat image;
  int writes = 0;
};

TEST(MatIo, TilesGoStraightIntoAMatSinkAndThroughWriteElsewhere) {
  const cv::Mat in = test::random_image(301, 203, CV_8UC1, 2);
  for (const char* spec : {"gaussian sigma=2 | sobel_mag | threshold t=40", "box ksize=5 | invert"}) {
    const Pipeline p = Pipeline::parse(spec);
    const cv::Mat want = run_reference(p, in);
    RunOptions o;
    o.tile = {64, 48};
    MatSink direct;
    run(p, MatSource(in), direct, o);
    EXPECT_TRUE(test::identical(direct.mat(), want)) << spec;
    CopyingSink copying;
    run(p, MatSource(in), copying, o);
    EXPECT_TRUE(test::identical(copying.image, want)) << spec;
    EXPECT_EQ(copying.writes, TileGrid({301, 203}, o.tile).count());
  }
}

TEST(MatIo, RunIntoReusesTheOutputBufferUnlessItOverlapsTheInput) {
  const Pipeline p = Pipeline::parse("gaussian sigma=1.5 | threshold t=100");
  const cv::Mat in = test::random_image(257, 130, CV_8UC1, 3);
  const cv::Mat want = run_reference(p, in);
  cv::Mat out;
  run(p, in, out);
  ASSERT_TRUE(test::identical(out, want));
  const uchar* buffer = out.data;
  out.setTo(7);
  run(p, in, out);  // same size and type: the same buffer, overwritten
  EXPECT_EQ(out.data, buffer);
  EXPECT_TRUE(test::identical(out, want));
  const cv::Mat shared = out;  // a header sharing that buffer sees the new pixels too
  run(p, in, out);
  EXPECT_EQ(shared.data, out.data);
  cv::Mat wrong_size(10, 10, CV_8UC1, cv::Scalar(1));
  run(p, in, wrong_size);  // another size: a new buffer
  EXPECT_TRUE(test::identical(wrong_size, want));
  cv::Mat wrong_type(130, 257, CV_16UC1);
  run(p, in, wrong_type);
  EXPECT_TRUE(test::identical(wrong_type, want));
  // In place: writing into the input while tiles still read it would corrupt the result.
  cv::Mat inplace = in.clone();
  const cv::Mat original = inplace;
  RunOptions small_tiles;
  small_tiles.tile = {16, 16};
  run(p, inplace, inplace, small_tiles);
  EXPECT_TRUE(test::identical(inplace, want));
  EXPECT_TRUE(test::identical(original, in)) << "the input was written to";
  // A view of part of the input's buffer overlaps it as well.
  cv::Mat big = in.clone();
  cv::Mat view = big(cv::Rect(0, 0, 257, 130));
  run(p, big, view);
  EXPECT_TRUE(test::identical(view, want));
  // Side by side in one canvas: input on the left, output written into the right half.
  cv::Mat canvas(130, 2 * 257, CV_8UC1, cv::Scalar(0));
  in.copyTo(canvas.colRange(0, 257));
  cv::Mat right = canvas.colRange(257, 2 * 257);
  const uchar* right_data = right.data;
  run(p, canvas.colRange(0, 257), right);
  EXPECT_EQ(right.data, right_data) << "disjoint views of one buffer do not overlap";
  EXPECT_TRUE(test::identical(canvas.colRange(257, 2 * 257), want));
  EXPECT_TRUE(test::identical(canvas.colRange(0, 257), in));
  // Overlapping views of one buffer: the output gets its own buffer.
  cv::Mat shifted = canvas.colRange(100, 357);
  run(p, canvas.colRange(0, 257), shifted);
  EXPECT_NE(shifted.data, canvas.data + 100);
  EXPECT_TRUE(test::identical(shifted, want));
}

TEST(ImageMemory, LargeImagesAreHugePageAlignedAndReleased) {
  cv::Mat big;
  detail::create_image(big, 4096, 1500, CV_8UC3);  // 18 MiB
  EXPECT_EQ(big.u->currAllocator, detail::huge_page_allocator());
  EXPECT_EQ(big.allocator, nullptr) << "the header should not keep the allocator for later images";
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data) % (2 << 20), 0u);
  EXPECT_TRUE(big.isContinuous());
  big.setTo(cv::Scalar(1, 2, 3));
  cv::Mat copy = big.clone();  // OpenCV's own allocator for clones
  EXPECT_TRUE(test::identical(copy, big));
  const uchar* data = big.data;
  detail::create_image(big, 4096, 1500, CV_8UC3);  // same shape: kept
  EXPECT_EQ(big.data, data);
  cv::Mat roi = big(cv::Rect(100, 100, 50, 50));
  big.release();  // the view keeps the mapping alive
  EXPECT_EQ(roi.at<cv::Vec3b>(3, 3), cv::Vec3b(1, 2, 3));
  roi.release();
  cv::Mat small;
  detail::create_image(small, 100, 100, CV_8UC1);
  EXPECT_NE(small.u->currAllocator, detail::huge_page_allocator());
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

TEST(ImageFiles, DecodeFromMemoryChecksAsReadingAFileDoes) {
  for (const char* ext : {".png", ".tif", ".pgm"}) {
    const cv::Mat image = test::random_image(40, 23, CV_16UC1, 4);
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(cv::imencode(ext, image, bytes)) << ext;
    EXPECT_TRUE(test::identical(decode_image(bytes), image)) << ext;
  }
  const cv::Mat photo = test::random_image(64, 64, CV_8UC3, 6);
  std::vector<std::uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", photo, jpeg));
  std::string warnings = "unset";
  EXPECT_EQ(decode_image(jpeg, "photo.jpg", &warnings).size(), photo.size());
  EXPECT_EQ(warnings, "");
  // Cut short: libjpeg fills the rest with grey and only warns; that is an error naming the bytes.
  jpeg.resize(jpeg.size() / 2);
  try {
    decode_image(jpeg, "photo.jpg");
    ADD_FAILURE() << "a cut JPEG decoded without an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'photo.jpg': the file is damaged or truncated"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(decode_image({}), IoError);
  EXPECT_THROW(decode_image(std::vector<std::uint8_t>(50, 1)), IoError);
}

TEST(ImageFiles, DicomIsRefusedBeforeOpenCvsDecoderCanAbortTheProcess) {
  // Found by fuzz_codecs (tests/fuzz/crashes/codecs/dicom-gdcm-assert): Debian's OpenCV reads
  // DICOM through GDCM, which fails an assert() -- SIGABRT, the whole process -- on these 135 bytes.
  std::vector<std::uint8_t> bytes(128, 0);
  bytes[0] = 0xba;
  bytes[1] = 0xaf;
  bytes[127] = 'T';
  for (const int b : {0x44, 0x49, 0x43, 0x4d, 0xff, 0xd9, 0x46}) bytes.push_back(static_cast<std::uint8_t>(b));  // "DICM", then junk
  const auto expect_refused = [](const std::function<void()>& decode) {
    try {
      decode();
      ADD_FAILURE() << "a DICOM file was decoded";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("'scan.dcm': DICOM files are not supported"), std::string::npos) << e.what();
    }
  };
  expect_refused([&] { decode_image(bytes, "scan.dcm"); });
  test::TempDir dir;
  const std::string path = dir.file("scan.dcm");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  try {
    read_image(path);
    ADD_FAILURE() << "a DICOM file was read";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("DICOM files are not supported"), std::string::npos) << e.what();
  }
  EXPECT_THROW(count_image_pages(path), IoError);
}

TEST(ImageFiles, FailedWriteLeavesNothingBehind) {
  test::TempDir dir;
  const cv::Mat s16 = test::random_image(10, 10, CV_16SC1, 4);
  // OpenCV's JPEG 2000 encoder refuses images smaller than its resolution levels need: it
  // fails mid-write (the format and type pass the checks before it).
  EXPECT_THROW(write_image_atomic(dir.file("out.jp2"), cv::Mat(2, 3, CV_8UC1, cv::Scalar::all(1))), IoError);
  // JPEG cannot hold an image wider than 65500 pixels: refused before encoding.
  EXPECT_THROW(write_image_atomic(dir.file("out.jpg"), cv::Mat(2, 70000, CV_8UC1, cv::Scalar::all(1))), UsageError);
  EXPECT_THROW(write_image_atomic(dir.file("out.unknownext"), s16), UsageError);
  // Types a format cannot hold are refused, not converted (s16 to .png would saturate to u8).
  EXPECT_THROW(write_image_atomic(dir.file("out.png"), s16), UsageError);
  EXPECT_THROW(write_image_atomic(dir.file("out.bmp"), cv::Mat(4, 4, CV_16UC1, cv::Scalar::all(1000))), UsageError);
  EXPECT_THROW(write_image_atomic(dir.file("no/such/dir/out.png"), s16), IoError);
  EXPECT_TRUE(dir.files().empty()) << *dir.files().begin();
}

TEST(ImageFiles, PartialOutputsAreRemovedForASignalHandler) {
  test::TempDir dir;
  {
    TiffSink sink(dir.file("out.tif"));
    sink.open({64, 64}, {CV_8U, 1});
    ASSERT_EQ(dir.files().size(), 1u);
    EXPECT_EQ(dir.files().begin()->rfind(".out.tessera-", 0), 0u) << *dir.files().begin();
    remove_partial_outputs();
    EXPECT_TRUE(dir.files().empty()) << *dir.files().begin();
  }
  // Slots are freed with their files: outputs written afterwards are listed again.
  for (int i = 0; i < 40; ++i) write_image_atomic(dir.file("x.png"), cv::Mat::zeros(2, 2, CV_8UC1));
  TiffSink later(dir.file("later.tif"));
  later.open({16, 16}, {CV_8U, 1});
  EXPECT_EQ(dir.files().size(), 2u);
  remove_partial_outputs();
  EXPECT_EQ(dir.files(), (std::set<std::string>{"x.png"}));
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
