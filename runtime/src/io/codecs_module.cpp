// libtessera_codecs.so: OpenCV's image codecs behind the CodecApi table (codecs.hpp).
#include <opencv2/imgcodecs.hpp>

#include "codecs.hpp"

namespace {

cv::Mat read(const std::string& path) { return cv::imread(path, cv::IMREAD_UNCHANGED); }
bool write(const std::string& path, const cv::Mat& image) { return cv::imwrite(path, image); }
bool can_write(const std::string& path) { return cv::haveImageWriter(path); }
std::size_t page_count(const std::string& path) { return cv::imcount(path, cv::IMREAD_UNCHANGED); }

}  // namespace

extern "C" __attribute__((visibility("default"))) const tessera::detail::CodecApi* tessera_codecs_api() {
  static const tessera::detail::CodecApi api{tessera::detail::kCodecApiVersion, read, write, can_write, page_count};
  return &api;
}
