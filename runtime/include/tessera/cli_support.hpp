/// Helpers for command-line front ends (the tessera CLI, the benches): parsing option text, formatting, recognising and describing files. Not part of the umbrella header tessera/tessera.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/geometry.hpp"
#include "tessera/run.hpp"
#include "tessera/tiff.hpp"

namespace tessera {

// ---- run options as text --------------------------------------------------------------

/// "tbb" | "omp" | "serial"; throws UsageError.
Backend parse_backend(const std::string& name);

/// Parses "N" or "WxH" into a tile size; throws UsageError.
Size parse_tile_size(const std::string& text);

/// Parses "512M", "2G", "1.5GiB", "65536" (bytes) into bytes; throws UsageError.
std::int64_t parse_memory_size(const std::string& text);
/// "512 MiB", "1.5 GiB", ...
std::string format_bytes(std::int64_t bytes);

// ---- names --------------------------------------------------------------------------

/// Closest name among `candidates` by edit distance, if reasonably close.
std::optional<std::string> closest_name(const std::string& name, const std::vector<std::string>& candidates);

// ---- image files ----------------------------------------------------------------------

/// IoError unless `path` is a regular file that can be opened for reading: "no such file",
/// "it is a directory", "it is a FIFO (named pipe), not a regular file", ... Opening a FIFO
/// blocks until a writer comes, and tessera seeks in its inputs; read_image and TiffSource
/// check this before they open anything.
void check_input_file(const std::string& path);

/// Pages (frames) OpenCV's codecs see in an image file; 1 when they cannot count them.
std::size_t count_image_pages(const std::string& path);

/// What write_image_atomic checks before encoding: UsageError for an empty path or a format
/// OpenCV cannot write, IoError when the directory does not exist. Lets a caller fail
/// before the work that produces the image.
void check_image_output(const std::string& path);

/// check_image_output(path), and UsageError when the format cannot hold an image of `type`
/// and `size` as it is: OpenCV's encoders convert what they cannot hold without a word (u16 to
/// .bmp saturates to u8, f32 to .png writes 0 and 1) and write images larger than its decoders
/// read back (2^30 pixels, OPENCV_IO_MAX_IMAGE_PIXELS; JPEG 65500 and WebP 16383 per side). The
/// message names the formats that hold the type. Encodes a 64x64 probe image per format tried.
void check_image_output(const std::string& path, PixelType type, Size size);

/// Unlinks the temporary files of the outputs being written at this moment
/// (write_image_atomic, TiffSink). Async-signal-safe: for a signal handler that ends the
/// process at once, so that no temporary file is left behind.
void remove_partial_outputs() noexcept;

// ---- TIFF files -----------------------------------------------------------------------

/// "none" | "lzw" | "deflate" (or "zip") | "jpeg"; throws UsageError.
TiffCompression parse_tiff_compression(const std::string& name);

/// True for names ending in .tif, .tiff, .svs, .btf or .tf8 (any case), or for existing
/// files that start with a TIFF or BigTIFF header.
bool is_tiff_path(const std::string& path);

/// A path with an optional page selector: "in.svs[page=2]" -> {"in.svs", 2}.
struct TiffPath {
  std::string path;
  int page = 0;
};
/// Splits a trailing "[page=N]" off `text` (page 0 without one); throws UsageError for a
/// malformed or negative page.
TiffPath parse_path_page(const std::string& text);

/// What one directory of a TIFF file holds.
struct TiffDirectoryInfo {
  std::int64_t width = 0;
  std::int64_t height = 0;
  int samples = 0;
  int bits = 0;
  std::string sample_format;  ///< "uint", "int", "float", ...
  bool tiled = false;
  std::int64_t tile_width = 0, tile_height = 0;  ///< tiled files
  std::int64_t rows_per_strip = 0;               ///< striped files
  std::string compression;                       ///< "none", "lzw", "deflate", "jpeg", ... or "unknown (N)"
  std::string photometric;                       ///< "minisblack", "rgb", "ycbcr", "palette", ...
  std::string planar;                            ///< "contiguous" or "separate"
  std::string description;                       ///< ImageDescription, first line, may be empty
};

struct TiffInfo {
  std::string path;
  bool bigtiff = false;
  std::vector<TiffDirectoryInfo> directories;
  /// libtiff's error when the chain of directories could not be followed to its end (a
  /// truncated or damaged file: `directories` are the ones before it); empty otherwise.
  std::string chain_error;
};

/// Describes every directory of a TIFF file it can reach; throws IoError naming the file
/// when not even the first one reads.
TiffInfo tiff_info(const std::string& path);
/// One line per directory, e.g. "page 0: 2220x2967 3x8-bit uint, tiled 240x240, jpeg, rgb".
std::string to_string(const TiffInfo& info);

}  // namespace tessera
