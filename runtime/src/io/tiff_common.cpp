// libtiff handles with captured messages, channel order, tag names, and the public TIFF
// helpers: is_tiff_path, parse_path_page, tiff_info.
#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/tiff.hpp"
#include "tiff_common.hpp"

namespace tessera {
namespace detail {

namespace {

/// Appends a libtiff message to the std::string at `user_data`, keeping at most ~4 KB.
int on_message(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap) {
  char text[1024];
  std::vsnprintf(text, sizeof text, fmt, ap);
  auto& messages = *static_cast<std::string*>(user_data);
  if (messages.size() > 4096) return 1;
  const std::string line = (module && *module ? std::string(module) + ": " : std::string()) + text;
  if (messages.find(line) != std::string::npos) return 1;  // libtiff reads a directory twice on open
  if (!messages.empty()) messages += "; ";
  messages += line;
  return 1;  // handled: libtiff's global handler (stderr) is not called
}

}  // namespace

bool directory_warning_means_damage(const std::string& warnings) {
  // One message at a time (joined with "; "): damage when libtiff says it ignored, recomputed
  // or could not take a tag that says where the pixels are or how they are laid out.
  std::size_t start = 0;
  while (start < warnings.size()) {
    std::size_t end = warnings.find("; ", start);
    if (end == std::string::npos) end = warnings.size();
    const std::string message = warnings.substr(start, end - start);
    start = end + 2;
    // An undeclared extra band (RGB + NIR): libtiff declares it itself; the pixels are the file's.
    if (message.find("Defining non-color channels as ExtraSamples") != std::string::npos) continue;
    bool rejected = false;
    for (const char* verdict : {"Bogus", "Wrong", "Incorrect count", "Incorrect value", "calculating", "ignoring"})
      rejected = rejected || message.find(verdict) != std::string::npos;
    if (!rejected) continue;
    for (const char* tag : {"StripOffsets", "StripByteCounts", "TileOffsets", "TileByteCounts", "RowsPerStrip",
                            "TileWidth", "TileLength", "BitsPerSample", "SamplesPerPixel", "PlanarConfiguration",
                            "Compression", "PhotometricInterpretation", "SampleFormat", "ImageWidth", "ImageLength",
                            "YCbCrSubsampling", "JPEGTables", "Predictor", "ExtraSamples", "FillOrder"})
      if (message.find(tag) != std::string::npos) return true;
  }
  return false;
}

struct TiffHandle::Memory {
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;
  std::uint64_t pos = 0;

  std::uint64_t size() const { return bytes->size(); }
  static Memory& of(thandle_t h) { return *static_cast<Memory*>(h); }

  static tmsize_t read(thandle_t h, void* buf, tmsize_t n) {
    Memory& m = of(h);
    if (n < 0 || m.pos >= m.size()) return 0;
    const auto count = static_cast<tmsize_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(n), m.size() - m.pos));
    std::memcpy(buf, m.bytes->data() + m.pos, static_cast<std::size_t>(count));
    m.pos += static_cast<std::uint64_t>(count);
    return count;
  }
  static tmsize_t write(thandle_t, void*, tmsize_t) { return -1; }  // read only
  static toff_t seek(thandle_t h, toff_t off, int whence) {
    Memory& m = of(h);
    const std::uint64_t base = whence == SEEK_CUR ? m.pos : whence == SEEK_END ? m.size() : 0;
    if (off > UINT64_MAX - base) return static_cast<toff_t>(-1);
    m.pos = base + off;  // past the end is allowed, as for a file; reads there return nothing
    return m.pos;
  }
  static int close(thandle_t) { return 0; }
  static toff_t size(thandle_t h) { return of(h).size(); }
  static int map(thandle_t h, void** base, toff_t* size) {  // libtiff reads the bytes in place
    Memory& m = of(h);
    *base = const_cast<std::uint8_t*>(m.bytes->data());
    *size = m.size();
    return 1;
  }
  static void unmap(thandle_t, void*, toff_t) {}
};

void TiffHandle::open_options(TIFFOpenOptions* opts) {
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_message, &errors_);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_message, &warnings_);
}

TiffHandle::TiffHandle(const std::string& path, const char* mode) {
  if (mode[0] == 'r') check_input_file(path);  // a FIFO would block libtiff's open
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  open_options(opts);
  tif_ = TIFFOpenExt(path.c_str(), mode, opts);
  TIFFOpenOptionsFree(opts);
  if (!tif_) throw IoError("cannot open '" + path + "' as TIFF: " + take_error());
}

TiffHandle::TiffHandle(std::shared_ptr<const std::vector<std::uint8_t>> bytes, const std::string& name,
                       const char* mode)
    : memory_(std::make_unique<Memory>()) {
  if (!bytes) throw UsageError("cannot open '" + name + "' as TIFF: no bytes given");
  memory_->bytes = std::move(bytes);
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  open_options(opts);
  tif_ = TIFFClientOpenExt(name.c_str(), mode, memory_.get(), Memory::read, Memory::write, Memory::seek,
                           Memory::close, Memory::size, Memory::map, Memory::unmap, opts);
  TIFFOpenOptionsFree(opts);
  if (!tif_) throw IoError("cannot open '" + name + "' as TIFF: " + take_error());
}

