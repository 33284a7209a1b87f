// TIFF/BigTIFF streaming: TiffSink -> TiffSource round trips over every layout, depth,
// channel count and compression; concurrent reads; files built with libtiff (pages,
// palette, separate planes, YCbCr); atomic output. Bad files: tiff_errors_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tessera/cli_support.hpp"

#include "temp_dir.hpp"
#include "test_util.hpp"
#include "io/tiff_common.hpp"
#include "tiff_test_util.hpp"

namespace tessera {
namespace {

using namespace tifftest;

TEST(TiffRoundTrip, EveryLayoutDepthChannelsAndCompressionIsBitExact) {
  test::TempDir dir;
  for (bool tiled : {true, false})
    for (int depth : {CV_8U, CV_16U})
      for (int cn : {1, 3, 4})
        for (TiffCompression c : {TiffCompression::None, TiffCompression::Lzw, TiffCompression::Deflate}) {
          SCOPED_TRACE(std::string(tiled ? "tiled" : "striped") + " depth " + std::to_string(depth) + " x" +
                       std::to_string(cn) + " " + to_string(c));
          const cv::Mat image = test::random_image(157, 93, CV_MAKETYPE(depth, cn), unsigned(depth * 10 + cn));
          const std::string path = dir.file("rt.tif");
          write_tiff(path, image, layout(tiled, c));
          EXPECT_TRUE(test::identical(read_tiff(path), image));
          // OpenCV reads it the same: the file is a standard RGB(A) TIFF and BGR is mapped
          // right. (Not u8x4: OpenCV reads those through libtiff's RGBA interface, which
          // premultiplies unassociated alpha.)
          if (depth != CV_8U || cn != 4) {
            EXPECT_TRUE(test::identical(cv::imread(path, cv::IMREAD_UNCHANGED), image));
          }
        }
  EXPECT_EQ(dir.files(), (std::set<std::string>{"rt.tif"}));
}

TEST(TiffRoundTrip, SignedAndFloatSamples) {
  test::TempDir dir;
  for (int type : {CV_8SC1, CV_8SC3, CV_16SC1, CV_16SC3, CV_32FC1, CV_32FC4})
    for (TiffCompression c : {TiffCompression::None, TiffCompression::Deflate}) {
      const cv::Mat image = test::random_image(61, 40, type, 7);
      const std::string path = dir.file("f.tif");
      write_tiff(path, image, layout(true, c), {16, 9});
      const TiffSource source(path);
      cv::Mat back;
      source.read(full_rect(source.size()), back);
      EXPECT_TRUE(test::identical(back, image)) << "type " << type;
    }
}

TEST(TiffRoundTrip, RunWritesThroughTheSinkWithUnalignedTiles) {
  test::TempDir dir;
  const cv::Mat image = test::random_image(301, 203, CV_8UC3, 3);
  for (bool tiled : {true, false})
    for (Size tile : {Size{7, 5}, Size{100, 37}, Size{512, 512}}) {
      const std::string path = dir.file("run.tif");
      TiffSink sink(path, layout(tiled, TiffCompression::Lzw));
      RunOptions o;
      o.tile = tile;
      o.threads = 8;
      run(Pipeline::parse("invert"), MatSource(image), sink, o);
      cv::Mat inverted;
      cv::bitwise_not(image, inverted);
      EXPECT_TRUE(test::identical(read_tiff(path, 0, {64, 64}, 8), inverted)) << to_string(tile);
    }
}

/// An image with smooth content, which JPEG keeps close.
cv::Mat smooth_image(int w, int h, int type) {
  cv::Mat image = test::random_image(w, h, type, 5);
  cv::GaussianBlur(image, image, {0, 0}, 4);
  return image;
}

TEST(TiffRoundTrip, JpegIsClose) {
  test::TempDir dir;
  for (bool tiled : {true, false})
    for (int type : {CV_8UC1, CV_8UC3}) {
      const cv::Mat image = smooth_image(171, 99, type);
      const std::string path = dir.file("j.tif");
      TiffWriteOptions o = layout(tiled, TiffCompression::Jpeg);
      o.rows_per_strip = 32;
      o.jpeg_quality = 95;
      write_tiff(path, image, o);
      const cv::Mat back = read_tiff(path);
      ASSERT_EQ(back.type(), image.type());
      EXPECT_LE(cv::norm(back, image, cv::NORM_INF), 12) << "type " << type << (tiled ? " tiled" : " striped");
      EXPECT_LE(cv::norm(back, cv::imread(path, cv::IMREAD_UNCHANGED), cv::NORM_INF), 12);
    }
  TiffWriteOptions jpeg = layout(true, TiffCompression::Jpeg);
  EXPECT_THROW(TiffSink(dir.file("x.tif"), jpeg).open({10, 10}, {CV_16U, 1}), UsageError);
  EXPECT_THROW(TiffSink(dir.file("x.tif"), jpeg).open({10, 10}, {CV_8U, 4}), UsageError);
  jpeg.tiled = false;
  jpeg.rows_per_strip = 10;
  EXPECT_THROW(TiffSink(dir.file("x.tif"), jpeg), UsageError);
  TiffWriteOptions bad_tile;
  bad_tile.tile = {100, 64};
  EXPECT_THROW(TiffSink(dir.file("x.tif"), bad_tile), UsageError);
  EXPECT_EQ(dir.files(), (std::set<std::string>{"j.tif"}));
}

TEST(TiffRoundTrip, BigTiffOnRequest) {
  test::TempDir dir;
  const cv::Mat image = test::random_image(130, 70, CV_16UC3, 9);
  TiffWriteOptions o = layout(true, TiffCompression::Deflate);
  o.bigtiff = true;
  const std::string path = dir.file("big.tif");
  write_tiff(path, image, o);
  EXPECT_TRUE(tiff_info(path).bigtiff);
  EXPECT_TRUE(test::identical(read_tiff(path), image));
  write_tiff(path, image, layout(true, TiffCompression::Deflate));
  EXPECT_FALSE(tiff_info(path).bigtiff);
  // Chosen automatically from the uncompressed size (nothing is written here: the sink
  // is destroyed unclosed, which removes its temporary file).
  {
    TiffSink huge(dir.file("huge.tif"));
    huge.open({70000, 70000}, {CV_8U, 1});
    EXPECT_TRUE(huge.bigtiff());
    TiffSink small(dir.file("small.tif"));
    small.open({30000, 30000}, {CV_8U, 4});
    EXPECT_FALSE(small.bigtiff());
  }
  EXPECT_EQ(dir.files(), (std::set<std::string>{"big.tif"}));
}

TEST(TiffSink, BigTiffDecisionCountsTheBytesLibtiffWrites) {
  using detail::needs_bigtiff;
  const PixelType rgb{CV_8U, 3};
  const Size image{36000, 36000};  // 3.6 GiB of pixels, under the 4 GiB of classic TIFF
  TiffWriteOptions o;
  o.compression = TiffCompression::None;
  o.tile = {256, 256};  // padded to 36096 a side: 3.6 GiB
  EXPECT_FALSE(needs_bigtiff(image, rgb, o));
  o.tile = {16384, 16384};  // three tiles a side, padded to 49152: 6.8 GiB
  EXPECT_TRUE(needs_bigtiff(image, rgb, o));
  o.tile = {36000 / 16 * 16 + 16, 16};  // 36016 wide, one tile across
  EXPECT_FALSE(needs_bigtiff(image, rgb, o));
  o.tiled = false;  // strips are not padded, even with many rows each
  o.rows_per_strip = 35999;
  EXPECT_FALSE(needs_bigtiff(image, rgb, o));
  o.compression = TiffCompression::Lzw;  // may expand incompressible data
  EXPECT_TRUE(needs_bigtiff(image, rgb, o));
  o.compression = TiffCompression::Jpeg;
  EXPECT_TRUE(needs_bigtiff(image, rgb, o));
  o.compression = TiffCompression::Deflate;
  EXPECT_FALSE(needs_bigtiff(image, rgb, o));
  // Tiny tiles: their tables count too (16x16 u8 tiles: 256 bytes each, plus 8 in the tables).
  o.tiled = true;
  o.tile = {16, 16};
  o.compression = TiffCompression::None;
  EXPECT_FALSE(needs_bigtiff({60000, 60000}, {CV_8U, 1}, o));  // 3.35 GiB + 0.1 GiB
  EXPECT_TRUE(needs_bigtiff({63000, 63000}, {CV_8U, 1}, o));   // 3.7 GiB + 0.1 GiB
  // What TiffSink::open decides (nothing is written: destroyed unclosed).
  test::TempDir dir;
  TiffWriteOptions big_tiles;
  big_tiles.tile = {16384, 16384};
  TiffSink sink(dir.file("out.tif"), big_tiles);
  sink.open(image, rgb);
  EXPECT_TRUE(sink.bigtiff());
}

TEST(TiffSink, SidesUpTo2To31) {
  test::TempDir dir;
  TiffWriteOptions o;
  o.tile = {65536, 16};
  {
    TiffSink widest(dir.file("a.tif"), o);
    EXPECT_NO_THROW(widest.open({kMaxTiffSide, 16}, {CV_8U, 1}));
    EXPECT_THROW(TiffSink(dir.file("b.tif"), o).open({kMaxTiffSide + 1, 16}, {CV_8U, 1}), UsageError);
    EXPECT_THROW(TiffSink(dir.file("c.tif"), o).open({16, kMaxTiffSide + 1}, {CV_8U, 1}), UsageError);
    // More tiles than TIFF's 32-bit tile index can number.
    TiffWriteOptions small = o;
    small.tile = {16, 16};
    EXPECT_THROW(TiffSink(dir.file("d.tif"), small).open({kMaxTiffSide, kMaxTiffSide}, {CV_8U, 1}), UsageError);
    // A strip as wide as the image must fit a cv::Mat.
    TiffWriteOptions striped = o;
    striped.tiled = false;
    EXPECT_THROW(TiffSink(dir.file("e.tif"), striped).open({kMaxTiffSide, 16}, {CV_8U, 1}), UsageError);
  }
  EXPECT_TRUE(dir.files().empty());
}

TEST(TiffSource, ReadsAnImage2To31Wide) {
  // 2^31 x 16 in 32768 tiles of 65536x16, only the first and last of them stored.
  test::TempDir dir;
  const std::string path = dir.file("wide.tif");
  const std::uint32_t tiles = static_cast<std::uint32_t>(kMaxTiffSide / 65536);
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(kMaxTiffSide));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 16);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_TILEWIDTH, 65536);
  TIFFSetField(tif, TIFFTAG_TILELENGTH, 16);
  const cv::Mat first = test::random_image(65536, 16, CV_8UC1, 1), last = test::random_image(65536, 16, CV_8UC1, 2);
  ASSERT_EQ(TIFFWriteEncodedTile(tif, 0, first.data, 65536 * 16), 65536 * 16);
  ASSERT_EQ(TIFFWriteEncodedTile(tif, tiles - 1, last.data, 65536 * 16), 65536 * 16);
  TIFFClose(tif);

  const TiffSource source(path);
  EXPECT_EQ(source.size(), (Size{kMaxTiffSide, 16}));
  cv::Mat got;
  source.read({0, 3, 100, 10}, got);
  EXPECT_TRUE(test::identical(got, first(cv::Rect(0, 3, 100, 10))));
  source.read({kMaxTiffSide - 100, 0, 100, 16}, got);
  EXPECT_TRUE(test::identical(got, last(cv::Rect(65536 - 100, 0, 100, 16))));
  EXPECT_THROW(source.read({0, 0, kMaxTiffSide, 16}, got), UsageError);  // one cv::Mat cannot hold it
}

