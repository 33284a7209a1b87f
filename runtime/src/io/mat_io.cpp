#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>

#include <climits>
#include <unistd.h>

#include <opencv2/core.hpp>

#include "codecs.hpp"
#include "image_memory.hpp"
#include "temp_file.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"
#include "tessera/io.hpp"

namespace tessera {

namespace fs = std::filesystem;

namespace {

/// The temporary files being written, for remove_partial_outputs(). A slot is Free, being
/// Filled by a TempFile, Listed, being Unlinked by remove_partial_outputs, or Unlinked.
/// Every change is a compare-exchange on a lock-free atomic: the signal handler never
/// sees a half-written path, and a TempFile never reuses a slot the handler is reading.
enum SlotState : int { kFree, kFilling, kListed, kUnlinking, kUnlinked };
struct Slot {
  std::atomic<int> state{kFree};
  char path[4096] = {};
};
Slot g_slots[16];
static_assert(std::atomic<int>::is_always_lock_free);

}  // namespace

namespace detail {

TempFile::TempFile(const fs::path& dest) : dest_(dest) {
  static std::atomic<int> counter{0};
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  const std::string suffix =
      ".tessera-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + dest.extension().string();
  // A file name holds at most NAME_MAX (255) bytes: a legal output name of 250 would not have
  // room for the suffix, so the stem is shortened (the extension stays: OpenCV picks the
  // encoder by it).
  std::string stem = dest.stem().string();
  const std::size_t room = suffix.size() + 1 < NAME_MAX ? NAME_MAX - 1 - suffix.size() : 0;
  if (stem.size() > room) stem.resize(room);
  std::string name = ".";  // appended piecewise: g++ 12 warns (-Wrestrict) about "." + string
  name += stem;
  name += suffix;
  path_ = dir / name;
  const std::string& text = path_.native();
  if (text.size() >= sizeof(Slot::path)) return;  // too long to list; removed as usual, not by a signal
  for (int i = 0; i < static_cast<int>(std::size(g_slots)); ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slots[i].path, text.c_str(), text.size() + 1);
    g_slots[i].state.store(kListed);
    slot_ = i;
    return;
  }
}

void TempFile::unlist() {
  if (slot_ < 0) return;
  std::atomic<int>& state = g_slots[slot_].state;
  for (int s = state.load();; s = state.load())  // kUnlinking: a handler on another thread, for a moment
    if (s != kUnlinking && state.compare_exchange_weak(s, kFree)) break;
  slot_ = -1;
}

TempFile::~TempFile() {
  unlist();
  if (committed_) return;
  std::error_code ec;
  fs::remove(path_, ec);
}

std::error_code TempFile::commit() {
  std::error_code ec;
  fs::rename(path_, dest_, ec);
  committed_ = !ec;
  unlist();
  return ec;  // on failure the destructor removes the file
}

}  // namespace detail

void remove_partial_outputs() noexcept {
  for (Slot& slot : g_slots) {
    int expected = kListed;
    if (!slot.state.compare_exchange_strong(expected, kUnlinking)) continue;
    ::unlink(slot.path);
    slot.state.store(kUnlinked);
  }
}

MatSource::MatSource(cv::Mat image) : image_(std::move(image)) {
  if (image_.empty()) throw UsageError("input image is empty");
  if (image_.dims != 2) throw UsageError("input image has " + std::to_string(image_.dims) + " dimensions, expected 2");
}
Size MatSource::size() const { return {image_.cols, image_.rows}; }
PixelType MatSource::type() const { return PixelType::of(image_); }
void MatSource::read(const Rect& r, cv::Mat& out) const { out = image_(to_cv_rect(r)); }

void MatSink::open(Size size, PixelType type) {
  if (size.w > INT32_MAX || size.h > INT32_MAX)
    throw UsageError("image size " + to_string(size) + " is too large for an in-memory image");
  detail::create_image(image_, static_cast<int>(size.h), static_cast<int>(size.w), type.cv_type());
}
void MatSink::write(const Rect& r, const cv::Mat& tile) {
  cv::Mat dst = image_(to_cv_rect(r));
  if (tile.size() != dst.size() || tile.type() != dst.type())
    throw KernelError("internal: a " + PixelType::of(tile).str() + " tile of " + std::to_string(tile.cols) + "x" +
                          std::to_string(tile.rows) + " for region " + to_string(r) + " of a " +
                          PixelType::of(image_).str() + " image",
                      r);
  if (tile.data != dst.data) tile.copyTo(dst);  // else computed in place (region())
}
cv::Mat MatSink::region(const Rect& r) { return image_(to_cv_rect(r)); }

