#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "image_memory.hpp"
#include "tessera/error.hpp"
#include "tessera/io.hpp"

namespace tessera {

namespace fs = std::filesystem;

namespace {

cv::Rect to_cv(const Rect& r) {
  return {static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.w), static_cast<int>(r.h)};
}

}  // namespace

MatSource::MatSource(cv::Mat image) : image_(std::move(image)) {
  if (image_.empty()) throw UsageError("input image is empty");
  if (image_.dims != 2) throw UsageError("input image has " + std::to_string(image_.dims) + " dimensions, expected 2");
}
Size MatSource::size() const { return {image_.cols, image_.rows}; }
PixelType MatSource::type() const { return PixelType::of(image_); }
void MatSource::read(const Rect& r, cv::Mat& out) const { out = image_(to_cv(r)); }

void MatSink::open(Size size, PixelType type) {
  if (size.w > INT32_MAX || size.h > INT32_MAX)
    throw UsageError("image size " + to_string(size) + " is too large for an in-memory image");
  detail::create_image(image_, static_cast<int>(size.h), static_cast<int>(size.w), type.cv_type());
}
void MatSink::write(const Rect& r, const cv::Mat& tile) {
  cv::Mat dst = image_(to_cv(r));
  if (tile.data != dst.data) tile.copyTo(dst);  // else computed in place (region())
}
cv::Mat MatSink::region(const Rect& r) { return image_(to_cv(r)); }

cv::Mat read_image(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError("cannot read '" + path + "': no such file");
  if (fs::is_directory(path, ec)) throw IoError("cannot read '" + path + "': it is a directory");
  if (!std::ifstream(path).good()) throw IoError("cannot read '" + path + "': " + std::strerror(errno));
  cv::Mat image;
  try {
    image = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw IoError("cannot decode '" + path + "': " + e.err);
  }
  if (image.empty())
    throw IoError("cannot decode '" + path + "': not an image format OpenCV reads, or the file is truncated or corrupt");
  return image;
}

void write_image_atomic(const std::string& path, const cv::Mat& image) {
  if (path.empty()) throw UsageError("output path is empty");
  const fs::path dest(path);
  if (!cv::haveImageWriter(path))
    throw UsageError("cannot write '" + path + "': unknown image format '" + dest.extension().string() +
                     "' (use e.g. .png, .tif, .jpg)");
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError("cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
  static std::atomic<int> counter{0};
  const fs::path tmp = dir / ("." + dest.stem().string() + ".tessera-" + std::to_string(::getpid()) + "-" +
                              std::to_string(counter++) + dest.extension().string());
  bool ok = false;
  std::string why = "the encoder failed";
  try {
    ok = cv::imwrite(tmp.string(), image);
  } catch (const cv::Exception& e) {
    why = e.err;
  }
  if (!ok) {
    fs::remove(tmp, ec);
    throw IoError("cannot write '" + path + "' as " + PixelType::of(image).str() + ": " + why);
  }
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError("cannot write '" + path + "': " + ec.message());
  }
}

}  // namespace tessera
