// TiffSource: one page of a TIFF/BigTIFF file read rect by rect, decoding only the TIFF
// tiles or strips a rect overlaps, with a pool of libtiff handles for concurrent reads and a
// shared cache of recently decoded tiles/strips (three rows of them, 8 to 64 MiB).
#include <algorithm>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>

#include "exec/recycled.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/tiff.hpp"
#include "tiff_common.hpp"

namespace tessera {

using detail::ChunkGrid;
using detail::TiffHandle;

namespace {

constexpr std::int64_t kMaxChunkSide = INT32_MAX;              // a decoded tile or strip is a cv::Mat
constexpr std::int64_t kMaxChunkBytes = std::int64_t{1} << 32;  // one decoded tile or strip

/// How pixels are decoded: libtiff's decoder as stored (samples as they are; JPEG YCbCr
/// converted to RGB by libjpeg), or libtiff's RGBA interface for colour models tessera
/// does not read directly (YCbCr without JPEG, palette, miniswhite, CMYK, old JPEG).
enum class Decode { Direct, Rgba };

/// A libtiff handle positioned on the page, with the last chunk it decoded.
struct Reader {
  std::unique_ptr<TiffHandle> file;
  std::int64_t cached = -1;           // chunk index held in `chunk`, -1 for none
  cv::Mat chunk;                      // decoded pixels, RGB order, chunk-sized (strips: their rows)
  cv::Mat plane;                      // one plane of a separate-planes chunk
  std::vector<std::uint32_t> raster;  // RGBA interface output
};

/// Decoded chunks shared by every reader, the least recently used dropped first. A tessera
/// tile grown by its halo usually overlaps several TIFF tiles that its neighbours need too;
/// without sharing, each would be decoded again by whichever thread gets the neighbour.
class ChunkCache {
 public:
  /// Three rows of chunks across the image (the band that the tiles in flight read from),
  /// but at least 8 MiB and at most 64 MiB of decoded pixels.
  void set_limit(std::int64_t row_bytes) {
    limit_ = std::clamp<std::int64_t>(3 * row_bytes, std::int64_t{8} << 20, std::int64_t{64} << 20);
  }
  /// Keeps the limit at most `bytes` (a memory budget's share).
  void cap(std::int64_t bytes) { limit_ = std::min(limit_, bytes); }

