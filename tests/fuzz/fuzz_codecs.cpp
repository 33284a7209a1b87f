// Fuzz target: images decoded through the codecs module (OpenCV's decoders, loaded on first use),
// from memory: PNG and JPEG above all, and whatever else OpenCV recognises by signature.
//
// Input: the bytes of an image file. decode_image must return an image or throw IoError: no
// crash, sanitizer report, hang or other exception (an OpenCV exception escaping, say). Whether
// the pixels are right is for the tests (ImageFiles.*, Cli.DamagedJpegAndPng*): a fuzzer has no
// reference. OpenCV's pixel limit is lowered to 2^22 for the run, as a user may lower it, so
// that a header that claims a huge image is refused rather than allocated.
#include <cstdlib>
#include <vector>

#include "fuzz_target.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Read by OpenCV when the codecs module loads it, which is at the first decode.
  setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4194304", 1);
  setenv("OPENCV_IO_MAX_IMAGE_WIDTH", "65536", 1);
  setenv("OPENCV_IO_MAX_IMAGE_HEIGHT", "65536", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  try {
    std::string warnings;
    const cv::Mat image = decode_image(bytes, "fuzz-input", &warnings);
    if (image.empty() || image.channels() > 4) fuzz::fail("decode_image returned an image tessera cannot hold");
  } catch (const IoError&) {
  }
  return 0;
}
