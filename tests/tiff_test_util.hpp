// Helpers shared by the TIFF tests: writing through TiffSink, reading through TiffSource,
// and writing unusual files directly with libtiff.
#pragma once

#include <fstream>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <tiffio.h>

#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"
#include "test_util.hpp"

namespace tessera::tifftest {

/// Writes `image` through a TiffSink directly, in tessera tiles of `tile` sent in a
/// shuffled order.
inline void write_tiff(const std::string& path, const cv::Mat& image, const TiffWriteOptions& opt, Size tile = {7, 5}) {
  TiffSink sink(path, opt);
  sink.open({image.cols, image.rows}, PixelType::of(image));
  const TileGrid grid({image.cols, image.rows}, tile);
  std::vector<std::int64_t> order(static_cast<std::size_t>(grid.count()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (std::int64_t i : order) {
    const Rect r = grid.tile(i);
    sink.write(r, image(cv::Rect(int(r.x), int(r.y), int(r.w), int(r.h))));
  }
  sink.close();
}

/// The whole page read through tessera::run with `threads` threads and output tiles `tile`.
inline cv::Mat read_tiff(const std::string& path, int page = 0, Size tile = {100, 37}, int threads = 2) {
  const TiffSource source(path, page);
  MatSink sink;
  RunOptions o;
  o.tile = tile;
  o.threads = threads;
  run(Pipeline::parse("invert | invert"), source, sink, o);
  return sink.mat();
}

/// The message of the IoError that reading `path` throws, opening or reading every pixel.
inline std::string read_error(const std::string& path, int page = 0) {
  try {
    const TiffSource source(path, page);
    cv::Mat out;
    source.read(full_rect(source.size()), out);
  } catch (const IoError& e) {
    return e.what();
  }
  return "no error";
}

/// Rewrites one field of the entry for `tag` in the first directory of a little-endian
/// classic TIFF: at byte `field` of its 12 (0: the tag number, 2: the type, 4: the count,
/// 8: the value, then written as a LONG with the type set to LONG).
inline void patch_entry(const std::string& path, std::uint16_t tag, int field, std::uint32_t value) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::uint32_t ifd = 0;
  std::uint16_t count = 0;
  f.seekg(4);
  f.read(reinterpret_cast<char*>(&ifd), 4);
  f.seekg(ifd);
  f.read(reinterpret_cast<char*>(&count), 2);
  for (int i = 0; i < count; ++i) {
    const std::streamoff entry = ifd + 2 + 12 * i;
    std::uint16_t t = 0;
    f.seekg(entry);
    f.read(reinterpret_cast<char*>(&t), 2);
    if (t != tag) continue;
    if (field == 8) {
      const std::uint16_t long_type = TIFF_LONG;
      f.seekp(entry + 2);
      f.write(reinterpret_cast<const char*>(&long_type), 2);
    }
    f.seekp(entry + field);
    f.write(reinterpret_cast<const char*>(&value), field == 0 || field == 2 ? 2 : 4);
    return;
  }
  FAIL() << "tag " << tag << " not found";
}

/// Rewrites the count of the entry for `tag` in the first directory of a little-endian BigTIFF
/// (entries of 20 bytes: tag, type, 8-byte count, 8-byte value).
inline void patch_bigtiff_count(const std::string& path, std::uint16_t tag, std::uint64_t count) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::uint64_t ifd = 0, entries = 0;
  f.seekg(8);
  f.read(reinterpret_cast<char*>(&ifd), 8);
  f.seekg(static_cast<std::streamoff>(ifd));
  f.read(reinterpret_cast<char*>(&entries), 8);
  for (std::uint64_t i = 0; i < entries; ++i) {
    const auto entry = static_cast<std::streamoff>(ifd + 8 + 20 * i);
    std::uint16_t t = 0;
    f.seekg(entry);
    f.read(reinterpret_cast<char*>(&t), 2);
    if (t != tag) continue;
    f.seekp(entry + 4);
    f.write(reinterpret_cast<const char*>(&count), 8);
    return;
  }
  FAIL() << "tag " << tag << " not found";
}

/// Writes a w x h YCbCr 4:2:0 LZW striped TIFF, which TiffSource reads through libtiff's RGBA
/// interface: a gray ramp, Y = (x + y) * 4 with neutral chroma. w, h and rows_per_strip are
/// even, h a multiple of rows_per_strip.
inline void write_ycbcr420(const std::string& path, int w, int h, int rows_per_strip) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, w);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 2, 2);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
  // Each 2x2 block: four Y values, then Cb and Cr.
  for (int strip = 0; strip < h / rows_per_strip; ++strip) {
    std::vector<std::uint8_t> data;
    for (int by = strip * rows_per_strip; by < (strip + 1) * rows_per_strip; by += 2)
      for (int bx = 0; bx < w; bx += 2) {
        for (int k = 0; k < 4; ++k) data.push_back(std::uint8_t(((bx + k % 2) + (by + k / 2)) * 4));
        data.push_back(128);
        data.push_back(128);
      }
    ASSERT_GE(TIFFWriteEncodedStrip(tif, std::uint32_t(strip), data.data(), tmsize_t(data.size())), 0);
  }
  TIFFClose(tif);
}

inline TiffWriteOptions layout(bool tiled, TiffCompression c) {
  TiffWriteOptions o;
  o.tiled = tiled;
  o.tile = {48, 32};
  o.rows_per_strip = 13;
  o.compression = c;
  return o;
}

/// A 100x100 u8 deflate TIFF (tifftest::layout tiles) at `path` whose tile 3 starts with bytes
/// deflate cannot decode: reading it fails in the middle of a run.
inline void write_corrupt_tile3(const std::string& path) {
  write_tiff(path, test::random_image(100, 100, CV_8UC1, 2), layout(true, TiffCompression::Deflate));
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  const std::uint64_t tile3 = TIFFGetStrileOffset(tif, 3);
  TIFFClose(tif);
  std::fstream(path, std::ios::in | std::ios::out | std::ios::binary).seekp(std::streamoff(tile3)).write("\xff\xff\xff\xff", 4);
}

/// A striped layout of `rows` rows per strip: one strip for an image of at most that many rows.
inline TiffWriteOptions one_strip(TiffCompression c, int rows) {
  TiffWriteOptions o = layout(false, c);
  o.rows_per_strip = rows;
  return o;
}

/// Writes a TIFF directly with libtiff: `pages` directories, page p being (w+p*10)xh
/// 8-bit gray striped with pixel value (x + y + p) & 255; `setup` may change the tags
/// of each page before its data is written.
template <class Setup>
void write_raw(const std::string& path, int pages, int w, int h, Setup setup, int bits = 8) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  for (int p = 0; p < pages; ++p) {
    const int pw = w + p * 10;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, pw);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 8);
    setup(tif, p);
    std::vector<std::uint8_t> row(std::size_t(TIFFScanlineSize(tif)));
    for (int y = 0; y < h; ++y) {
      for (std::size_t x = 0; x < row.size(); ++x) row[x] = std::uint8_t(int(x) + y + p);
      ASSERT_EQ(TIFFWriteScanline(tif, row.data(), std::uint32_t(y), 0), 1);
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

inline cv::Mat expected_gray(int w, int h, int p) {
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<std::uint8_t>(y, x) = std::uint8_t(x + y + p);
  return m;
}

}  // namespace tessera::tifftest
