// `tessera info FILE [--json]`: what an image file holds, as OpenCV reads it.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"

namespace tessera::cli {

namespace {

using Json = nlohmann::ordered_json;

struct ImageInfo {
  std::string path, format;
  std::int64_t width = 0, height = 0;
  int channels = 0;
  std::string depth;  ///< "u8", "u16", "f32", ...
  std::uintmax_t file_bytes = 0;
  std::size_t pages = 1;
  /// Format-specific facts (label, value), printed after the common ones: for TIFF the
  /// page, tiling or strips, compression, photometric, and one line per directory.
  std::vector<std::pair<std::string, std::string>> details;
  /// Why tessera cannot process the page (TIFF samples or colour model it does not
  /// decode), empty when it can.
  std::string unsupported;
  /// The TIFF's chain of directories breaks off (a truncated or damaged file), empty if not.
  std::string warning;

  double megapixels() const { return static_cast<double>(width) * height / 1e6; }
};

/// The container format from the file's first bytes; the extension when no signature matches.
std::string detect_format(const std::string& path) {
  char head[16] = {};
  std::ifstream(path, std::ios::binary).read(head, sizeof head);
  const std::string_view h(head, sizeof head);
  const auto starts = [&](std::string_view magic) { return h.substr(0, magic.size()) == magic; };
  using namespace std::string_view_literals;
  static const std::pair<std::string_view, const char*> signatures[] = {
      {"\x89PNG\r\n\x1a\n"sv, "PNG"},       {"\xff\xd8\xff"sv, "JPEG"},
      {"II*\0"sv, "TIFF"},                  {"MM\0*"sv, "TIFF"},
      {"II+\0"sv, "BigTIFF"},               {"MM\0+"sv, "BigTIFF"},
      {"BM"sv, "BMP"},                      {"\x76\x2f\x31\x01"sv, "OpenEXR"},
      {"#?RADIANCE"sv, "Radiance HDR"},     {"#?RGBE"sv, "Radiance HDR"},
      {"\0\0\0\x0cjP  "sv, "JPEG 2000"},    {"\xff\x4f\xff\x51"sv, "JPEG 2000 codestream"},
      {"P1"sv, "PBM"}, {"P4"sv, "PBM"},     {"P2"sv, "PGM"}, {"P5"sv, "PGM"},
      {"P3"sv, "PPM"}, {"P6"sv, "PPM"},     {"P7"sv, "PAM"}, {"PF"sv, "PFM"}, {"Pf"sv, "PFM"},
      {"\x59\xa6\x6a\x95"sv, "Sun raster"},
  };
  for (const auto& [magic, name] : signatures)
    if (starts(magic)) return name;
  if (starts("RIFF") && h.substr(8, 4) == "WEBP") return "WebP";
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext.empty()) return "unknown";
  for (char& c : ext) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return ext.substr(1) + " (by extension)";
}

/// "u16" for CV_16U.
std::string depth_name(int depth) {
  const std::string s = PixelType{depth, 1}.str();  // "u16x1"
  return s.substr(0, s.rfind('x'));
}

/// What TiffSource says is wrong with a page, without its "cannot read 'PATH' [page N]: ".
std::string reason(const IoError& e, const std::string& path) {
  const std::string what = e.what(), prefix = "cannot read '" + path + "'";
  const auto colon = what.find(": ", prefix.size());
  return what.rfind(prefix, 0) == 0 && colon != std::string::npos ? what.substr(colon + 2) : what;
}

/// TIFF: every directory's layout through libtiff (no pixels decoded), and the chosen
/// page as tessera would read it, or why it cannot.
ImageInfo describe_tiff(const TiffPath& tp) {
  const TiffInfo tiff = tiff_info(tp.path);
  std::unique_ptr<TiffSource> source;
  ImageInfo info;
  try {
    source = std::make_unique<TiffSource>(tp.path, tp.page);
  } catch (const IoError& e) {
    if (static_cast<std::size_t>(tp.page) >= tiff.directories.size()) throw;  // no such page
    info.unsupported = reason(e, tp.path);
  }
  const TiffDirectoryInfo& d = tiff.directories.at(static_cast<std::size_t>(tp.page));
  info.path = tp.path;
  info.format = tiff.bigtiff ? "BigTIFF" : "TIFF";
  info.width = d.width;
  info.height = d.height;
  info.channels = source ? source->type().channels : d.samples;
  info.depth = source ? depth_name(source->type().depth) : std::to_string(d.bits) + "-bit " + d.sample_format;
  info.file_bytes = std::filesystem::file_size(tp.path);
  info.pages = tiff.directories.size();
  if (!tiff.chain_error.empty())
    info.warning = "the file ends early or is damaged: the directory after page " +
                   std::to_string(tiff.directories.size() - 1) + " cannot be read (" + tiff.chain_error + ")";
  info.details = {{"page", std::to_string(tp.page)},
                  {"layout", d.tiled ? "tiled " + std::to_string(d.tile_width) + "x" + std::to_string(d.tile_height)
                                     : "striped, " + std::to_string(d.rows_per_strip) + " rows per strip"},
                  {"compression", d.compression},
                  {"photometric", d.photometric},
                  {"planar", d.planar}};
  for (std::size_t i = 0; i < tiff.directories.size(); ++i) {
    const TiffDirectoryInfo& di = tiff.directories[i];
    info.details.emplace_back("page " + std::to_string(i),
                              std::to_string(di.width) + "x" + std::to_string(di.height) + ", " +
                                  std::to_string(di.samples) + "x" + std::to_string(di.bits) + "-bit " + di.sample_format +
                                  ", " + (di.tiled ? "tiled" : "striped") + ", " + di.compression +
                                  (di.description.empty() ? "" : ", \"" + di.description + "\""));
  }
  return info;
}

ImageInfo describe(const std::string& text, int page) {
  const TiffPath tp = input_page(text, page);
  const bool tiff = is_tiff_path(tp.path);
  if (tiff && std::filesystem::exists(tp.path)) return describe_tiff(tp);
  if (!tiff) check_no_page(text, tp);
  const std::string& path = tp.path;
  const cv::Mat image = read_image_warning(path);  // throws IoError: missing, unreadable, corrupt
  ImageInfo info;
  info.path = path;
  info.format = detect_format(path);
  info.width = image.cols;
  info.height = image.rows;
  info.channels = image.channels();
  info.depth = depth_name(image.depth());
  info.file_bytes = std::filesystem::file_size(path);
  info.pages = count_image_pages(path);
  return info;
}

Json to_json(const ImageInfo& info) {
  Json j = {{"path", info.path},         {"format", info.format},     {"width", info.width},
            {"height", info.height},     {"channels", info.channels}, {"depth", info.depth},
            {"file_bytes", info.file_bytes}, {"pages", info.pages},   {"megapixels", info.megapixels()}};
  for (const auto& [key, value] : info.details) j[key] = value;
  j["supported"] = info.unsupported.empty();
  if (!info.unsupported.empty()) j["unsupported"] = info.unsupported;
  if (!info.warning.empty()) j["warning"] = info.warning;
  return j;
}

void print_text(std::ostream& os, const ImageInfo& info) {
  const auto row = [&os](const std::string& label) -> std::ostream& {
    return os << "  " << std::left << std::setw(13) << (label + ":") << " ";
  };
  os << info.path << "\n";
  row("format") << info.format << "\n";
  row("size") << info.width << "x" << info.height << " (" << std::fixed << std::setprecision(2) << info.megapixels()
              << " MP)\n";
  row("channels") << info.channels << "\n";
  row("depth") << info.depth << "\n";
  if (info.pages > 1) row("pages") << info.pages << "\n";
  row("file size") << format_bytes(static_cast<std::int64_t>(info.file_bytes));
  if (info.file_bytes >= 1024) os << " (" << info.file_bytes << " bytes)";
  os << "\n";
  for (const auto& [label, value] : info.details) row(label) << value << "\n";
  if (!info.unsupported.empty()) row("tessera") << "cannot process this page: " << info.unsupported << "\n";
}

struct InfoArgs {
  std::string path;
  int page = -1;
  bool json = false;
};

}  // namespace

void add_info_command(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Describe an image file: format, size, channels, depth, pages");
  cmd->add_option("file", args->path,
                  "Image file: TIFF (file.tif[page=N] or --page N picks the page described), or any format "
                  "OpenCV reads")
      ->required();
  add_page_option(cmd, args->page);
  cmd->add_flag("--json", args->json, "Print one JSON object instead of text");
  cmd->footer(
      "Examples:\n"
      "  tessera info scan.tif\n"
      "  tessera info photo.jpg --json\n"
      "  tessera info slide.svs --page 2\n"
      "The format comes from the file's signature (the extension only when none matches).\n"
      "A TIFF page whose samples tessera cannot decode is still described, with a line saying so;\n"
      "a TIFF whose chain of pages breaks off is described up to there, with a warning on stderr.");
  cmd->callback([args] {
    const ImageInfo info = describe(args->path, args->page);
    if (!info.warning.empty()) std::cerr << "tessera: warning: '" << info.path << "': " << info.warning << "\n";
    if (args->json) std::cout << to_json(info).dump() << "\n";
    else print_text(std::cout, info);
  });
}

}  // namespace tessera::cli
