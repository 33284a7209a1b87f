#include "input.hpp"

#include <iostream>

#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/run.hpp"

namespace tessera::cli {

void add_page_option(CLI::App* cmd, int& page) {
  cmd->add_option("--page", page,
                  "TIFF page (directory) to read, counted from 0 as in file.tif[page=N]; default: 0")
      ->check(CLI::NonNegativeNumber);
}

TiffPath input_page(const std::string& text, int page) {
  TiffPath tp = parse_path_page(text);
  const bool in_name = tp.path != text;
  if (in_name && page >= 0 && page != tp.page)
    throw UsageError("'" + text + "' names page " + std::to_string(tp.page) + " but --page says " +
                     std::to_string(page) + "; give the page once");
  if (page >= 0) tp.page = page;
  return tp;
}

void check_no_page(const std::string& text, const TiffPath& tp) {
  if (tp.page != 0)
    throw UsageError("page " + std::to_string(tp.page) + " of '" + text + "': pages are only for TIFF files");
}

cv::Mat read_image_warning(const std::string& path) {
  std::string warnings;
  cv::Mat image = read_image(path, &warnings);
  if (!warnings.empty()) std::cerr << "tessera: warning: '" << path << "': " << warnings << "\n";
  return image;
}

std::unique_ptr<Source> open_input(const std::string& text, int page, std::int64_t budget) {
  const TiffPath tp = input_page(text, page);
  if (is_tiff_path(tp.path)) {
    auto tiff = std::make_unique<TiffSource>(tp.path, tp.page);
    tiff->limit_memory(budget / 2);  // the other half: the tiles in flight, the output's pending tiles
    if (!tiff->warnings().empty()) std::cerr << "tessera: warning: '" << tp.path << "': " << tiff->warnings() << "\n";
    return tiff;
  }
  check_no_page(text, tp);
  auto source = std::make_unique<MatSource>(read_image_warning(tp.path));
  const cv::Mat& m = source->mat();
  const auto bytes = static_cast<std::int64_t>(m.total() * m.elemSize());
  if (bytes > budget)
    throw UsageError("the input '" + tp.path + "' (" + to_string(source->size()) + " " + source->type().str() + ", " +
                     format_bytes(bytes) + " decoded) does not fit the memory budget of " + format_bytes(budget) +
                     "; formats other than TIFF are decoded whole: convert it to a tiled TIFF (streamed tile by "
                     "tile) or raise --memory");
  return source;
}

cv::Mat read_input(const std::string& text, int page) {
  const TiffPath tp = input_page(text, page);
  if (!is_tiff_path(tp.path)) {
    check_no_page(text, tp);
    return read_image_warning(tp.path);
  }
  const TiffSource source(tp.path, tp.page);
  cv::Mat image;
  source.read(full_rect(source.size()), image);
  return image;
}

}  // namespace tessera::cli
