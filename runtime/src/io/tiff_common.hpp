// Private helpers shared by the TIFF source, sink and info: an owned libtiff handle that
// captures libtiff's messages, the grid of TIFF tiles or strips, and channel order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tiffio.h>

#include <opencv2/core/mat.hpp>

#include "tessera/geometry.hpp"
#include "tessera/tiff.hpp"

namespace tessera::detail {

/// An open TIFF* with its own error and warning handlers (libtiff >= 4.5 per-handle
/// handlers): messages are kept in strings of this handle, nothing is printed or shared
/// between threads. Not copyable or movable (libtiff keeps
/// a pointer to the message string).
/// True when libtiff's warnings while it read a directory mean that the pixels it would
/// decode are not what the file says: it ignored or recomputed a tag of the data's layout
/// ("Incorrect count for field "PlanarConfiguration" ...; tag ignored", "Bogus
/// "StripByteCounts" field, ignoring and calculating from imagelength").
bool directory_warning_means_damage(const std::string& warnings);

class TiffHandle {
 public:
  /// `mode` as for TIFFOpen ("r", "w", "w8"). Throws IoError "cannot open '<path>': ...".
  TiffHandle(const std::string& path, const char* mode);
  /// Reads a file held in memory through TIFFClientOpen; `name` is how messages name it, `mode`
  /// "r" (libtiff reads the bytes in place, as from a mapped file) or "rm" (through the read and
  /// seek procedures). Each handle keeps its own position, so several may read the same bytes.
  TiffHandle(std::shared_ptr<const std::vector<std::uint8_t>> bytes, const std::string& name, const char* mode);
  ~TiffHandle();
  TiffHandle(const TiffHandle&) = delete;
  TiffHandle& operator=(const TiffHandle&) = delete;

  TIFF* get() const { return tif_; }
  /// libtiff's error messages since the last call, else its warnings (some decoders
  /// report damaged data only as a warning), else a generic "truncated or corrupt".
  std::string take_error();
  /// The warnings since clear_messages() when they say that compressed data is damaged
  /// (libjpeg's "Corrupt JPEG data: ...", "Premature end of JPEG file"), else "".
  std::string data_warning() const;
  /// Whether libtiff reported an error since clear_messages() (or the open).
  bool has_errors() const { return !errors_.empty(); }
  /// The warnings since clear_messages() (or the open), joined with "; ".
  const std::string& warnings() const { return warnings_; }
  /// Forgets earlier messages (e.g. warnings about unknown tags) before an operation.
  void clear_messages() {
    errors_.clear();
    warnings_.clear();
  }
  /// Closes the file now (the destructor does it otherwise). Returns take_error()'s text,
  /// or an empty string if libtiff reported nothing.
  std::string close();

 private:
  struct Memory;  // the bytes and this handle's position in them
  void open_options(TIFFOpenOptions* opts);

  TIFF* tif_ = nullptr;
  std::unique_ptr<Memory> memory_;
  std::string errors_;
  std::string warnings_;
};

/// The TIFF tiles (or strips: tiles as wide as the image) of an image, row-major.
struct ChunkGrid {
  Size image;
  std::int64_t cw = 0, ch = 0;  ///< tile size, or (image width, rows per strip)
  std::int64_t across = 0, down = 0;

  ChunkGrid() = default;
  ChunkGrid(Size image_size, std::int64_t chunk_w, std::int64_t chunk_h);
  std::int64_t count() const { return across * down; }
  /// Chunk i clipped to the image.
  Rect rect(std::int64_t i) const;
  /// Calls fn(index) for every chunk overlapping r (r inside the image), row-major.
  template <class Fn>
  void for_each_overlapping(const Rect& r, Fn&& fn) const {
    for (std::int64_t y = r.y / ch; y <= (r.y1() - 1) / ch; ++y)
      for (std::int64_t x = r.x / cw; x <= (r.x1() - 1) / cw; ++x) fn(y * across + x);
  }
};

/// Whether TiffSink must write `size` x `type` as BigTIFF: classic TIFF offsets are
/// 32-bit, so the bytes libtiff will write (TiffWriteOptions::bigtiff) must stay below 4 GiB.
bool needs_bigtiff(Size size, PixelType type, const TiffWriteOptions& options);

/// Copies src into dst (same size and type), swapping channels 0 and 2 when `swap_rb`
/// (RGB <-> BGR, RGBA <-> BGRA) and the image has 3 or 4 channels.
void copy_pixels(const cv::Mat& src, cv::Mat& dst, bool swap_rb);

/// The OpenCV depth for a TIFF sample layout, or -1 if tessera does not support it.
int cv_depth_of(int bits, int sample_format);

/// Names for TIFF tag values, e.g. compression 5 -> "lzw".
std::string compression_name(int compression);
std::string photometric_name(int photometric);
std::string sample_format_name(int sample_format);

/// A libtiff uint32 field, or `fallback` when the tag is absent.
std::uint32_t field_u32(TIFF* tif, ttag_t tag, std::uint32_t fallback);
/// A libtiff uint16 field (defaulted by libtiff where the spec gives a default).
std::uint16_t field_u16(TIFF* tif, ttag_t tag, std::uint16_t fallback);

}  // namespace tessera::detail
