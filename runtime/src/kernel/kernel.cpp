#include "tessera/kernel.hpp"

#include <opencv2/core.hpp>

namespace tessera {

int PixelType::cv_type() const { return CV_MAKETYPE(depth, channels); }

PixelType PixelType::of(const cv::Mat& m) { return {m.depth(), m.channels()}; }

std::string PixelType::depth_name(int depth) {
  switch (depth) {
    case CV_8U: return "u8";
    case CV_8S: return "s8";
    case CV_16U: return "u16";
    case CV_16S: return "s16";
    case CV_32S: return "s32";
    case CV_32F: return "f32";
    case CV_64F: return "f64";
    default: return "?";
  }
}

std::string PixelType::str() const { return depth_name(depth) + "x" + std::to_string(channels); }

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