namespace {

/// Why `path` is not a regular file tessera can read, or "" when it is one.
std::string not_readable_because(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  switch (st.type()) {
    case fs::file_type::regular: return ::access(path.c_str(), R_OK) == 0 ? "" : std::strerror(errno);
    case fs::file_type::not_found: return "no such file";
    case fs::file_type::directory: return "it is a directory";
    case fs::file_type::fifo: return "it is a FIFO (named pipe), not a regular file; tessera seeks in its inputs";
    case fs::file_type::socket: return "it is a socket, not a regular file";
    case fs::file_type::block:
    case fs::file_type::character: return "it is a device, not a regular file";
    default: return ec ? ec.message() : "not a regular file";
  }
}

}  // namespace

void check_input_file(const std::string& path) {
  if (const std::string why = not_readable_because(path); !why.empty())
    throw IoError("cannot read '" + path + "': " + why);
}

namespace {

/// The decoder messages (one per line, as printed) joined into one line.
std::string one_line(const std::string& messages) {
  std::string out;
  std::size_t start = 0;
  while (start < messages.size()) {
    std::size_t end = messages.find('\n', start);
    if (end == std::string::npos) end = messages.size();
    std::string line = messages.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
    start = end + 1;
  }
  return out;
}

/// True for a decoder message that means the pixels are not what the file holds: libjpeg
/// fills what it could not decode with grey and says so only as a warning.
bool means_damage(const std::string& messages) {
  // "Corrupt JPEG data: N extraneous bytes before marker 0xd9" is junk after a complete scan.
  const bool only_trailing_junk = messages.find("extraneous bytes before marker 0xd9") != std::string::npos &&
                                  messages.find("Corrupt JPEG data") == messages.rfind("Corrupt JPEG data");
  if (messages.find("Corrupt JPEG data") != std::string::npos && !only_trailing_junk) return true;
  for (const char* damage : {"Premature end of JPEG", "Inconsistent progression", "libpng error"})
    if (messages.find(damage) != std::string::npos) return true;
  return false;
}

/// What read_image and decode_image share: a decoded image, checked against what the decoder
/// said while it worked. `what` names the file in messages ("'a.png'").
cv::Mat checked_decode(const std::string& what, const std::function<cv::Mat(std::string&)>& decode,
                       std::string* warnings) {
  cv::Mat image;
  std::string messages;
  try {
    image = decode(messages);
  } catch (const cv::Exception& e) {
    // OpenCV's size limits (CV_IO_MAX_IMAGE_PIXELS, _WIDTH, _HEIGHT) fail an assertion.
    if (e.err.find("CV_IO_MAX_IMAGE_") != std::string::npos)
      throw IoError("cannot decode " + what + ": the image is too large for an in-memory format (OpenCV refuses it: " +
                    e.err + "); convert it to a tiled TIFF, which tessera streams tile by tile");
    throw IoError("cannot decode " + what + ": " + e.err + (messages.empty() ? "" : " (" + one_line(messages) + ")"));
  }
  const std::string said = one_line(messages);
  if (image.empty())
    throw IoError("cannot decode " + what + ": " +
                  (said.empty() ? "not an image format OpenCV reads, or the file is truncated or corrupt"
                                : "the file is damaged or truncated (" + said + ")"));
  if (means_damage(said))
    throw IoError("cannot decode " + what + ": the file is damaged or truncated; the decoder filled in what it "
                  "could not read (" + said + ")");
  if (warnings) *warnings = said;
  return image;
}

/// Refuses formats whose decoder in Debian's OpenCV ends the process on a damaged file instead of
/// failing: DICOM (GDCM asserts: a 135-byte file found by fuzz_codecs aborts cv::imread). The
/// DICOM signature is "DICM" after a 128-byte preamble. `head` holds the file's first bytes.
void refuse_unsafe_format(const std::string& what, const std::uint8_t* head, std::size_t size) {
  if (size >= 132 && std::memcmp(head + 128, "DICM", 4) == 0)
    throw IoError("cannot decode " + what + ": DICOM files are not supported (OpenCV's DICOM decoder aborts the "
                  "process on damaged ones); convert it to TIFF or PNG first");
}

/// refuse_unsafe_format for a file on disk.
void refuse_unsafe_file(const std::string& path) {
  std::uint8_t head[132] = {};
  std::ifstream is(path, std::ios::binary);
  is.read(reinterpret_cast<char*>(head), sizeof head);
  refuse_unsafe_format("'" + path + "'", head, static_cast<std::size_t>(is.gcount()));
}

}  // namespace

cv::Mat read_image(const std::string& path, std::string* warnings) {
  check_input_file(path);
  refuse_unsafe_file(path);
  return checked_decode(
      "'" + path + "'", [&](std::string& messages) { return detail::codecs().read(path, messages); }, warnings);
}

cv::Mat decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name, std::string* warnings) {
  refuse_unsafe_format("'" + name + "'", bytes.data(), bytes.size());
  return checked_decode(
      "'" + name + "'", [&](std::string& messages) { return detail::codecs().decode(bytes, messages); }, warnings);
}