  cv::Mat find(std::int64_t i) {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(i);
    if (it == index_.end()) return {};
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  /// Keeps `chunk` (not a copy) as chunk i; false when it is not kept.
  bool put(std::int64_t i, const cv::Mat& chunk) {
    const std::int64_t size = static_cast<std::int64_t>(chunk.total() * chunk.elemSize());
    if (size > limit_ / 3) return false;  // huge strips are not worth keeping
    std::lock_guard lock(mutex_);
    if (index_.count(i)) return false;
    lru_.emplace_front(i, chunk);
    index_[i] = lru_.begin();
    bytes_ += size;
    while (bytes_ > limit_ && lru_.size() > 1) {
      const cv::Mat& old = lru_.back().second;
      bytes_ -= static_cast<std::int64_t>(old.total() * old.elemSize());
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::list<std::pair<std::int64_t, cv::Mat>> lru_;
  std::unordered_map<std::int64_t, std::list<std::pair<std::int64_t, cv::Mat>>::iterator> index_;
  std::int64_t bytes_ = 0;
  std::int64_t limit_ = std::int64_t{8} << 20;
};

}  // namespace

struct TiffSource::Impl {
  std::string path;                                    // or the name of the bytes in memory
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // a file in memory (null: read `path`)
  int page = 0;
  Size size;
  PixelType type;
  Decode decode = Decode::Direct;
  bool tiled = false;
  bool separate = false;  // PLANARCONFIG_SEPARATE: one TIFF tile/strip per sample
  bool jpeg_rgb = false;  // JPEG-compressed YCbCr: ask libjpeg for RGB
  bool swap_rb = false;   // RGB(A) in the file, BGR(A) for tessera
  ChunkGrid grid;
  std::string warnings;  // libtiff's harmless warnings about the directory

  std::int64_t chunk_bytes = 0;  // what a reader holds to decode one chunk (the chunk, the RGBA raster)

  mutable std::mutex mutex;
  mutable std::condition_variable reader_returned;
  mutable std::vector<std::unique_ptr<Reader>> idle;
  mutable int readers = 0;            // open, idle or lent
  int max_readers = INT_MAX;          // limit_memory(): each holds a decoded chunk
  mutable ChunkCache cache;

  std::string where() const { return "'" + path + "'" + (page ? " page " + std::to_string(page) : ""); }
  [[noreturn]] void fail(const std::string& what) const { throw IoError("cannot read " + where() + ": " + what); }

  std::unique_ptr<TiffHandle> open_file(const char* mode) const {
    return bytes ? std::make_unique<TiffHandle>(bytes, path, mode) : std::make_unique<TiffHandle>(path, mode);
  }
  void open(int page);
  std::unique_ptr<Reader> open_reader() const;
  void inspect(TIFF* tif);
  void decode_chunk(Reader& rd, std::int64_t i) const;
  void decode_direct(Reader& rd, std::int64_t i, const Rect& rect) const;
  void decode_rgba(Reader& rd, const Rect& rect) const;
};

std::unique_ptr<Reader> TiffSource::Impl::open_reader() const {
  auto rd = std::make_unique<Reader>();
  rd->file = open_file("rm");
  TIFF* tif = rd->file->get();
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(page)) != 1) fail(rd->file->take_error());
  if (jpeg_rgb && TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB) != 1) fail(rd->file->take_error());
  return rd;
}

void TiffSource::Impl::inspect(TIFF* tif) {
  const std::int64_t w = detail::field_u32(tif, TIFFTAG_IMAGEWIDTH, 0);
  const std::int64_t h = detail::field_u32(tif, TIFFTAG_IMAGELENGTH, 0);
  if (w <= 0 || h <= 0 || w > kMaxTiffSide || h > kMaxTiffSide)
    fail("unsupported image size " + std::to_string(w) + "x" + std::to_string(h) + " (each side must be 1.." +
         std::to_string(kMaxTiffSide) + ")");
  size = {w, h};

  const int spp = detail::field_u16(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  const int bits = detail::field_u16(tif, TIFFTAG_BITSPERSAMPLE, 1);
  const int format = detail::field_u16(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT);
  const int compression = detail::field_u16(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  std::uint16_t photometric = 0;
  if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) != 1)
    photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;  // tag missing: the usual guess
  separate = spp > 1 && detail::field_u16(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) == PLANARCONFIG_SEPARATE;
  tiled = TIFFIsTiled(tif) != 0;

  const int depth = detail::cv_depth_of(bits, format);
  if (depth < 0)
    fail("unsupported samples: " + std::to_string(bits) + "-bit " + detail::sample_format_name(format) +
         " (supported: 8/16-bit uint or int, 32-bit float)");
  if (spp < 1 || spp > 4) fail(std::to_string(spp) + " samples per pixel (supported: 1 to 4)");
  const bool gray = photometric == PHOTOMETRIC_MINISBLACK;
  const bool rgb = photometric == PHOTOMETRIC_RGB && spp >= 3;
  jpeg_rgb = photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG && spp == 3 && !separate;
  if (gray || rgb || jpeg_rgb) {
    decode = Decode::Direct;
    type = {depth, spp};
    swap_rb = !gray;  // gray with extra samples keeps its sample order
  } else {
    char why[1024] = "";
    if (depth != CV_8U || TIFFRGBAImageOK(tif, why) != 1)
      fail("unsupported colour model: " + detail::photometric_name(photometric) + " with " + std::to_string(spp) +
           " samples of " + std::to_string(bits) + " bits" + (*why ? std::string(" (") + why + ")" : ""));
    std::uint16_t extra = 0;
    std::uint16_t* extra_types = nullptr;
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra, &extra_types);
    decode = Decode::Rgba;
    type = {CV_8U, extra > 0 ? 4 : 3};
    swap_rb = true;
  }

