// Fuzz target: the pipeline spec parser, and what a parsed spec does to an image.
//
// Input: a spec string ("gaussian sigma=2 | threshold t=90"). For every input:
// - Pipeline::parse either succeeds or throws UsageError; nothing else may escape;
// - a parsed pipeline's str() parses again to the same str() (the normal form is stable);
// - on small images of a few types that the pipeline accepts, the tiled run (odd 5x7 tiles,
//   2 TBB threads, fused where it fuses) equals run_reference (the whole-image OpenCV calls)
//   bit for bit: DESIGN.md's invariant, for specs nobody wrote by hand.
// Runs whose images would exceed a quarter of a megapixel anywhere in the chain are skipped
// (a resize by 1000 is legal, and only slow).
#include <string>

#include <opencv2/core.hpp>

#include "fuzz_target.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(1);  // OpenCV's own threads would only add noise to a small image
  return 0;
}

namespace {

/// Pixels from the spec's own bytes, so that a mutation of the spec also varies the image.
cv::Mat image_for(PixelType type, Size size, const std::string& spec) {
  cv::Mat m(static_cast<int>(size.h), static_cast<int>(size.w), type.cv_type());
  cv::RNG rng(std::hash<std::string>{}(spec));
  if (type.depth == CV_8U)
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  else if (type.depth == CV_16U)
    rng.fill(m, cv::RNG::UNIFORM, 0, 65536);
  else
    rng.fill(m, cv::RNG::UNIFORM, -300, 300);
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 2048) return 0;
  const std::string spec(reinterpret_cast<const char*>(data), size);
  Pipeline pipeline;
  try {
    pipeline = Pipeline::parse(spec);
  } catch (const UsageError&) {
    return 0;
  }
  const std::string normal = pipeline.str();
  try {
    if (Pipeline::parse(normal).str() != normal) fuzz::fail("str() of a parsed spec parses to a different str()");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "spec '%s' -> '%s': %s\n", spec.c_str(), normal.c_str(), e.what());
    fuzz::fail("str() of a parsed spec does not parse");
  }

  const Size in_size{23, 17};
  for (const PixelType type : {PixelType{CV_8U, 1}, PixelType{CV_8U, 3}, PixelType{CV_16U, 4}, PixelType{CV_32F, 1}}) {
    PipelineShape shape;
    try {
      shape = pipeline.validate(type, in_size);
    } catch (const UsageError&) {
      continue;
    }
    bool small = true;
    for (const Size& s : shape.sizes) small = small && s.w * s.h <= (1 << 18);
    if (!small) continue;
    const cv::Mat input = image_for(type, in_size, spec);
    cv::Mat reference;
    try {
      reference = run_reference(pipeline, input);
    } catch (const Error&) {
      continue;  // a kernel may refuse its input (its own KernelError, say): nothing to compare
    }
    RunOptions tiled;
    tiled.tile = {5, 7};
    tiled.threads = 2;
    cv::Mat out;
    try {
      out = run(pipeline, input, tiled);
    } catch (const Error& e) {
      std::fprintf(stderr, "spec '%s' on %s: the whole-image run worked, the tiled one threw: %s\n", normal.c_str(),
                   type.str().c_str(), e.what());
      fuzz::fail("tiled run threw where the whole-image run did not");
    }
    if (!same_bits(out, reference)) {
      std::fprintf(stderr, "spec '%s' on %s\n", normal.c_str(), type.str().c_str());
      fuzz::fail("tiled output differs from the whole-image output");
    }
  }
  return 0;
}
