// make_image: writes a deterministic slide-like test image (gray or H&E colour) of any size.
// PNG, JPEG, ... go through OpenCV (the image is made in memory, up to 32768 a side); TIFF is
// streamed band by band through tessera's TiffSink, so a 65536x65536 image needs a few MiB.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "synthetic.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/io.hpp"
#include "tessera/run.hpp"
#include "tessera/tiff.hpp"

namespace {

/// Streams a SlideSource into a tiled TIFF, one band of TIFF tiles at a time.
void write_tiff(const std::string& out, tessera::Size size, bool bgr, unsigned seed,
                const tessera::TiffWriteOptions& options) {
  const tessera::bench::SlideSource source(size, bgr, seed);
  tessera::TiffSink sink(out, options);
  sink.open(size, source.type());
  const std::int64_t band = options.tiled ? options.tile.h : options.rows_per_strip;
  cv::Mat pixels;
  int last_percent = -1;
  for (std::int64_t y = 0; y < size.h; y += band) {
    const tessera::Rect r{0, y, size.w, std::min(band, size.h - y)};
    source.read(r, pixels);
    sink.write(r, pixels);
    const int percent = static_cast<int>(100 * (y + r.h) / size.h);
    if (size.area() > (std::int64_t{1} << 28) && percent / 5 != last_percent / 5) {
      std::cerr << "\rmake_image: " << percent << "%" << std::flush;
      last_percent = percent;
    }
  }
  sink.close();
  if (last_percent >= 0) std::cerr << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a deterministic slide-like image: light background, nuclei, cell bodies, fibres.\n"
               "TIFF output (.tif) is streamed and may be any size up to 2^31 a side (BigTIFF when needed).",
               "make_image"};
  std::string out, compression = "deflate", tile = "256";
  std::int64_t w = 2048, h = 2048;
  unsigned seed = 1;
  bool bgr = false;
  app.add_option("output", out, "Output file (format from the extension)")->required();
  app.add_option("-W,--width", w, "Width in pixels")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 31))->capture_default_str();
  app.add_option("-H,--height", h, "Height in pixels")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 31))->capture_default_str();
  app.add_option("-s,--seed", seed, "Random seed")->capture_default_str();
  app.add_flag("--bgr", bgr, "H&E colours (3 channels) instead of gray");
  app.add_option("--compression", compression, "TIFF compression: none, lzw, deflate, jpeg")->capture_default_str();
  app.add_option("--tile", tile, "TIFF tile size N or WxH (multiples of 16)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (tessera::is_tiff_path(out)) {
      tessera::TiffWriteOptions options;
      options.compression = tessera::parse_tiff_compression(compression);
      options.tile = tessera::parse_tile_size(tile);
      write_tiff(out, {w, h}, bgr, seed, options);
    } else {
      if (w > 32768 || h > 32768) throw std::runtime_error("images over 32768 a side must be written as TIFF");
      const int wi = static_cast<int>(w), hi = static_cast<int>(h);
      const cv::Mat image = bgr ? tessera::bench::make_slide_like_bgr(wi, hi, seed)
                                : tessera::bench::make_slide_like(wi, hi, seed);
      tessera::write_image_atomic(out, image);
    }
  } catch (const std::exception& e) {
    std::cerr << "make_image: error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "make_image: wrote " << out << " (" << w << "x" << h << (bgr ? " BGR" : " gray") << ", seed " << seed
            << ")\n";
  return 0;
}
