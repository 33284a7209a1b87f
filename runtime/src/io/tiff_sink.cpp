// TiffSink: a tiled or striped TIFF written as tessera's tiles arrive, through a
// temporary file renamed when complete.
#include <filesystem>
#include <map>

#include <opencv2/core.hpp>

#include "exec/recycled.hpp"
#include "temp_file.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/tiff.hpp"
#include "tiff_common.hpp"

namespace tessera {

namespace fs = std::filesystem;
using detail::ChunkGrid;
using detail::TiffHandle;

TiffCompression parse_tiff_compression(const std::string& name) {
  if (name == "none") return TiffCompression::None;
  if (name == "lzw") return TiffCompression::Lzw;
  if (name == "deflate" || name == "zip") return TiffCompression::Deflate;
  if (name == "jpeg") return TiffCompression::Jpeg;
  throw UsageError("unknown TIFF compression '" + name + "' (use none, lzw, deflate or jpeg)");
}

std::string to_string(TiffCompression c) {
  switch (c) {
    case TiffCompression::None:
      return "none";
    case TiffCompression::Lzw:
      return "lzw";
    case TiffCompression::Deflate:
      return "deflate";
    case TiffCompression::Jpeg:
      return "jpeg";
  }
  return "?";
}

namespace {

/// A TIFF tile or strip being filled: its pixels (whole tile, zero beyond the image edge;
/// strips: their rows) and how many of its image pixels are still to come.
struct Pending {
  cv::Mat pixels;
  std::int64_t missing = 0;
};

}  // namespace

bool detail::needs_bigtiff(Size size, PixelType type, const TiffWriteOptions& o) {
  // Tiles are written whole, padded at the right and bottom edges; strips are cut at the
  // bottom. LZW can expand incompressible data by up to ~1.5x, and so can JPEG at high
  // quality; the others by ~1%. Then the tile tables (offset and byte count, 4 bytes each)
  // and headroom for the directory and tags.
  const ChunkGrid grid = o.tiled ? ChunkGrid(size, o.tile.w, o.tile.h) : ChunkGrid(size, size.w, o.rows_per_strip);
  const double rows = o.tiled ? static_cast<double>(grid.down * grid.ch) : static_cast<double>(size.h);
  const double bytes = static_cast<double>(grid.across * grid.cw) * rows * CV_ELEM_SIZE(type.cv_type());
  const bool expands = o.compression == TiffCompression::Lzw || o.compression == TiffCompression::Jpeg;
  const double worst = bytes * (expands ? 1.5 : 1.01) + 8.0 * static_cast<double>(grid.count());
  return worst > 4.0 * (1 << 30) - 256.0 * (1 << 20);
}

struct TiffSink::Impl {
  std::string path;
  TiffWriteOptions opt;
  std::unique_ptr<detail::TempFile> temp;  // declared before `file`: closed after it
  std::unique_ptr<TiffHandle> file;
  Size size;
  PixelType type;
  bool big = false;
  ChunkGrid grid;
  // Chunks partly written, and (striped) complete strips waiting for their turn: strips
  // must be written in order. What bounds them: tessera hands out output tiles in
  // row-major order with at most max_tiles_in_flight computed but unwritten (the TBB
  // limiter; OpenMP: the threads), so every pending chunk lies in the band of image rows
  // between the oldest unwritten tile and the newest started one, plus one TIFF tile or
  // strip height: about (in_flight / tiles_per_row + 2) tile rows of the image width,
  // never the whole image (unless a strip or tile is itself that large).
  std::map<std::int64_t, Pending> pending;
  std::int64_t next_strip = 0;
  std::int64_t written = 0;
  cv::Mat scratch;  // RGB-ordered copy being encoded