cv::Mat read_image(const std::string& path) { return read_image(path, nullptr); }

std::size_t count_image_pages(const std::string& path) {
  refuse_unsafe_file(path);
  try {
    return std::max<std::size_t>(1, detail::codecs().page_count(path));
  } catch (const cv::Exception&) {
    return 1;  // the first page decodes; the codec cannot count the others
  }
}

void check_image_output(const std::string& path) {
  if (path.empty()) throw UsageError("output path is empty");
  const fs::path dest(path);
  if (!detail::codecs().can_write(path))
    throw UsageError("cannot write '" + path + "': unknown image format '" + dest.extension().string() +
                     "' (use e.g. .png, .tif, .jpg)");
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError("cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
}

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// An OpenCV read limit: the environment variable OpenCV reads, or its default.
std::int64_t opencv_limit(const char* name, std::int64_t fallback) {
  const char* env = std::getenv(name);
  if (!env || !*env) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(env, &end, 10);
  return end && *end == '\0' && v > 0 ? v : fallback;
}

/// The widest side each format's decoder reads back (libjpeg: 65500; libwebp: 16383; libpng's
/// default user limit: 1,000,000), if it has one below OpenCV's own.
std::int64_t format_side_limit(const std::string& ext) {
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe") return 65500;
  if (ext == ".webp") return 16383;
  if (ext == ".png") return 1000000;
  return INT64_MAX;
}

/// True when `got` (a type read back) holds every value of `want`: the same type, or one gray
/// channel written as three equal ones (WebP has no gray).
bool holds(int want, int got) {
  return got == want || (CV_MAT_CN(want) == 1 && got == CV_MAKETYPE(CV_MAT_DEPTH(want), 3));
}

}  // namespace

void check_image_output(const std::string& path, PixelType type, Size size) {
  check_image_output(path);
  const std::string ext = lower_extension(path);
  const std::string what = to_string(size) + " " + type.str();
  const std::int64_t max_pixels = opencv_limit("OPENCV_IO_MAX_IMAGE_PIXELS", std::int64_t{1} << 30);
  const std::int64_t max_side = std::min({opencv_limit("OPENCV_IO_MAX_IMAGE_WIDTH", std::int64_t{1} << 20),
                                          opencv_limit("OPENCV_IO_MAX_IMAGE_HEIGHT", std::int64_t{1} << 20),
                                          format_side_limit(ext)});
  const std::string instead = "; write a .tif, which tessera streams tile by tile and reads back at any size";
  if (size.area() > max_pixels)
    throw UsageError("cannot write '" + path + "': the output (" + what + ") has more than the " +
                     std::to_string(max_pixels) + " pixels OpenCV's codecs read back (OPENCV_IO_MAX_IMAGE_PIXELS)" + instead);
  if (std::max(size.w, size.h) > max_side)
    throw UsageError("cannot write '" + path + "': the output (" + what + ") is wider or taller than the " +
                     std::to_string(max_side) + " pixels a " + ext + " file is read back at" + instead);
  const int got = detail::codecs().round_trip_type(ext, type.cv_type());
  if (holds(type.cv_type(), got)) return;
  if (got == detail::kValuesLost)
    throw UsageError("cannot write '" + path + "': " + ext + " does not keep the values of " + type.str() +
                     " pixels (a probe image came back changed: e.g. .pbm holds 1 bit); write .tif or .png");
  std::string can = ".tif";
  for (const char* other : {".png", ".pnm", ".jpg", ".bmp", ".webp", ".jp2", ".exr", ".pfm", ".hdr"})
    if (other != ext && holds(type.cv_type(), detail::codecs().round_trip_type(other, type.cv_type()))) can += std::string(", ") + other;
  const std::string why = got < 0 ? "OpenCV's " + ext + " encoder refuses " + type.str() + " pixels"
                                  : ext + " cannot hold " + type.str() + " pixels (OpenCV would write them as " +
                                        PixelType::of(cv::Mat(1, 1, got)).str() + ", converted without a word)";
  throw UsageError("cannot write '" + path + "': " + why + "; formats that hold them: " + can +
                   " (or end the pipeline with convert to=...)");
}

void write_image_atomic(const std::string& path, const cv::Mat& image) {
  check_image_output(path, PixelType::of(image), {image.cols, image.rows});
  detail::TempFile tmp{fs::path(path)};
  bool ok = false;
  std::string why = "the encoder failed", messages;
  try {
    ok = detail::codecs().write(tmp.path().string(), image, messages);
  } catch (const cv::Exception& e) {
    why = e.err;
  }
  if (!messages.empty()) why += " (" + one_line(messages) + ")";
  if (!ok) throw IoError("cannot write '" + path + "' as " + PixelType::of(image).str() + ": " + why);
  if (const std::error_code ec = tmp.commit()) throw IoError("cannot write '" + path + "': " + ec.message());
}

}  // namespace tessera
