// Writes the fuzzers' seed corpora: small, valid inputs of many layouts, from which libFuzzer
// mutates (scripts/fuzz.sh) and which ctest replays (label `fuzz`). Nothing here is committed
// as a binary file: the seeds are made at test time, from this program.
//
//   fuzz_make_seeds OUT   writes OUT/spec/*, OUT/tiff/*, OUT/codecs/* and OUT/spec.dict
//
// - spec: every registry entry with its example parameters, and chains of them;
//   spec.dict: the registry's kernel names, parameter names and choices (libFuzzer's
//   dictionary format), so that the spec fuzzer mutates with words the parser knows.
// - tiff: written with libtiff directly, one file per layout tessera reads or must refuse:
//   strips and tiles; none, LZW, deflate with predictors, PackBits, JPEG; u8/s16/u16/f32; 1-4
//   samples; separate planes; palette, min-is-white, CMYK and subsampled YCbCr (libtiff's RGBA
//   path); BigTIFF; two pages; 1-bit (refused).
// - codecs: PNG (8/16-bit, 1/3/4 channels), JPEG (grey, colour, progressive, restart markers),
//   BMP, PGM/PPM, WebP and TIFF, through OpenCV's encoders.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <tiffio.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tessera/tessera.hpp"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// libFuzzer's dictionary syntax: a quoted string, with quotes, backslashes and bytes outside
/// printable ASCII escaped.
std::string dict_entry(const std::string& word) {
  std::string out = "\"";
  for (unsigned char c : word) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 32 || c > 126) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void spec_seeds(const fs::path& dir, const fs::path& dict_path) {
  fs::create_directories(dir);
  const auto entries = Registry::builtin().entries();
  std::vector<std::string> stages;
  std::set<std::string> words = {" | ", "|", "=", "\"", "0", "1", "-1", "255", "65535", "0.5", "1e9", "-1e-9",
                                 "nan", "inf", "1 2 1", "0 -1 0; -1 5 -1; 0 -1 0"};
  for (const KernelInfo* k : entries) {
    stages.push_back(k->name + (k->example.empty() ? "" : " " + k->example));
    words.insert(k->name);
    for (const ParamSpec& p : k->params) {
      words.insert(p.name + "=");
      for (const std::string& c : p.choices) words.insert(c);
      if (p.default_value) words.insert(*p.default_value);
    }
  }
  int n = 0;
  for (const std::string& s : stages) write_text(dir / ("stage-" + std::to_string(n++)), s);
  // Chains: each stage followed by the next two in name order, and the README's P1.
  for (std::size_t i = 0; i < stages.size(); ++i)
    write_text(dir / ("chain-" + std::to_string(i)),
               stages[i] + " | " + stages[(i + 1) % stages.size()] + " | " + stages[(i + 7) % stages.size()]);
  write_text(dir / "p1", "gaussian sigma=1.5 | sobel_mag | threshold t=40");
  std::string dict = "# Made by fuzz_make_seeds from the kernel registry.\n";
  for (const std::string& w : words) dict += dict_entry(w) + "\n";
  write_text(dict_path, dict);
}

/// One TIFF page written with libtiff: the fields set by `tags`, then `data_bytes` of
/// deterministic pixels per strip or tile.
struct Layout {
  std::string name;
  int width = 24, height = 20;
  std::function<void(TIFF*)> tags;
  bool tiled = false;
  int chunk_w = 16, chunk_h = 16;  // the tile size (multiples of 16); chunk_h: rows per strip
  int pages = 1;
  const char* mode = "w";
};

void write_layout(const fs::path& dir, const Layout& l) {
  TIFF* tif = TIFFOpen((dir / (l.name + ".tif")).c_str(), l.mode);
  if (!tif) throw std::runtime_error("cannot write seed " + l.name);
  for (int page = 0; page < l.pages; ++page) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, l.width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, l.height);
    l.tags(tif);
    if (l.tiled) {
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, l.chunk_w);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, l.chunk_h);
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, l.chunk_h);
    }
    const tmsize_t size = l.tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
    const std::uint32_t count = l.tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(size));
    for (std::uint32_t c = 0; c < count; ++c) {
      for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>((i * 7 + c * 31) & 0xff);
      const tmsize_t wrote = l.tiled ? TIFFWriteEncodedTile(tif, c, pixels.data(), size)
                                     : TIFFWriteEncodedStrip(tif, c, pixels.data(), size);
      if (wrote < 0) throw std::runtime_error("cannot encode seed " + l.name);
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

/// Sets the common fields: samples, bits, format, photometric, compression, planar config.
std::function<void(TIFF*)> fields(int spp, int bits, int format, int photometric, int compression,
                                  std::function<void(TIFF*)> more = {}, int planar = PLANARCONFIG_CONTIG) {
  return [=](TIFF* tif) {
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, spp);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, format);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, planar);
    if (more) more(tif);
  };
}