  [[noreturn]] void fail(const std::string& what) const { throw IoError("cannot write '" + path + "': " + what); }
  void set(ttag_t tag, std::uint32_t value) const;
  void configure() const;
  void accept(std::int64_t i, const Rect& part, const cv::Mat& from);
  void encode(std::int64_t i, Pending& p);
};

void TiffSink::Impl::set(ttag_t tag, std::uint32_t value) const {
  if (TIFFSetField(file->get(), tag, value) != 1) fail(file->take_error());
}

void TiffSink::Impl::configure() const {
  TIFF* tif = file->get();
  const int cn = type.channels;
  set(TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(size.w));
  set(TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(size.h));
  set(TIFFTAG_SAMPLESPERPIXEL, static_cast<std::uint32_t>(cn));
  set(TIFFTAG_BITSPERSAMPLE, static_cast<std::uint32_t>(CV_ELEM_SIZE1(type.depth) * 8));
  set(TIFFTAG_SAMPLEFORMAT, type.depth == CV_32F                          ? SAMPLEFORMAT_IEEEFP
                            : type.depth == CV_16S || type.depth == CV_8S ? SAMPLEFORMAT_INT
                                                                          : SAMPLEFORMAT_UINT);
  set(TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  set(TIFFTAG_PHOTOMETRIC, cn >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  if (cn == 2 || cn == 4) {
    const std::uint16_t alpha[1] = {EXTRASAMPLE_UNASSALPHA};
    if (TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, alpha) != 1) fail(file->take_error());
  }
  if (opt.tiled) {
    set(TIFFTAG_TILEWIDTH, static_cast<std::uint32_t>(opt.tile.w));
    set(TIFFTAG_TILELENGTH, static_cast<std::uint32_t>(opt.tile.h));
  } else {
    set(TIFFTAG_ROWSPERSTRIP, static_cast<std::uint32_t>(opt.rows_per_strip));
  }
  switch (opt.compression) {
    case TiffCompression::None:
      set(TIFFTAG_COMPRESSION, COMPRESSION_NONE);
      break;
    case TiffCompression::Lzw:
    case TiffCompression::Deflate:
      set(TIFFTAG_COMPRESSION, opt.compression == TiffCompression::Lzw ? COMPRESSION_LZW : COMPRESSION_ADOBE_DEFLATE);
      set(TIFFTAG_PREDICTOR, type.depth == CV_32F ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
      break;
    case TiffCompression::Jpeg:
      set(TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
      set(TIFFTAG_JPEGQUALITY, static_cast<std::uint32_t>(opt.jpeg_quality));
      if (cn == 3) {  // YCbCr 2x2 subsampled, as cameras and slide scanners store it
        set(TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
        set(TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
      }
      break;
  }
  if (TIFFSetField(tif, TIFFTAG_SOFTWARE, "tessera") != 1) fail(file->take_error());
}

TiffSink::TiffSink(std::string path, TiffWriteOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.path = std::move(path);
  im.opt = options;
  if (im.path.empty()) throw UsageError("output path is empty");
  const Size t = options.tile;
  if (options.tiled && (t.w <= 0 || t.h <= 0 || t.w % 16 || t.h % 16 || t.w > 65536 || t.h > 65536))
    throw UsageError("TIFF tile size " + to_string(t) + " must be a multiple of 16 on each side (16 to 65536)");
  if (!options.tiled && options.rows_per_strip <= 0)
    throw UsageError("rows per strip " + std::to_string(options.rows_per_strip) + " must be positive");
  if (!options.tiled && options.compression == TiffCompression::Jpeg && options.rows_per_strip % 16)
    throw UsageError("rows per strip " + std::to_string(options.rows_per_strip) +
                     " must be a multiple of 16 with JPEG compression");
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
    throw UsageError("JPEG quality " + std::to_string(options.jpeg_quality) + " must be 1 to 100");
}

TiffSink::~TiffSink() = default;  // closes the file, then removes it unless renamed

bool TiffSink::bigtiff() const { return impl_->big; }

void TiffSink::open(Size size, PixelType type) {
  Impl& im = *impl_;
  if (im.file) throw UsageError("TiffSink for '" + im.path + "' opened twice");
  if (size.empty() || size.w > kMaxTiffSide || size.h > kMaxTiffSide)
    throw UsageError("image size " + to_string(size) + " cannot be stored in a TIFF (each side 1 to " +
                     std::to_string(kMaxTiffSide) + ")");
  if (!im.opt.tiled && size.w > INT32_MAX)
    throw UsageError("image width " + std::to_string(size.w) + " is too wide for a striped TIFF (at most " +
                     std::to_string(INT32_MAX) + "); write tiles");
  const bool depth_ok = type.depth != CV_32S && type.depth != CV_64F && type.depth != CV_16F;
  if (!depth_ok || type.channels < 1 || type.channels > 4)
    throw UsageError("cannot write " + type.str() + " as TIFF (u8, s8, u16, s16 or f32 with 1 to 4 channels)");
  if (im.opt.compression == TiffCompression::Jpeg && (type.depth != CV_8U || type.channels == 2 || type.channels == 4))
    throw UsageError("cannot write " + type.str() + " as JPEG-compressed TIFF (u8 with 1 or 3 channels)");
  im.grid =
      im.opt.tiled ? ChunkGrid(size, im.opt.tile.w, im.opt.tile.h) : ChunkGrid(size, size.w, im.opt.rows_per_strip);
  if (im.grid.count() > UINT32_MAX)
    throw UsageError("image size " + to_string(size) + " needs " + std::to_string(im.grid.count()) + " TIFF " +
                     (im.opt.tiled ? "tiles" : "strips") + ", more than a TIFF can index (" +
                     std::to_string(UINT32_MAX) + "); use larger ones");

  const fs::path dest(im.path);
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) im.fail("directory '" + dir.string() + "' does not exist");
  im.size = size;
  im.type = type;
  im.big = im.opt.bigtiff || detail::needs_bigtiff(size, type, im.opt);
  im.temp = std::make_unique<detail::TempFile>(dest);
  try {
    im.file = std::make_unique<TiffHandle>(im.temp->path().string(), im.big ? "w8" : "w");
  } catch (const IoError& e) {
    im.fail(e.what());
  }
  im.configure();
}

void TiffSink::write(const Rect& r, const cv::Mat& tile) {
  Impl& im = *impl_;
  if (!im.file) throw UsageError("TiffSink::write before open() or after close()");
  if (r.empty() || !full_rect(im.size).contains(r) || tile.rows != r.h || tile.cols != r.w ||
      tile.type() != im.type.cv_type())
    throw UsageError("TiffSink::write: tile " + to_string(r) + " of type " + PixelType::of(tile).str() +
                     " does not fit the " + to_string(im.size) + " " + im.type.str() + " image");
  im.grid.for_each_overlapping(r, [&](std::int64_t i) { im.accept(i, r, tile); });
}

void TiffSink::Impl::accept(std::int64_t i, const Rect& r, const cv::Mat& from) {
  const Rect chunk = grid.rect(i);
  const Rect part = intersect(chunk, r);
  auto [it, fresh] = pending.try_emplace(i);
  Pending& p = it->second;
  if (fresh) {
    const int rows = static_cast<int>(opt.tiled ? grid.ch : chunk.h);
    p.pixels = detail::recycled_mat(rows, static_cast<int>(grid.cw), type.cv_type());
    if (chunk.w < grid.cw || chunk.h < rows) p.pixels.setTo(0);  // an edge tile: zeros past the image
    p.missing = chunk.area();
  }
  cv::Mat dst = p.pixels(to_cv_rect(chunk.relative(part)));
  from(to_cv_rect(r.relative(part))).copyTo(dst);
  p.missing -= part.area();
  if (p.missing > 0) return;
  if (opt.tiled) {
    encode(i, p);
    pending.erase(it);
    return;
  }
  while (!pending.empty() && pending.begin()->first == next_strip && pending.begin()->second.missing == 0) {
    encode(next_strip++, pending.begin()->second);
    pending.erase(pending.begin());
  }
}

void TiffSink::Impl::encode(std::int64_t i, Pending& p) {
  cv::Mat* data = &p.pixels;
  if (type.channels >= 3) {
    scratch.create(p.pixels.size(), p.pixels.type());
    detail::copy_pixels(p.pixels, scratch, true);  // BGR(A) -> RGB(A)
    data = &scratch;
  }
  const auto bytes = static_cast<tmsize_t>(data->total() * data->elemSize());
  const auto index = static_cast<std::uint32_t>(i);
  TIFF* tif = file->get();
  const tmsize_t n = opt.tiled ? TIFFWriteEncodedTile(tif, index, data->data, bytes)
                               : TIFFWriteEncodedStrip(tif, index, data->data, bytes);
  if (n < 0) fail(std::string(opt.tiled ? "tile " : "strip ") + std::to_string(i) + ": " + file->take_error());
  ++written;
}

void TiffSink::close() {
  Impl& im = *impl_;
  if (!im.file) throw UsageError("TiffSink::close before open() or twice");
  if (im.written != im.grid.count())
    im.fail("only " + std::to_string(im.written) + " of " + std::to_string(im.grid.count()) + " TIFF " +
            (im.opt.tiled ? "tiles" : "strips") + " were complete when the sink was closed");
  if (TIFFFlush(im.file->get()) != 1) im.fail(im.file->take_error());
  if (const std::string e = im.file->close(); !e.empty()) im.fail(e);
  im.file.reset();
  if (const std::error_code ec = im.temp->commit()) im.fail(ec.message());
}

}  // namespace tessera