TEST(TiffSource, ConcurrentReadsFromManyThreads) {
  test::TempDir dir;
  const cv::Mat image = test::random_image(1000, 777, CV_8UC3, 11);
  const std::string path = dir.file("big.tif");
  TiffWriteOptions o = layout(true, TiffCompression::Lzw);
  o.tile = {64, 64};
  write_tiff(path, image, o, {256, 256});
  EXPECT_TRUE(test::identical(read_tiff(path, 0, {37, 29}, 8), image));
  EXPECT_TRUE(test::identical(read_tiff(path, 0, {37, 29}, 8), cv::imread(path, cv::IMREAD_UNCHANGED)));
  // Raw threads hammering read() with random rects.
  const TiffSource source(path);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng{unsigned(t)};
      for (int k = 0; k < 150; ++k) {
        const int x = int(rng() % 1000), y = int(rng() % 777);
        const int w = 1 + int(rng() % unsigned(std::min(200, 1000 - x)));
        const int h = 1 + int(rng() % unsigned(std::min(200, 777 - y)));
        cv::Mat part;
        source.read({x, y, w, h}, part);
        if (cv::norm(part, image(cv::Rect(x, y, w, h)), cv::NORM_INF) != 0) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(TiffSource, AFileInMemoryReadsAsTheSameFileOnDisk) {
  test::TempDir dir;
  const cv::Mat image = test::random_image(300, 211, CV_16UC3, 5);
  for (bool tiled : {true, false}) {
    const std::string path = dir.file("disk.tif");
    TiffWriteOptions o = layout(tiled, TiffCompression::Deflate);
    o.tile = {64, 48};
    o.rows_per_strip = 16;
    write_tiff(path, image, o, {100, 100});
    std::ifstream is(path, std::ios::binary);
    auto bytes = std::make_shared<const std::vector<std::uint8_t>>(std::istreambuf_iterator<char>(is),
                                                                   std::istreambuf_iterator<char>());
    // Through run() with 4 threads: concurrent readers share the bytes, each with its own position.
    const TiffSource source(bytes, "upload.tif");
    EXPECT_EQ(source.size(), (Size{300, 211}));
    MatSink sink;
    run(Pipeline::parse("invert | invert"), source, sink, test::tiles({37, 29}, Backend::Tbb, 4));
    EXPECT_TRUE(test::identical(sink.mat(), image)) << "tiled " << tiled;

    // Cut short: an error naming the bytes, at open or at the first read of a missing strip or tile.
    auto cut = std::make_shared<const std::vector<std::uint8_t>>(bytes->begin(), bytes->begin() + bytes->size() / 2);
    try {
      const TiffSource half(cut, "upload.tif");
      cv::Mat out;
      half.read(full_rect(half.size()), out);
      ADD_FAILURE() << "a file cut in half read without an error";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("'upload.tif'"), std::string::npos) << e.what();
    }
  }
  const auto not_tiff = std::make_shared<const std::vector<std::uint8_t>>(100, std::uint8_t{7});
  EXPECT_THROW(TiffSource(not_tiff, "x"), IoError);
  EXPECT_THROW(TiffSource(std::shared_ptr<const std::vector<std::uint8_t>>(), "x"), UsageError);
}

TEST(TiffSource, PagesOfAMultiDirectoryFile) {
  test::TempDir dir;
  const std::string path = dir.file("multi.tif");
  write_raw(path, 3, 50, 20, [](TIFF* tif, int p) {
    if (p == 1) TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  });
  for (int p = 0; p < 3; ++p) EXPECT_TRUE(test::identical(read_tiff(path, p), expected_gray(50 + p * 10, 20, p)));
  const std::string e = read_error(path, 3);
  EXPECT_NE(e.find("multi.tif"), std::string::npos) << e;
  EXPECT_NE(e.find("page 3 does not exist (the file has 3 pages"), std::string::npos) << e;
  const TiffInfo info = tiff_info(path);
  ASSERT_EQ(info.directories.size(), 3u);
  EXPECT_EQ(info.directories[2].width, 70);
  EXPECT_EQ(info.directories[1].compression, "lzw");
  EXPECT_EQ(info.directories[0].rows_per_strip, 8);
  EXPECT_FALSE(info.directories[0].tiled);
  EXPECT_NE(to_string(info).find("page 2: 70x20 1x8-bit uint, striped 8 rows, none, minisblack"), std::string::npos)
      << to_string(info);
}

TEST(TiffSource, PaletteAndSeparatePlanes) {
  test::TempDir dir;
  const std::string palette = dir.file("palette.tif");
  std::vector<std::uint16_t> r(256), g(256), b(256);
  for (int i = 0; i < 256; ++i) r[i] = std::uint16_t(i * 257), g[i] = std::uint16_t((255 - i) * 257), b[i] = 0;
  write_raw(palette, 1, 33, 17, [&](TIFF* tif, int) {
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_PALETTE);
    TIFFSetField(tif, TIFFTAG_COLORMAP, r.data(), g.data(), b.data());
  });
  const cv::Mat idx = expected_gray(33, 17, 0);
  cv::Mat want;
  cv::Mat zero = cv::Mat::zeros(idx.size(), CV_8U), inv = 255 - idx;
  cv::merge(std::vector<cv::Mat>{zero, inv, idx}, want);  // BGR
  EXPECT_TRUE(test::identical(read_tiff(palette), want));

  // Three separate 8-bit planes, tiled.
  const std::string planar = dir.file("planar.tif");
  const cv::Mat image = test::random_image(70, 45, CV_8UC3, 4);
  TIFF* tif = TIFFOpen(planar.c_str(), "w");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 70);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 45);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_SEPARATE);
  TIFFSetField(tif, TIFFTAG_TILEWIDTH, 32);
  TIFFSetField(tif, TIFFTAG_TILELENGTH, 16);
  std::vector<cv::Mat> planes;
  cv::split(image, planes);  // B, G, R
  for (int s = 0; s < 3; ++s)
    for (int y = 0; y < 45; y += 16)
      for (int x = 0; x < 70; x += 32) {
        cv::Mat t = cv::Mat::zeros(16, 32, CV_8U);
        const cv::Rect rr(x, y, std::min(32, 70 - x), std::min(16, 45 - y));
        planes[2 - s](rr).copyTo(t(cv::Rect(0, 0, rr.width, rr.height)));
        ASSERT_GE(TIFFWriteTile(tif, t.data, std::uint32_t(x), std::uint32_t(y), 0, std::uint16_t(s)), 0);
      }
  TIFFClose(tif);
  EXPECT_TRUE(test::identical(read_tiff(planar, 0, {21, 13}), image));
  EXPECT_EQ(tiff_info(planar).directories[0].planar, "separate");
}