  std::int64_t cw = w, ch = 0;
  if (tiled) {
    cw = detail::field_u32(tif, TIFFTAG_TILEWIDTH, 0);
    ch = detail::field_u32(tif, TIFFTAG_TILELENGTH, 0);
  } else {
    ch = std::min<std::int64_t>(detail::field_u32(tif, TIFFTAG_ROWSPERSTRIP, UINT32_MAX), h);
  }
  const std::string kind = tiled ? "tile" : "strip";
  if (cw <= 0 || ch <= 0 || cw > kMaxChunkSide || ch > kMaxChunkSide ||
      cw * ch * spp * CV_ELEM_SIZE1(depth) > kMaxChunkBytes)
    fail("unsupported " + kind + " size " + std::to_string(cw) + "x" + std::to_string(ch) + " (each side at most " +
         std::to_string(kMaxChunkSide) + ", at most " + std::to_string(kMaxChunkBytes >> 30) + " GiB)");
  grid = ChunkGrid(size, cw, ch);
  const std::int64_t expected = grid.count() * (separate ? spp : 1);
  const std::int64_t present = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
  if (present < expected)
    fail("the file lists " + std::to_string(present) + " " + kind + "s, the image needs " + std::to_string(expected));
}

void TiffSource::Impl::decode_direct(Reader& rd, std::int64_t i, const Rect& rect) const {
  TIFF* tif = rd.file->get();
  const int rows = static_cast<int>(tiled ? grid.ch : rect.h);  // edge tiles are stored whole
  const int cols = static_cast<int>(grid.cw);
  const int planes = separate ? type.channels : 1;
  detail::recycled_create(rd.chunk, rows, cols, type.cv_type());
  cv::Mat& target = separate ? rd.plane : rd.chunk;
  if (separate) rd.plane.create(rows, cols, type.depth);
  const auto want = static_cast<tmsize_t>(target.total() * target.elemSize());
  for (int p = 0; p < planes; ++p) {
    const auto index = static_cast<std::uint32_t>(i + p * grid.count());
    const tmsize_t got = tiled ? TIFFReadEncodedTile(tif, index, target.data, want)
                               : TIFFReadEncodedStrip(tif, index, target.data, want);
    if (got < 0) throw IoError(rd.file->take_error());
    if (got < want) throw IoError("short data: " + std::to_string(got) + " of " + std::to_string(want) + " bytes");
    if (separate) cv::insertChannel(rd.plane, rd.chunk, p);
  }
}

void TiffSource::Impl::decode_rgba(Reader& rd, const Rect& rect) const {
  // The RGBA interface fills a whole tile (or the strip's rows) bottom-up: raster row
  // n-1-r holds row r. TIFFGetR & co. read the packed ABGR words endian-independently.
  const int rows = static_cast<int>(tiled ? grid.ch : rect.h);
  const int cols = static_cast<int>(grid.cw);
  rd.raster.assign(static_cast<std::size_t>(rows) * cols, 0);
  TIFF* tif = rd.file->get();
  // stop_on_error = 1: the plain TIFFReadRGBATile/Strip report success over data that did not
  // decode ("LZWDecode: Not enough data at scanline 0"), leaving those rows blank.
  const int ok = tiled ? TIFFReadRGBATileExt(tif, static_cast<std::uint32_t>(rect.x),
                                             static_cast<std::uint32_t>(rect.y), rd.raster.data(), 1)
                       : TIFFReadRGBAStripExt(tif, static_cast<std::uint32_t>(rect.y), rd.raster.data(), 1);
  if (ok != 1 || rd.file->has_errors()) throw IoError(rd.file->take_error());
  detail::recycled_create(rd.chunk, rows, cols, type.cv_type());
  const int cn = type.channels;
  for (int r = 0; r < rows; ++r) {
    const std::uint32_t* src = rd.raster.data() + static_cast<std::size_t>(rows - 1 - r) * cols;
    std::uint8_t* dst = rd.chunk.ptr<std::uint8_t>(r);
    for (int c = 0; c < cols; ++c, dst += cn) {
      dst[0] = static_cast<std::uint8_t>(TIFFGetR(src[c]));
      dst[1] = static_cast<std::uint8_t>(TIFFGetG(src[c]));
      dst[2] = static_cast<std::uint8_t>(TIFFGetB(src[c]));
      if (cn == 4) dst[3] = static_cast<std::uint8_t>(TIFFGetA(src[c]));
    }
  }
}

