/// TIFF and BigTIFF streaming through libtiff: a Source that decodes only the tiles or
/// strips a rectangle needs, a Sink that encodes each TIFF tile or strip as soon as it is
/// complete, and helpers to recognise and describe TIFF files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/io.hpp"

namespace tessera {

/// The largest image side TiffSource reads and TiffSink writes: 2^31 pixels. (Image
/// geometry is 64-bit; what must still fit a cv::Mat, below 2^31 a side, is one TIFF tile
/// or strip and one tessera tile, so a striped image may be at most 2^31 - 1 wide.)
inline constexpr std::int64_t kMaxTiffSide = std::int64_t{1} << 31;

/// One directory (page) of a TIFF file opened for reading. Tiled or striped; 8/16-bit
/// unsigned or signed, or 32-bit float samples; 1-4 samples, chunky or planar;
/// any compression libtiff decodes (none, LZW, deflate, JPEG, ...). YCbCr, palette and
/// other 8-bit colour models are converted to RGB by libtiff. 3- and 4-channel images
/// are delivered in OpenCV's BGR(A) order.
///
/// read() is thread-safe: each concurrent reader borrows its own libtiff handle from a
/// pool (opened lazily) and decodes only the TIFF tiles or strips overlapping the rect;
/// each handle keeps the last decoded tile or strip, nothing more. Errors are IoError
/// naming the file, the page and, for decoding errors, the tile or strip; damaged JPEG
/// data, which libjpeg reports only as a warning, is such an error too.
class TiffSource final : public Source {
 public:
  explicit TiffSource(const std::string& path, int page = 0);
  /// The same for a file held in memory (received over a network, unpacked from an archive),
  /// read through libtiff's client I/O without a copy; `name` is how messages name it (and what
  /// path() returns). The bytes are shared by the readers and kept alive by the source; they
  /// must not change while it lives.
  TiffSource(std::shared_ptr<const std::vector<std::uint8_t>> bytes, std::string name, int page = 0);
  ~TiffSource() override;
  TiffSource(const TiffSource&) = delete;
  TiffSource& operator=(const TiffSource&) = delete;

  Size size() const override;
  PixelType type() const override;
  void read(const Rect& r, cv::Mat& out) const override;

  const std::string& path() const;
  int page() const;
  /// libtiff's warnings about the page's directory that do not change its pixels (an unknown
  /// tag, entries out of order), joined into one line; "" when it had none. Warnings that do
  /// change them (a layout tag ignored or recomputed) make the constructor throw IoError.
  const std::string& warnings() const;

  /// Bytes one reader holds to decode one of the file's tiles or strips (libtiff decodes a
  /// chunk whole): the chunk's pixels, and libtiff's RGBA raster where it is used.
  std::int64_t chunk_bytes() const;
  /// Keeps decoded pixels within `bytes`: at most bytes / 2 / chunk_bytes() readers decode at
  /// once (callers wait for one) and the cache of decoded chunks shares the other half.
  /// Throws UsageError, naming the chunk's size, when one chunk is more than `bytes`.
  void limit_memory(std::int64_t bytes);
  /// libtiff handles open for reading (one per concurrent read(); at most limit_memory()'s).
  int readers_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

enum class TiffCompression { None, Lzw, Deflate, Jpeg };
std::string to_string(TiffCompression c);

/// How TiffSink lays out and compresses the file.
struct TiffWriteOptions {
  bool tiled = true;
  Size tile{256, 256};      ///< TIFF tile size; each side a positive multiple of 16
  int rows_per_strip = 64;  ///< for striped files; a multiple of 16 with JPEG
  TiffCompression compression = TiffCompression::Deflate;
  int jpeg_quality = 90;  ///< 1..100
  /// Force BigTIFF. Otherwise it is chosen when the bytes libtiff will write (whole tiles,
  /// padded at the right and bottom edges, or strips; LZW and JPEG counted at 1.5x for
  /// incompressible data) plus the tile tables and 256 MiB of headroom exceed 4 GiB.
  bool bigtiff = false;
};

/// Writes a tiled or striped TIFF. Tiles from tessera may arrive in any order and with any
/// size: they are copied into pending TIFF tiles/strips, each encoded and written once
/// complete. The file is written beside `path` under a temporary name and renamed by
/// close(); destroying the sink before close() (an error, a cancelled run) removes it.
/// write() is not concurrent (tessera serialises it through its sink node).
class TiffSink final : public Sink {
 public:
  explicit TiffSink(std::string path, TiffWriteOptions options = {});
  ~TiffSink() override;
  TiffSink(const TiffSink&) = delete;
  TiffSink& operator=(const TiffSink&) = delete;

  /// Throws UsageError for types TIFF cannot hold with the chosen options (JPEG: 8-bit,
  /// 1 or 3 channels), IoError when the temporary file cannot be created.
  void open(Size size, PixelType type) override;
  void write(const Rect& r, const cv::Mat& tile) override;
  /// Checks every pixel was written, finishes the file and renames it to `path`.
  void close() override;

  /// Whether the file is (being) written as BigTIFF; valid after open().
  bool bigtiff() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
