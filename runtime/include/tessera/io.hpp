/// Source and Sink: where pixels come from and go, read and written one rectangle at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/geometry.hpp"
#include "tessera/kernel.hpp"

namespace tessera {

/// A readable image. read() is called concurrently from many tile tasks.
class Source {
 public:
  virtual ~Source() = default;
  virtual Size size() const = 0;
  virtual PixelType type() const = 0;
  /// Fills `out` with the pixels of `r` (inside the image). `out` may be a view that
  /// stays valid while the source lives; callers must not write through it.
  virtual void read(const Rect& r, cv::Mat& out) const = 0;
};

/// A writable image. write() receives every output tile exactly once.
class Sink {
 public:
  virtual ~Sink() = default;
  /// Called once before any write.
  virtual void open(Size size, PixelType type) = 0;
  virtual void write(const Rect& r, const cv::Mat& tile) = 0;
  /// A writable view of rect `r` of the destination, for a sink that holds the whole image
  /// in memory; empty (the default) for one that does not. The runtime may compute a tile
  /// straight into it and then pass that same view to write(), which must not copy it.
  virtual cv::Mat region(const Rect& r) {
    (void)r;
    return {};
  }
  /// True if write() may be called from several threads at once (disjoint rects).
  virtual bool concurrent() const { return false; }
  /// Called once after every tile was written successfully.
  virtual void close() {}
};

/// An in-memory image as a Source (shares the pixels; no copy).
class MatSource final : public Source {
 public:
  explicit MatSource(cv::Mat image);
  Size size() const override;
  PixelType type() const override;
  void read(const Rect& r, cv::Mat& out) const override;
  const cv::Mat& mat() const { return image_; }

 private:
  cv::Mat image_;
};

/// An in-memory image as a Sink. Tiles are computed straight into it (region()), or
/// written concurrently into disjoint regions. Its buffer is reused by the next open() of
/// the same size and type; large images are mapped with transparent huge pages.
class MatSink final : public Sink {
 public:
  MatSink() = default;
  /// Writes into `buffer` when open() asks for its size and type (else allocates anew).
  explicit MatSink(cv::Mat buffer) : image_(std::move(buffer)) {}
  void open(Size size, PixelType type) override;
  void write(const Rect& r, const cv::Mat& tile) override;
  cv::Mat region(const Rect& r) override;
  bool concurrent() const override { return true; }
  const cv::Mat& mat() const { return image_; }

 private:
  cv::Mat image_;
};

/// OpenCV's codecs are loaded on first use (from libtessera_codecs.so, beside the program):
/// a run that streams TIFF to TIFF never loads them and the ~130 libraries they pull in.

/// Reads a whole image with OpenCV's codecs (PNG, JPEG, TIFF, ...) keeping its depth and
/// channels. Throws IoError naming the file when it cannot be read (for an image past
/// OpenCV's pixel limit, CV_IO_MAX_IMAGE_PIXELS, one that suggests a tiled TIFF instead).
/// A file the decoder reads only in part (a truncated or corrupt JPEG, which libjpeg fills in
/// with grey after a warning) is an IoError too, carrying the decoder's words: the libraries'
/// messages are captured (stderr, while the file decodes), never printed.
cv::Mat read_image(const std::string& path);

/// read_image, handing harmless decoder messages (libpng's "iCCP: known incorrect sRGB
/// profile", ...) to `warnings` as one line ("" when there were none) instead of dropping them.
cv::Mat read_image(const std::string& path, std::string* warnings);

/// read_image for a file held in memory: the same formats, checks and errors, with `name`
/// naming it in messages. (The bytes are decoded through an anonymous in-memory file, a copy:
/// OpenCV's own cv::imdecode hides a truncated JPEG.)
cv::Mat decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name = "<memory>",
                     std::string* warnings = nullptr);

/// Writes an image with OpenCV's codecs to a temporary file beside `path`, then renames
/// it: a failure never leaves a partial file under `path`. Throws IoError.
void write_image_atomic(const std::string& path, const cv::Mat& image);

}  // namespace tessera