TiffHandle::~TiffHandle() { close(); }

std::string TiffHandle::take_error() {
  std::string e = !errors_.empty()     ? errors_
                  : !warnings_.empty() ? warnings_
                                       : "no message from libtiff; the data is probably truncated or corrupt";
  clear_messages();
  return e;
}

std::string TiffHandle::data_warning() const {
  // libjpeg reports damaged entropy-coded data as warnings and fills in the rest.
  for (const char* damage : {"Corrupt JPEG data", "Premature end of JPEG"})
    if (warnings_.find(damage) != std::string::npos) return warnings_;
  return {};
}

std::string TiffHandle::close() {
  if (tif_) TIFFClose(tif_);
  tif_ = nullptr;
  return errors_.empty() ? std::string() : take_error();
}

ChunkGrid::ChunkGrid(Size image_size, std::int64_t chunk_w, std::int64_t chunk_h)
    : image(image_size),
      cw(chunk_w),
      ch(chunk_h),
      across((image_size.w + chunk_w - 1) / chunk_w),
      down((image_size.h + chunk_h - 1) / chunk_h) {}

Rect ChunkGrid::rect(std::int64_t i) const { return clip({(i % across) * cw, (i / across) * ch, cw, ch}, image); }

void copy_pixels(const cv::Mat& src, cv::Mat& dst, bool swap_rb) {
  const int cn = src.channels();
  if (!swap_rb || cn < 3) {
    src.copyTo(dst);
    return;
  }
  // cvtColor swaps u8/u16/f32; signed images are swapped as unsigned bits.
  const auto as_supported = [](const cv::Mat& m) {
    const int depth = m.depth() == CV_8S ? CV_8U : m.depth() == CV_16S ? CV_16U : m.depth();
    return cv::Mat(m.rows, m.cols, CV_MAKETYPE(depth, m.channels()), m.data, m.step);
  };
  cv::Mat d = as_supported(dst);
  cv::cvtColor(as_supported(src), d, cn == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_RGBA2BGRA);
  CV_Assert(d.data == dst.data);  // written in place, not reallocated
}

int cv_depth_of(int bits, int sample_format) {
  if (sample_format == SAMPLEFORMAT_UINT && bits == 8) return CV_8U;
  if (sample_format == SAMPLEFORMAT_INT && bits == 8) return CV_8S;
  if (sample_format == SAMPLEFORMAT_UINT && bits == 16) return CV_16U;
  if (sample_format == SAMPLEFORMAT_INT && bits == 16) return CV_16S;
  if (sample_format == SAMPLEFORMAT_IEEEFP && bits == 32) return CV_32F;
  return -1;
}

namespace {

std::string name_or_number(int value, std::initializer_list<std::pair<int, const char*>> names) {
  for (const auto& [v, n] : names)
    if (v == value) return n;
  return "unknown (" + std::to_string(value) + ")";
}

}  // namespace

std::string compression_name(int c) {
  return name_or_number(c, {{COMPRESSION_NONE, "none"},
                            {COMPRESSION_CCITTRLE, "ccitt-rle"},
                            {COMPRESSION_CCITTFAX3, "ccitt-fax3"},
                            {COMPRESSION_CCITTFAX4, "ccitt-fax4"},
                            {COMPRESSION_LZW, "lzw"},
                            {COMPRESSION_OJPEG, "old-jpeg"},
                            {COMPRESSION_JPEG, "jpeg"},
                            {COMPRESSION_ADOBE_DEFLATE, "deflate"},
                            {COMPRESSION_DEFLATE, "deflate"},
                            {COMPRESSION_PACKBITS, "packbits"},
                            {COMPRESSION_JBIG, "jbig"},
                            {COMPRESSION_LZMA, "lzma"},
                            {COMPRESSION_ZSTD, "zstd"},
                            {COMPRESSION_WEBP, "webp"},
                            {COMPRESSION_JXL, "jpeg-xl"},
                            {33003, "jpeg2000 (aperio ycbcr)"},
                            {33005, "jpeg2000 (aperio rgb)"},
                            {COMPRESSION_JP2000, "jpeg2000"}});
}

std::string photometric_name(int p) {
  return name_or_number(p, {{PHOTOMETRIC_MINISWHITE, "miniswhite"},
                            {PHOTOMETRIC_MINISBLACK, "minisblack"},
                            {PHOTOMETRIC_RGB, "rgb"},
                            {PHOTOMETRIC_PALETTE, "palette"},
                            {PHOTOMETRIC_MASK, "mask"},
                            {PHOTOMETRIC_SEPARATED, "separated (cmyk)"},
                            {PHOTOMETRIC_YCBCR, "ycbcr"},
                            {PHOTOMETRIC_CIELAB, "cielab"},
                            {PHOTOMETRIC_ICCLAB, "icclab"},
                            {PHOTOMETRIC_ITULAB, "itulab"},
                            {PHOTOMETRIC_LOGL, "logl"},
                            {PHOTOMETRIC_LOGLUV, "logluv"}});
}