void TiffSource::Impl::decode_chunk(Reader& rd, std::int64_t i) const {
  if (rd.cached == i) return;
  rd.cached = -1;
  rd.file->clear_messages();
  const Rect rect = grid.rect(i);
  try {
    if (decode == Decode::Direct)
      decode_direct(rd, i, rect);
    else
      decode_rgba(rd, rect);
    if (const std::string damage = rd.file->data_warning(); !damage.empty()) throw IoError(damage);
  } catch (const IoError& e) {
    fail(std::string(tiled ? "tile " : "strip ") + std::to_string(i) + " at (x=" + std::to_string(rect.x) +
         ", y=" + std::to_string(rect.y) + "): " + e.what());
  } catch (const cv::Exception& e) {
    fail(std::string(tiled ? "tile " : "strip ") + std::to_string(i) + ": " + e.err);
  }
  rd.cached = i;
}

TiffSource::TiffSource(const std::string& path, int page) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->open(page);
}

TiffSource::TiffSource(std::shared_ptr<const std::vector<std::uint8_t>> bytes, std::string name, int page)
    : impl_(std::make_unique<Impl>()) {
  if (!bytes) throw UsageError("cannot read '" + name + "': no bytes given (a null pointer)");
  impl_->path = std::move(name);
  impl_->bytes = std::move(bytes);
  impl_->open(page);
}

void TiffSource::Impl::open(int page_number) {
  page = page_number;
  auto file = open_file("r");
  const int pages = TIFFNumberOfDirectories(file->get());
  if (page < 0 || page >= pages)
    throw IoError("cannot read '" + path + "': page " + std::to_string(page) + " does not exist (the file has " +
                  std::to_string(pages) + (pages == 1 ? " page)" : " pages, 0 to " + std::to_string(pages - 1) + ")"));
  file->clear_messages();  // page 0's directory, read on open, is not this page's
  if (TIFFSetDirectory(file->get(), static_cast<tdir_t>(page)) != 1) fail(file->take_error());
  inspect(file->get());
  // What libtiff warned about while it read the directory: an error when it ignored or
  // guessed a tag of the data's layout (the pixels would not be the file's), else kept for
  // warnings() (unknown tags, unsorted entries, ...).
  if (detail::directory_warning_means_damage(file->warnings()))
    fail("libtiff read the directory only by ignoring or guessing a tag of the data's layout, so the pixels "
         "would not be what the file holds: " + file->warnings());
  warnings = file->warnings();
  const Rect first = grid.rect(0);
  cache.set_limit(size.w * first.h * CV_ELEM_SIZE(type.cv_type()));
  // libtiff decodes a whole tile, the parts past the image's edge too; a strip only to the image's end.
  const ChunkGrid& g = grid;
  chunk_bytes = g.cw * (tiled ? g.ch : std::min(g.ch, size.h)) *
                (CV_ELEM_SIZE(type.cv_type()) + (decode == Decode::Rgba ? 4 : 0));
  file.reset();
  idle.push_back(open_reader());  // checks that the page reads as configured
  readers = 1;
}

TiffSource::~TiffSource() = default;

