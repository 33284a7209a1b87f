// Embeds tessera in a program: edges of an image, computed tile by tile on all cores.
// Usage: embed in.png out.png
#include <cstdio>

#include <tessera/tessera.hpp>

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: %s in.png out.png\n", argv[0]), 2;
  try {
    tessera::Pipeline p;  // compose, then run
    p.add(tessera::ops::gaussian{.sigma = 2});
    p.add(tessera::ops::sobel_mag{});
    p.add(tessera::ops::threshold{.t = 40});
    const cv::Mat out = tessera::run(p, tessera::read_image(argv[1]), {.tile = {512, 512}});
    tessera::write_image_atomic(argv[2], out);
  } catch (const tessera::Error& e) {
    return std::fprintf(stderr, "embed: %s\n", e.what()), 1;
  }
}