std::string sample_format_name(int f) {
  return name_or_number(f, {{SAMPLEFORMAT_UINT, "uint"},
                            {SAMPLEFORMAT_INT, "int"},
                            {SAMPLEFORMAT_IEEEFP, "float"},
                            {SAMPLEFORMAT_VOID, "void"},
                            {SAMPLEFORMAT_COMPLEXINT, "complex-int"},
                            {SAMPLEFORMAT_COMPLEXIEEEFP, "complex-float"}});
}

std::uint32_t field_u32(TIFF* tif, ttag_t tag, std::uint32_t fallback) {
  std::uint32_t v = 0;
  return TIFFGetField(tif, tag, &v) == 1 ? v : fallback;
}

std::uint16_t field_u16(TIFF* tif, ttag_t tag, std::uint16_t fallback) {
  std::uint16_t v = 0;
  return TIFFGetFieldDefaulted(tif, tag, &v) == 1 ? v : fallback;
}

}  // namespace detail

bool is_tiff_path(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* ext : {".tif", ".tiff", ".svs", ".btf", ".tf8"}) {
    const std::string e(ext);
    if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0) return true;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;  // never open a FIFO to sniff it: that blocks
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic, 4)) return false;
  const std::string m(magic, 4);
  return m == std::string("II*\0", 4) || m == std::string("MM\0*", 4) || m == std::string("II+\0", 4) ||
         m == std::string("MM\0+", 4);
}

TiffPath parse_path_page(const std::string& text) {
  const std::string key = "[page=";
  const auto open = text.rfind(key);
  if (text.empty() || text.back() != ']' || open == std::string::npos) return {text, 0};
  const std::string number = text.substr(open + key.size(), text.size() - 1 - open - key.size());
  const bool digits =
      !number.empty() && number.size() <= 9 && number.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) throw UsageError("bad page in '" + text + "': '" + number + "' is not a page number (0, 1, ...)");
  if (open == 0) throw UsageError("'" + text + "' names a page but no file");
  return {text.substr(0, open), std::stoi(number)};
}

TiffInfo tiff_info(const std::string& path) {
  using namespace detail;
  TiffHandle file(path, "r");
  TIFF* tif = file.get();
  TiffInfo info{path, TIFFIsBigTIFF(tif) != 0, {}, {}};
  do {
    TiffDirectoryInfo d;
    d.width = field_u32(tif, TIFFTAG_IMAGEWIDTH, 0);
    d.height = field_u32(tif, TIFFTAG_IMAGELENGTH, 0);
    d.samples = field_u16(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    d.bits = field_u16(tif, TIFFTAG_BITSPERSAMPLE, 1);
    d.sample_format = sample_format_name(field_u16(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT));
    d.tiled = TIFFIsTiled(tif) != 0;
    if (d.tiled) {
      d.tile_width = field_u32(tif, TIFFTAG_TILEWIDTH, 0);
      d.tile_height = field_u32(tif, TIFFTAG_TILELENGTH, 0);
    } else {
      d.rows_per_strip = std::min<std::int64_t>(field_u32(tif, TIFFTAG_ROWSPERSTRIP, UINT32_MAX), d.height);
    }
    d.compression = compression_name(field_u16(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE));
    std::uint16_t photometric = 0;
    d.photometric =
        TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) == 1 ? photometric_name(photometric) : "missing";
    d.planar =
        field_u16(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) == PLANARCONFIG_SEPARATE ? "separate" : "contiguous";
    const char* description = nullptr;
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &description) == 1 && description) {
      d.description = description;
      d.description = d.description.substr(0, d.description.find_first_of("\r\n"));
      if (d.description.size() > 80) d.description = d.description.substr(0, 77) + "...";
    }
    info.directories.push_back(std::move(d));
    file.clear_messages();  // warnings about this directory's tags are not about the chain
  } while (TIFFReadDirectory(tif) == 1);
  info.chain_error = file.close();  // TIFFReadDirectory returns 0 at the end, and on errors
  return info;
}

std::string to_string(const TiffInfo& info) {
  std::ostringstream os;
  os << info.path << ": " << (info.bigtiff ? "BigTIFF" : "TIFF") << ", " << info.directories.size()
     << (info.directories.size() == 1 ? " page\n" : " pages\n");
  for (std::size_t i = 0; i < info.directories.size(); ++i) {
    const TiffDirectoryInfo& d = info.directories[i];
    os << "page " << i << ": " << d.width << "x" << d.height << " " << d.samples << "x" << d.bits << "-bit "
       << d.sample_format << ", ";
    if (d.tiled)
      os << "tiled " << d.tile_width << "x" << d.tile_height;
    else
      os << "striped " << d.rows_per_strip << " rows";
    os << ", " << d.compression << ", " << d.photometric;
    if (d.planar == "separate") os << ", separate planes";
    if (!d.description.empty()) os << ", \"" << d.description << "\"";
    os << "\n";
  }
  return os.str();
}

}  // namespace tessera
