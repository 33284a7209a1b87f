// Fuzz target: the TIFF source, reading a file from memory through TIFFClientOpen.
//
// Input: the bytes of a TIFF (or BigTIFF) file. For the first two pages: open the page (header,
// directory, layout checks), bound the decoded memory to 64 MiB as the CLI's --memory does, and
// read a few rects (corners, a middle band) so that several tiles or strips decode. Every input
// must give pixels or one of tessera's errors (IoError, UsageError); a crash, a sanitizer report,
// a hang or any other exception is a finding.
#include <algorithm>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "fuzz_target.hpp"
#include "tessera/tessera.hpp"
#include "tessera/tiff.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::make_shared<const std::vector<std::uint8_t>>(data, data + size);
  for (int page = 0; page < 2; ++page) {
    try {
      TiffSource source(bytes, "fuzz.tif", page);
      source.limit_memory(std::int64_t{64} << 20);
      const Size s = source.size();
      if (s.w <= 0 || s.h <= 0) fuzz::fail("a source opened with an empty size");
      const std::int64_t w = std::min<std::int64_t>(s.w, 64), h = std::min<std::int64_t>(s.h, 64);
      cv::Mat out;
      for (const Rect r : {Rect{0, 0, w, h}, Rect{s.w - w, s.h - h, w, h}, Rect{0, s.h / 2, w, 1},
                           Rect{s.w / 2, 0, 1, h}}) {
        source.read(r, out);
        if (out.cols != r.w || out.rows != r.h || out.type() != source.type().cv_type())
          fuzz::fail("read() returned pixels of another size or type than asked");
      }
    } catch (const Error&) {
      // IoError (damaged, unsupported) or UsageError (a chunk over the memory bound): handled.
    }
  }
  return 0;
}
