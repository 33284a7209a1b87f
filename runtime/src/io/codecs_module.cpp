// libtessera_codecs.so: OpenCV's image codecs behind the CodecApi table (codecs.hpp).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "codecs.hpp"

namespace {

/// Sends what is written to stderr (fd 2) while it lives to an anonymous in-memory file, and
/// hands the text over at the end. libjpeg and libpng print their messages there, from the
/// decoding thread; any other thread's stderr output in the meantime is caught too, and given
/// back with them (a read is a moment at the start of a run).
/// Held while stderr is redirected or OpenCV's log level changed: two threads reading images
/// at once would otherwise restore each other's file descriptors.
std::mutex g_stderr_mutex;

class CaptureStderr {
 public:
  CaptureStderr() : lock_(g_stderr_mutex) {
    std::fflush(stderr);
    file_ = ::memfd_create("tessera-codec-messages", MFD_CLOEXEC);
    saved_ = file_ >= 0 ? ::dup(STDERR_FILENO) : -1;
    if (saved_ >= 0) ::dup2(file_, STDERR_FILENO);
  }
  ~CaptureStderr() { restore(); }
  CaptureStderr(const CaptureStderr&) = delete;
  CaptureStderr& operator=(const CaptureStderr&) = delete;

  /// Stops capturing; returns the text (at most 4 KB).
  std::string restore() {
    std::string text;
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
      saved_ = -1;
      char buf[4096];
      const ssize_t n = ::pread(file_, buf, sizeof buf, 0);
      if (n > 0) text.assign(buf, static_cast<std::size_t>(n));
    }
    if (file_ >= 0) ::close(file_);
    file_ = -1;
    return text;
  }

 private:
  std::lock_guard<std::mutex> lock_;
  int file_ = -1, saved_ = -1;
};

/// fn() with stderr captured into `messages` (also when fn throws).
template <class Fn>
auto captured(std::string& messages, Fn&& fn) {
  CaptureStderr capture;
  try {
    auto result = fn();
    messages = capture.restore();
    return result;
  } catch (...) {
    messages = capture.restore();
    throw;
  }
}

cv::Mat read(const std::string& path, std::string& messages) {
  return captured(messages, [&] { return cv::imread(path, cv::IMREAD_UNCHANGED); });
}

cv::Mat decode(const std::vector<unsigned char>& bytes, std::string& messages) {
  // Not cv::imdecode: OpenCV's in-memory JPEG source ends a short buffer with a made-up end
  // marker and no warning, so a cut file decodes silently with grey areas. Through an anonymous
  // in-memory file, the decoders read as they read any file, and libjpeg says "Premature end".
  struct File {  // closed however this returns (read() throws for an image past OpenCV's limits)
    int fd = ::memfd_create("tessera-decode", MFD_CLOEXEC);
    ~File() {
      if (fd >= 0) ::close(fd);
    }
  } file;
  if (file.fd < 0) CV_Error(cv::Error::StsError, std::string("cannot create an in-memory file: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(file.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) CV_Error(cv::Error::StsError, std::string("cannot fill an in-memory file: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return read("/proc/self/fd/" + std::to_string(file.fd), messages);
}

bool write(const std::string& path, const cv::Mat& image, std::string& messages) {
  return captured(messages, [&] { return cv::imwrite(path, image); });
}

bool can_write(const std::string& path) { return cv::haveImageWriter(path); }
std::size_t page_count(const std::string& path) { return cv::imcount(path, cv::IMREAD_UNCHANGED); }

int round_trip_type(const std::string& ext, int type) {
  // 64x64: JPEG 2000's encoder refuses images smaller than its resolution levels need. A
  // mid-range value: a 1-bit format (.pbm) cannot keep it.
  const int depth = CV_MAT_DEPTH(type);
  const double value = depth == CV_8U ? 100 : depth == CV_16U ? 1000 : depth == CV_16S ? -1000 : 0.25;
  const cv::Mat probe(64, 64, type, cv::Scalar::all(value));
  const std::lock_guard lock(g_stderr_mutex);
  const cv::utils::logging::LogLevel level = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  int got = -1;
  try {
    std::vector<uchar> bytes;
    if (cv::imencode(ext, probe, bytes)) {
      const cv::Mat back = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
      if (!back.empty()) got = back.type();
      if (got == type && cv::norm(back, probe, cv::NORM_INF) > 2) got = tessera::detail::kValuesLost;
    }
  } catch (const cv::Exception&) {
    got = -1;
  }
  cv::utils::logging::setLogLevel(level);
  return got;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const tessera::detail::CodecApi* tessera_codecs_api() {
  static const tessera::detail::CodecApi api{tessera::detail::kCodecApiVersion, read, decode, write, can_write, page_count,
                                                     round_trip_type};
  return &api;
}