Size TiffSource::size() const { return impl_->size; }
PixelType TiffSource::type() const { return impl_->type; }
const std::string& TiffSource::path() const { return impl_->path; }
int TiffSource::page() const { return impl_->page; }
const std::string& TiffSource::warnings() const { return impl_->warnings; }

std::int64_t TiffSource::chunk_bytes() const { return impl_->chunk_bytes; }

int TiffSource::readers_opened() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->readers;
}

void TiffSource::limit_memory(std::int64_t bytes) {
  Impl& im = *impl_;
  const Size chunk{im.grid.cw, im.tiled ? im.grid.ch : std::min(im.grid.ch, im.size.h)};
  if (im.chunk_bytes > bytes)
    throw UsageError("cannot read " + im.where() + " within " + format_bytes(bytes) + " of decoded pixels (its share of "
                     "the memory budget): its " + (im.tiled ? "tiles are " : "strips are ") + to_string(chunk) +
                     ", " + format_bytes(im.chunk_bytes) + " each to decode, and libtiff decodes one whole; raise "
                     "--memory, or rewrite the file with smaller tiles (e.g. tiffcp -t -w 256 -l 256)");
  // Half for readers (each holds the chunk it decoded last), half for the shared cache.
  std::lock_guard lock(im.mutex);
  im.max_readers = static_cast<int>(std::clamp<std::int64_t>(bytes / 2 / std::max<std::int64_t>(im.chunk_bytes, 1), 1, INT_MAX));
  im.cache.cap(bytes / 2);
}

void TiffSource::read(const Rect& r, cv::Mat& out) const {
  const Impl& im = *impl_;
  if (r.empty() || !full_rect(im.size).contains(r))
    throw UsageError("read of " + to_string(r) + " outside " + im.where() + " of size " + to_string(im.size));
  if (r.w > INT32_MAX || r.h > INT32_MAX)
    throw UsageError("read of " + to_string(r) + " from " + im.where() + ": a rect read at once must be below 2^31 a side");
  // Borrow a reader (one per concurrent caller; opened when none is idle) and give it
  // back however this returns.
  // Under limit_memory() at most max_readers exist: a caller waits for one to come back.
  std::unique_ptr<Reader> rd;
  {
    std::unique_lock lock(im.mutex);
    im.reader_returned.wait(lock, [&] { return !im.idle.empty() || im.readers < im.max_readers; });
    if (!im.idle.empty()) {
      rd = std::move(im.idle.back());
      im.idle.pop_back();
    } else {
      ++im.readers;
    }
  }
  if (!rd) {
    try {
      rd = im.open_reader();
    } catch (...) {
      std::lock_guard lock(im.mutex);
      --im.readers;
      im.reader_returned.notify_one();
      throw;
    }
  }
  struct Return {
    const Impl& im;
    std::unique_ptr<Reader>& rd;
    ~Return() {
      {
        std::lock_guard lock(im.mutex);
        im.idle.push_back(std::move(rd));
      }
      im.reader_returned.notify_one();
    }
  } give_back{im, rd};

  // Never into a caller's buffer (it may be a view of something else).
  out = detail::recycled_mat(static_cast<int>(r.h), static_cast<int>(r.w), im.type.cv_type());
  im.grid.for_each_overlapping(r, [&](std::int64_t i) {
    cv::Mat pixels = im.cache.find(i);
    if (pixels.empty()) {
      im.decode_chunk(*rd, i);
      pixels = rd->chunk;
      if (im.cache.put(i, pixels)) {  // the cache has it now: the reader decodes its next chunk elsewhere
        rd->chunk = cv::Mat();
        rd->cached = -1;
      }
    }
    const Rect chunk = im.grid.rect(i);
    const Rect part = intersect(chunk, r);
    cv::Mat dst = out(to_cv_rect(r.relative(part)));
    detail::copy_pixels(pixels(to_cv_rect(chunk.relative(part))), dst, im.swap_rb);
  });
}

}  // namespace tessera
