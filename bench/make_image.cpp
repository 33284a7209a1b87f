// make_image: writes a deterministic slide-like test image (gray or H&E colour) of any size.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "synthetic.hpp"
#include "tessera/io.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Writes a deterministic slide-like image: light background, nuclei, cell bodies, fibres.",
               "make_image"};
  std::string out;
  int w = 2048, h = 2048;
  unsigned seed = 1;
  bool bgr = false;
  app.add_option("output", out, "Output file (format from the extension)")->required();
  app.add_option("-W,--width", w, "Width in pixels")->check(CLI::Range(1, 1 << 15))->capture_default_str();
  app.add_option("-H,--height", h, "Height in pixels")->check(CLI::Range(1, 1 << 15))->capture_default_str();
  app.add_option("-s,--seed", seed, "Random seed")->capture_default_str();
  app.add_flag("--bgr", bgr, "H&E colours (3 channels) instead of gray");
  CLI11_PARSE(app, argc, argv);
  try {
    const cv::Mat image = bgr ? tessera::bench::make_slide_like_bgr(w, h, seed) : tessera::bench::make_slide_like(w, h, seed);
    tessera::write_image_atomic(out, image);
  } catch (const std::exception& e) {
    std::cerr << "make_image: error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "make_image: wrote " << out << " (" << w << "x" << h << (bgr ? " BGR" : " gray") << ", seed " << seed
            << ")\n";
  return 0;
}
