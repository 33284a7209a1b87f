// libtessera_codecs.so: OpenCV's image codecs behind the CodecApi table (codecs.hpp).
#include <vector>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "codecs.hpp"

namespace {

cv::Mat read(const std::string& path) { return cv::imread(path, cv::IMREAD_UNCHANGED); }
bool write(const std::string& path, const cv::Mat& image) { return cv::imwrite(path, image); }
bool can_write(const std::string& path) { return cv::haveImageWriter(path); }
std::size_t page_count(const std::string& path) { return cv::imcount(path, cv::IMREAD_UNCHANGED); }

int round_trip_type(const std::string& ext, int type) {
  // 64x64: JPEG 2000's encoder refuses images smaller than its resolution levels need.
  const cv::Mat probe(64, 64, type, cv::Scalar::all(1));
  const cv::utils::logging::LogLevel level = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  int got = -1;
  try {
    std::vector<uchar> bytes;
    if (cv::imencode(ext, probe, bytes)) {
      const cv::Mat back = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
      if (!back.empty()) got = back.type();
    }
  } catch (const cv::Exception&) {
    got = -1;
  }
  cv::utils::logging::setLogLevel(level);
  return got;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const tessera::detail::CodecApi* tessera_codecs_api() {
  static const tessera::detail::CodecApi api{tessera::detail::kCodecApiVersion, read, write, can_write, page_count,
                                                     round_trip_type};
  return &api;
}
