// Colour conversions: gray. Each is the OpenCV cvtColor call on the whole image.
#include <opencv2/imgproc.hpp>

#include "tessera/kernels.hpp"

namespace tessera {

namespace {

KernelPtr make_gray(const Params&) {
  OpSpec s;
  s.name = "gray";
  s.output_type = [](std::span<const PixelType> in) {
    require_type(in[0], {CV_8U, CV_16U, CV_32F}, {3, 4});
    return PixelType{in[0].depth, 1};
  };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) {
    cv::cvtColor(in[0], out, in[0].channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  };
  return make_op_kernel(std::move(s));
}

}  // namespace

void register_color(Registry& r) {
  r.add({"gray", "BGR(A) to gray (cv::cvtColor COLOR_BGR2GRAY)", KernelClass::Pointwise, {}, {{CV_8U, CV_16U, CV_32F}, {3, 4}},
         make_gray, ""});
}

}  // namespace tessera
