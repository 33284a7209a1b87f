#include "tessera/kernel.hpp"

#include <opencv2/core.hpp>

namespace tessera {

int PixelType::cv_type() const { return CV_MAKETYPE(depth, channels); }

PixelType PixelType::of(const cv::Mat& m) { return {m.depth(), m.channels()}; }

std::string PixelType::str() const {
  const char* d = "?";
  switch (depth) {
    case CV_8U: d = "u8"; break;
    case CV_8S: d = "s8"; break;
    case CV_16U: d = "u16"; break;
    case CV_16S: d = "s16"; break;
    case CV_32S: d = "s32"; break;
    case CV_32F: d = "f32"; break;
    case CV_64F: d = "f64"; break;
    default: break;
  }
  return std::string(d) + "x" + std::to_string(channels);
}

std::string to_string(KernelClass c) {
  switch (c) {
    case KernelClass::Pointwise: return "pointwise";
    case KernelClass::Stencil: return "stencil";
    case KernelClass::Geometric: return "geometric";
    case KernelClass::ReduceThenMap: return "reduce-then-map";
    case KernelClass::Global: return "global";
  }
  return "?";
}

Rect Kernel::input_region(const Rect& out, int /*input*/, Size /*in_size*/) const { return out.grown(halo()); }

}  // namespace tessera
