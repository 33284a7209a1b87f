// The input image of a command: a TIFF page streamed through libtiff, or another format
// decoded whole by OpenCV; and the --page option that picks the TIFF page.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <opencv2/core/mat.hpp>

#include "tessera/cli_support.hpp"
#include "tessera/io.hpp"
#include "tessera/tiff.hpp"

namespace tessera::cli {

/// Adds `--page N` to `cmd`; `page` stays -1 when it is not given.
void add_page_option(CLI::App* cmd, int& page);

/// The file and page that `text` ("in.tif" or "in.tif[page=N]") and --page (`page`, -1
/// when not given) name together. Throws UsageError when both name a page and disagree.
TiffPath input_page(const std::string& text, int page);

/// Throws UsageError when `tp` (from input_page(text, ...)) asks for a page other than the
/// first of a file that is not a TIFF.
void check_no_page(const std::string& text, const TiffPath& tp);

/// The input as a Source: a TIFF page streamed through libtiff, anything else decoded
/// whole by OpenCV. Throws UsageError for a page of a non-TIFF file, and for a decoded
/// image larger than `budget` bytes (the run could not hold it).
std::unique_ptr<Source> open_input(const std::string& text, int page, std::int64_t budget);

/// read_image, printing the decoder's harmless messages as one line on stderr
/// ("tessera: warning: 'in.png': libpng warning: iCCP: known incorrect sRGB profile").
cv::Mat read_image_warning(const std::string& path);

/// The whole input in memory (a TIFF page read through libtiff, like `run`).
cv::Mat read_input(const std::string& text, int page);

}  // namespace tessera::cli