void tiff_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const int U = SAMPLEFORMAT_UINT, S = SAMPLEFORMAT_INT, F = SAMPLEFORMAT_IEEEFP;
  const auto predictor = [](int p) { return [p](TIFF* t) { TIFFSetField(t, TIFFTAG_PREDICTOR, p); }; };
  std::vector<std::uint16_t> map(256);
  for (int i = 0; i < 256; ++i) map[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(i * 257);
  const auto palette = [map](TIFF* t) { TIFFSetField(t, TIFFTAG_COLORMAP, map.data(), map.data(), map.data()); };
  const auto alpha = [](TIFF* t) {
    const std::uint16_t extra[] = {EXTRASAMPLE_UNASSALPHA};
    TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, extra);
  };
  const auto ycbcr = [](TIFF* t) { TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, 2, 2); };
  const auto jpeg = [](TIFF* t) {
    TIFFSetField(t, TIFFTAG_JPEGQUALITY, 80);
    TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  };
  const std::vector<Layout> layouts = {
      {"gray8-strips-none", 24, 20, fields(1, 8, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE)},
      {"rgb8-tiles-lzw", 40, 20, fields(3, 8, U, PHOTOMETRIC_RGB, COMPRESSION_LZW), true},
      {"rgb16-tiles-deflate-pred2", 24, 20, fields(3, 16, U, PHOTOMETRIC_RGB, COMPRESSION_ADOBE_DEFLATE, predictor(2)),
       true},
      {"gray32f-strips-deflate-pred3", 24, 20,
       fields(1, 32, F, PHOTOMETRIC_MINISBLACK, COMPRESSION_ADOBE_DEFLATE, predictor(3))},
      {"gray16s-strips-none", 24, 20, fields(1, 16, S, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE)},
      {"gray8-strips-packbits", 24, 20, fields(1, 8, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_PACKBITS)},
      {"rgb8-separate-strips", 24, 20, fields(3, 8, U, PHOTOMETRIC_RGB, COMPRESSION_NONE, {}, PLANARCONFIG_SEPARATE)},
      {"rgb8-separate-tiles-lzw", 24, 20,
       fields(3, 8, U, PHOTOMETRIC_RGB, COMPRESSION_LZW, {}, PLANARCONFIG_SEPARATE), true},
      {"rgba8-tiles-deflate", 24, 20, fields(4, 8, U, PHOTOMETRIC_RGB, COMPRESSION_ADOBE_DEFLATE, alpha), true},
      {"gray8-alpha-strips", 24, 20, fields(2, 8, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE, alpha)},
      {"palette8-strips", 24, 20, fields(1, 8, U, PHOTOMETRIC_PALETTE, COMPRESSION_LZW, palette)},
      {"miniswhite8-strips", 24, 20, fields(1, 8, U, PHOTOMETRIC_MINISWHITE, COMPRESSION_NONE)},
      {"cmyk8-strips", 24, 20, fields(4, 8, U, PHOTOMETRIC_SEPARATED, COMPRESSION_NONE)},
      {"ycbcr420-strips-lzw", 24, 20, fields(3, 8, U, PHOTOMETRIC_YCBCR, COMPRESSION_LZW, ycbcr)},
      {"ycbcr-jpeg-tiles", 32, 32, fields(3, 8, U, PHOTOMETRIC_YCBCR, COMPRESSION_JPEG, jpeg), true, 16, 16},
      {"gray8-jpeg-strips", 24, 32, fields(1, 8, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_JPEG), false, 24, 16},
      {"bigtiff-gray8-tiles", 24, 20, fields(1, 8, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_ADOBE_DEFLATE), true, 16, 16,
       1, "w8"},
      {"two-pages", 24, 20, fields(1, 16, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW), false, 24, 8, 2},
      {"bilevel1-strips", 24, 20, fields(1, 1, U, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE)},
      {"big-endian-rgb8-strips", 24, 20, fields(3, 8, U, PHOTOMETRIC_RGB, COMPRESSION_NONE), false, 24, 8, 1, "wb"},
  };
  for (const Layout& l : layouts) write_layout(dir, l);
}

void codec_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const auto image = [](int type) {
    cv::Mat m(20, 24, type);
    cv::randu(m, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
    return m;
  };
  const auto write = [&](const std::string& name, const cv::Mat& m, const std::vector<int>& params = {}) {
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(fs::path(name).extension().string(), m, bytes, params))
      throw std::runtime_error("cannot encode seed " + name);
    write_text(dir / name, std::string(bytes.begin(), bytes.end()));
  };
  write("gray8.png", image(CV_8UC1));
  write("rgb8.png", image(CV_8UC3));
  write("rgba8.png", image(CV_8UC4));
  write("gray16.png", image(CV_16UC1));
  write("rgb16.png", image(CV_16UC3));
  write("gray.jpg", image(CV_8UC1));
  write("rgb.jpg", image(CV_8UC3), {cv::IMWRITE_JPEG_QUALITY, 70});
  write("progressive.jpg", image(CV_8UC3), {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  write("restarts.jpg", image(CV_8UC3), {cv::IMWRITE_JPEG_RST_INTERVAL, 1});
  write("rgb.bmp", image(CV_8UC3));
  write("gray.pgm", image(CV_8UC1));
  write("rgb.ppm", image(CV_8UC3));
  write("rgb.webp", image(CV_8UC3));
  write("rgb.tif", image(CV_8UC3));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUT\n");
    return 2;
  }
  try {
    const fs::path out = argv[1];
    spec_seeds(out / "spec", out / "spec.dict");
    tiff_seeds(out / "tiff");
    codec_seeds(out / "codecs");
    std::printf("fuzz_make_seeds: wrote the seed corpora to %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