TEST(TiffSource, YCbCrSubsampledLzwUsesTheRgbaFallback) {
  test::TempDir dir;
  const std::string path = dir.file("ycbcr.tif");
  const int w = 32, h = 16;
  write_ycbcr420(path, w, h, 8);
  const TiffSource source(path);
  EXPECT_EQ(source.type(), (PixelType{CV_8U, 3}));
  cv::Mat want;
  cv::cvtColor(expected_gray(w, h, 0) * 4, want, cv::COLOR_GRAY2BGR);
  const cv::Mat got = read_tiff(path, 0, {5, 3});
  EXPECT_LE(cv::norm(got, want, cv::NORM_INF), 2);
}

// ---- output files ----

/// Copies its input, but throws on any tile below row 100.
class ThrowingKernel final : public Kernel {
 public:
  std::string name() const override { return "boom"; }
  KernelClass kernel_class() const override { return KernelClass::Pointwise; }
  PixelType output_type(std::span<const PixelType> in) const override { return in[0]; }
  void process(const TileIO& io) const override {
    if (io.out_rect.y >= 100) throw std::runtime_error("boom");
    io.in[0].copyTo(io.out);
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return in[0].clone(); }
};

TEST(TiffSink, FailedRunLeavesNoFile) {
  test::TempDir dir;
  const cv::Mat image = test::random_image(300, 300, CV_8UC3, 6);
  for (bool tiled : {true, false}) {
    Pipeline p;
    p.add(std::make_shared<ThrowingKernel>());
    TiffSink sink(dir.file("out.tif"), layout(tiled, TiffCompression::Deflate));
    RunOptions o;
    o.tile = {64, 64};
    EXPECT_ANY_THROW(run(p, MatSource(image), sink, o));
  }
  EXPECT_TRUE(dir.files().empty());
  {
    TiffSink incomplete(dir.file("out.tif"));
    incomplete.open({100, 100}, {CV_8U, 1});
    incomplete.write({0, 0, 50, 100}, cv::Mat::zeros(100, 50, CV_8U));
    EXPECT_THROW(incomplete.close(), IoError);
  }
  EXPECT_TRUE(dir.files().empty());
  EXPECT_THROW(TiffSink(dir.file("no/such/dir/x.tif")).open({8, 8}, {CV_8U, 1}), IoError);
}

