// TIFF files that are not TIFF, truncated, corrupted or unsupported: an IoError naming
// the file (and the tile or strip where one is at fault), never a crash or a hang.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tessera/cli_support.hpp"

#include "temp_dir.hpp"
#include "test_util.hpp"
#include "tiff_test_util.hpp"

namespace tessera {
namespace {

using namespace tifftest;

/// Prints the peak resident memory of the test process once its tests have run, and holds it to
/// 1 GiB: ctest runs each test of this file in a process of its own, so that is each bad file's
/// peak (the suite's record that no crafted file makes the reader grow past what it was given).
class PeakMemory : public ::testing::Environment {
 public:
  void TearDown() override {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const std::int64_t peak = std::int64_t{usage.ru_maxrss} * 1024;
    std::printf("peak RSS %.1f MiB (allowed 1024 MiB)\n", double(peak) / (1 << 20));
    EXPECT_LE(peak, std::int64_t{1} << 30);
  }
};
const auto* const peak_memory = ::testing::AddGlobalTestEnvironment(new PeakMemory);

TEST(TiffErrors, NotATiffMissingAndBadPage) {
  test::TempDir dir;
  std::ofstream(dir.file("text.tif")) << "this is not a TIFF file at all";
  for (const char* name : {"text.tif", "missing.tif"}) {
    const std::string e = read_error(dir.file(name));
    EXPECT_NE(e.find(name), std::string::npos) << e;
  }
  const std::string path = dir.file("one.tif");
  write_tiff(path, test::random_image(20, 20, CV_8UC1, 1), {});
  const std::string e = read_error(path, 5);
  EXPECT_NE(e.find("page 5 does not exist (the file has 1 page)"), std::string::npos) << e;
  EXPECT_THROW(tiff_info(dir.file("text.tif")), IoError);
}

/// Where the data of a tile lies in the file.
struct TileBytes {
  std::uint64_t offset = 0, count = 0;
};

/// Every tile of page 0.
std::vector<TileBytes> tile_bytes(const std::string& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  std::vector<TileBytes> tiles;
  for (std::uint32_t i = 0; i < TIFFNumberOfTiles(tif); ++i)
    tiles.push_back({TIFFGetStrileOffset(tif, i), TIFFGetStrileByteCount(tif, i)});
  TIFFClose(tif);
  return tiles;
}

/// Writes `bytes` at `offset` of the file.
void patch(const std::string& path, std::uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(std::streamoff(offset));
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

TEST(TiffErrors, CorruptTileNamesTheFileAndTile) {
  test::TempDir dir;
  const std::string path = dir.file("corrupt.tif");
  write_tiff(path, test::random_image(100, 100, CV_8UC1, 2), layout(true, TiffCompression::Deflate));
  const auto tiles = tile_bytes(path);
  ASSERT_GT(tiles.size(), 3u);
  patch(path, tiles[3].offset, std::string(8, '\xff'));  // breaks the zlib header
  const std::string e = read_error(path);
  EXPECT_NE(e.find("corrupt.tif"), std::string::npos) << e;
  EXPECT_NE(e.find("tile 3 at (x=0, y=32)"), std::string::npos) << e;
  // Tiles before the damaged one still read.
  const TiffSource source(path);
  cv::Mat part;
  source.read({0, 0, 40, 30}, part);
}

TEST(TiffErrors, CorruptJpegDataIsAnErrorNotAWarning) {
  test::TempDir dir;
  const std::string path = dir.file("jpeg.tif");
  write_tiff(path, test::random_image(96, 64, CV_8UC1, 4), layout(true, TiffCompression::Jpeg));  // 2x2 tiles
  ASSERT_EQ(read_error(path), "no error");
  // An end-of-image marker halfway through tile 3's entropy-coded data: libjpeg only warns
  // ("Corrupt JPEG data: premature end of data segment") and fills the rest of the tile.
  const auto tiles = tile_bytes(path);
  ASSERT_EQ(tiles.size(), 4u);
  ASSERT_GT(tiles[3].count, 200u);
  patch(path, tiles[3].offset + tiles[3].count / 2, "\xff\xd9");
  const std::string e = read_error(path);
  EXPECT_NE(e.find("jpeg.tif"), std::string::npos) << e;
  EXPECT_NE(e.find("tile 3 at (x=48, y=32)"), std::string::npos) << e;
  EXPECT_NE(e.find("Corrupt JPEG data"), std::string::npos) << e;
  // The intact tiles still read.
  const TiffSource source(path);
  cv::Mat part;
  EXPECT_NO_THROW(source.read({0, 0, 96, 32}, part));
}

TEST(TiffErrors, BrokenChainOfPagesIsReportedByInfo) {
  test::TempDir dir;
  const std::string path = dir.file("pages.tif");
  write_raw(path, 3, 16, 8, [](TIFF*, int) {});
  EXPECT_EQ(tiff_info(path).chain_error, "");
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  ASSERT_EQ(TIFFSetDirectory(tif, 2), 1);
  const std::uint64_t third = TIFFCurrentDirOffset(tif);
  TIFFClose(tif);
  std::filesystem::resize_file(path, third + 1);  // the third directory is cut off
  const TiffInfo info = tiff_info(path);
  EXPECT_EQ(info.directories.size(), 2u);
  EXPECT_NE(info.chain_error, "");
  EXPECT_TRUE(test::identical(read_tiff(path, 1), expected_gray(26, 8, 1)));
}

TEST(TiffErrors, TruncatedFile) {
  test::TempDir dir;
  const std::string path = dir.file("cut.tif");
  // The directory first (as cloud-optimised writers do), then the tiles: cutting the
  // file loses tile data, not the directory.
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 128);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 128);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  TIFFSetField(tif, TIFFTAG_TILEWIDTH, 64);
  TIFFSetField(tif, TIFFTAG_TILELENGTH, 64);
  TIFFDeferStrileArrayWriting(tif);
  TIFFWriteCheck(tif, 1, "test");
  TIFFWriteDirectory(tif);
  TIFFSetDirectory(tif, 0);
  const cv::Mat image = test::random_image(64, 64, CV_8UC1, 3);
  for (std::uint32_t i = 0; i < 4; ++i) TIFFWriteEncodedTile(tif, i, image.data, 64 * 64);
  TIFFForceStrileArrayWriting(tif);
  TIFFClose(tif);
  const auto tiles = tile_bytes(path);
  ASSERT_EQ(tiles.size(), 4u);
  std::filesystem::resize_file(path, tiles[2].offset + 100);
  const std::string e = read_error(path);
  EXPECT_NE(e.find("cut.tif"), std::string::npos) << e;
  EXPECT_NE(e.find("tile 2 at (x=0, y=64)"), std::string::npos) << e;
  // Cut before the end of the directory: an error when opening.
  std::filesystem::resize_file(path, 60);
  EXPECT_NE(read_error(path).find("cut.tif"), std::string::npos) << read_error(path);
}

TEST(TiffErrors, AbsurdDimensionsAndUnsupportedSamples) {
  test::TempDir dir;
  const std::string path = dir.file("dims.tif");
  for (bool tiled : {true, false})
    for (std::uint32_t width : {0u, 0xFFFFFFFFu, 0x80000001u}) {
      write_tiff(path, test::random_image(40, 30, CV_8UC1, 1), layout(tiled, TiffCompression::None));
      patch_entry(path, TIFFTAG_IMAGEWIDTH, 8, width);
      const std::string e = read_error(path);
      EXPECT_NE(e.find("dims.tif"), std::string::npos) << width << ": " << e;
      // libtiff rejects some itself (tile counts); striped files reach tessera's own check.
      if (!tiled && width != 0) {
        EXPECT_NE(e.find("unsupported image size"), std::string::npos) << e;
      }
    }
  // 2^31 is a valid side (TiffSource.ReadsAnImage2To31Wide), but not for a strip, which
  // is decoded into one cv::Mat.
  write_tiff(path, test::random_image(40, 30, CV_8UC1, 1), layout(false, TiffCompression::None));
  patch_entry(path, TIFFTAG_IMAGEWIDTH, 8, 0x80000000u);
  EXPECT_NE(read_error(path).find("unsupported strip size 2147483648x13"), std::string::npos) << read_error(path);
  for (int bits : {1, 12}) {
    const std::string odd = dir.file("bits" + std::to_string(bits) + ".tif");
    write_raw(
        odd, 1, 16, 8, [](TIFF*, int) {}, bits);
    const std::string e = read_error(odd);
    EXPECT_NE(e.find(odd), std::string::npos) << e;
    EXPECT_NE(e.find(std::to_string(bits) + "-bit uint"), std::string::npos) << e;
  }
}

TEST(TiffErrors, ABigTiffWhoseTileTablesListOneTileIsAnError) {
  // The probe's "BigTIFF whose tile count is 1": libtiff ignores the short table ("Incorrect count
  // for "TileOffsets"; tag ignored") and would read on without it.
  test::TempDir dir;
  const std::string path = dir.file("big.tif");
  TiffWriteOptions o = layout(true, TiffCompression::Deflate);
  o.tile = {16, 16};
  o.bigtiff = true;
  for (const std::uint16_t tag : {std::uint16_t{TIFFTAG_TILEOFFSETS}, std::uint16_t{TIFFTAG_TILEBYTECOUNTS}}) {
    write_tiff(path, test::random_image(64, 48, CV_8UC1, 4), o);
    patch_bigtiff_count(path, tag, 1);
    const std::string e = read_error(path);
    EXPECT_NE(e.find("ignoring or guessing a tag of the data's layout"), std::string::npos) << e;
    EXPECT_NE(e.find(tag == TIFFTAG_TILEOFFSETS ? "TileOffsets" : "TileByteCounts"), std::string::npos) << e;
  }
}

TEST(TiffErrors, AYCbCrFileWhoseRowsPerStripLiesIsAnErrorNotBlankRows) {
  // The probe's "YCbCr file with a huge RowsPerStrip": subsampled YCbCr goes through libtiff's
  // RGBA interface, whose plain calls report success over strips that did not decode ("LZWDecode:
  // Not enough data at scanline 0") and leave those rows blank: exit 0 over wrong pixels.
  test::TempDir dir;
  const std::string path = dir.file("ycbcr.tif");
  for (const std::uint32_t rows : {16u, 1000000u, 0xFFFFFFFFu}) {
    write_ycbcr420(path, 32, 32, 4);
    EXPECT_EQ(read_error(path), "no error");  // as written, it reads
    patch_entry(path, TIFFTAG_ROWSPERSTRIP, 8, rows);  // now strip 0 claims more rows than it holds
    const std::string e = read_error(path);
    EXPECT_NE(e.find("ycbcr.tif': strip 0"), std::string::npos) << rows << ": " << e;
    EXPECT_NE(e.find("Not enough data"), std::string::npos) << rows << ": " << e;
  }
}

TEST(TiffErrors, WarningsThatChangeThePixelsAreErrors) {
  // libtiff warns, ignores or recomputes a layout tag, and reads on: the pixels would not be
  // the file's, and tessera used to say "done" over them (exit 0).
  test::TempDir dir;
  const std::string path = dir.file("lies.tif");
  const TiffWriteOptions one_strip = tifftest::one_strip(TiffCompression::None, 30);
  const cv::Mat image = test::random_image(40, 30, CV_8UC1, 7);
  struct Case {
    std::uint16_t tag;
    int field;  // 2: type, 4: count, 8: value
    std::uint32_t value;
    std::string words;
  };
  const Case cases[] = {
      // libtiff: "Bogus "StripByteCounts" field, ignoring and calculating from imagelength".
      {TIFFTAG_STRIPBYTECOUNTS, 8, 0, "StripByteCounts"},
      {TIFFTAG_STRIPBYTECOUNTS, 8, 0xFFFFFF, "StripByteCounts"},
  };
  for (const Case& c : cases) {
    write_tiff(path, image, one_strip);
    patch_entry(path, c.tag, c.field, c.value);
    const std::string e = read_error(path);
    EXPECT_NE(e.find("lies.tif"), std::string::npos) << e;
    EXPECT_NE(e.find("ignoring or guessing a tag of the data's layout"), std::string::npos) << c.words << ": " << e;
    EXPECT_NE(e.find(c.words), std::string::npos) << e;
  }
  // A Compression tag that says "none" over JPEG data (an SVS the probe found): libtiff takes
  // the tiles' byte counts for wrong and computes its own.
  write_tiff(path, test::random_image(64, 48, CV_8UC3, 3), layout(true, TiffCompression::Jpeg));
  patch_entry(path, TIFFTAG_COMPRESSION, 8, COMPRESSION_NONE);
  patch_entry(path, TIFFTAG_PHOTOMETRIC, 8, PHOTOMETRIC_RGB);
  const std::string e = read_error(path);
  EXPECT_NE(e.find("ignoring or guessing a tag of the data's layout"), std::string::npos) << e;
  EXPECT_EQ(e.find("calculating"), e.rfind("calculating")) << "each libtiff message once: " << e;
  // An undeclared extra band (its ExtraSamples tag renamed to an unknown one): libtiff warns and
  // declares it itself; the pixels are the file's.
  const cv::Mat four = test::random_image(40, 30, CV_8UC4, 8);
  write_tiff(path, four, one_strip);
  patch_entry(path, TIFFTAG_EXTRASAMPLES, 0, 65001);
  EXPECT_NE(TiffSource(path).warnings().find("ExtraSamples"), std::string::npos) << TiffSource(path).warnings();
  EXPECT_EQ(cv::norm(read_tiff(path), four, cv::NORM_INF), 0);
  // A warning that does not touch the pixels stays a warning: an unknown tag.
  write_tiff(path, image, one_strip);
  patch_entry(path, TIFFTAG_SOFTWARE, 0, 65000);
  const TiffSource source(path);
  EXPECT_NE(source.warnings().find("Unknown field with tag 65000"), std::string::npos) << source.warnings();
  EXPECT_EQ(read_tiff(path).size(), image.size());
  EXPECT_EQ(cv::norm(read_tiff(path), image, cv::NORM_INF), 0);
}

TEST(TiffErrors, AChunkLargerThanTheMemoryShareIsRefusedAndReadersAreBounded) {
  // A file's own strips (or tiles) can be far larger than a budget: a 65536x65536 tile is 4 GiB
  // decoded. Each reader decoded one whole, per thread, whatever --memory said.
  test::TempDir dir;
  const std::string path = dir.file("one_strip.tif");
  const cv::Mat image = test::random_image(200, 100, CV_8UC3, 5);
  write_tiff(path, image, tifftest::one_strip(TiffCompression::Deflate, 112));
  TiffSource source(path);
  EXPECT_EQ(source.chunk_bytes(), 200 * 100 * 3);
  try {
    source.limit_memory(50000);
    FAIL() << "a 60000-byte strip accepted within 50000 bytes";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("its strips are 200x100, 58.6 KiB each to decode"), std::string::npos) << e.what();
  }
  // Room for one reader: four threads share it, and the pixels are the same.
  source.limit_memory(130000);
  MatSink sink;
  RunOptions o;
  o.tile = {16, 16};
  o.threads = 4;
  run(Pipeline::parse("invert | invert"), source, sink, o);
  EXPECT_EQ(cv::norm(sink.mat(), image, cv::NORM_INF), 0);
  EXPECT_EQ(source.readers_opened(), 1) << "four threads, room for one reader";
}

}  // namespace
}  // namespace tessera
