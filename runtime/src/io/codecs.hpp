// OpenCV's image codecs, loaded on first use. libopencv_imgcodecs brings ~130 shared
// libraries with it on Debian (GDAL, poppler, HDF5, ...): ~50 MiB of resident memory and
// ~0.2 s at every start, which a run that streams TIFF to TIFF never needs. So the codecs
// live in a small module of ours (libtessera_codecs.so, codecs_module.cpp) that links them,
// and the runtime dlopen()s it the first time an image goes through OpenCV's codecs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace tessera::detail {

/// The module's entry points (it is built with this very header: same types, same ABI).
struct CodecApi {
  int version;  ///< kCodecApiVersion
  /// cv::imread, IMREAD_UNCHANGED. What the decoders print meanwhile (libjpeg's "Corrupt JPEG
  /// data ...", libpng's "libpng error: ...") goes to `messages`, not to stderr: a damaged file
  /// decodes with grey areas after libjpeg's own line, which the caller turns into its error.
  cv::Mat (*read)(const std::string& path, std::string& messages);
  /// read() of a file held in memory; messages as for read.
  cv::Mat (*decode)(const std::vector<unsigned char>& bytes, std::string& messages);
  /// cv::imwrite; the encoder's messages go to `messages`, as for read.
  bool (*write)(const std::string& path, const cv::Mat& image, std::string& messages);
  bool (*can_write)(const std::string& path);                        ///< cv::haveImageWriter
  std::size_t (*page_count)(const std::string& path);                ///< cv::imcount
  /// The type (CV_8UC1, ...) a small image of `type` comes back as after cv::imencode with
  /// extension `ext` (".png") and cv::imdecode, IMREAD_UNCHANGED; -1 when the encoder refuses
  /// it; kValuesLost when the type comes back but its values do not (within 2 levels, for the
  /// lossy formats). OpenCV converts what a format cannot hold (u16 to .bmp: saturated to u8) without a
  /// word; this is how a caller finds out before the run. OpenCV's own log is silenced.
  int (*round_trip_type)(const std::string& ext, int type);
};
/// round_trip_type's answer when the type comes back but not the values (1-bit .pbm).
constexpr int kValuesLost = -2;
constexpr int kCodecApiVersion = 4;

/// The module's one exported symbol.
#define TESSERA_CODECS_ENTRY "tessera_codecs_api"

/// Loads the module on first use (thread-safe). Throws IoError saying where it looked
/// when it cannot be loaded.
const CodecApi& codecs();

/// True once the module is loaded (for tests: a TIFF-only run must not load it).
bool codecs_loaded();

}  // namespace tessera::detail