TEST(TiffHelpers, PathsAndPages) {
  test::TempDir dir;
  for (const char* name : {"a.tif", "b.TIFF", "c.svs", "d.btf", "e.tf8", "f.ome.tif"}) EXPECT_TRUE(is_tiff_path(name));
  EXPECT_FALSE(is_tiff_path("a.png"));
  const std::string noext = dir.file("noext");
  write_tiff(noext + ".tif", test::random_image(8, 8, CV_8UC1, 1), {});
  std::filesystem::rename(noext + ".tif", noext);
  EXPECT_TRUE(is_tiff_path(noext));
  const TiffPath p = parse_path_page("slides/in.svs[page=2]");
  EXPECT_EQ(p.path, "slides/in.svs");
  EXPECT_EQ(p.page, 2);
  EXPECT_EQ(parse_path_page("in.tif").page, 0);
  EXPECT_EQ(parse_path_page("in.tif").path, "in.tif");
  EXPECT_THROW(parse_path_page("in.tif[page=x]"), UsageError);
  EXPECT_THROW(parse_path_page("in.tif[page=-1]"), UsageError);
  EXPECT_EQ(parse_tiff_compression("zip"), TiffCompression::Deflate);
  EXPECT_THROW(parse_tiff_compression("lzma"), UsageError);
}

}  // namespace
}  // namespace tessera
