// Edge detectors: sobel_mag. Each is the OpenCV calls on the whole image.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tessera/kernels.hpp"

namespace tessera {

namespace {

KernelPtr make_sobel_mag(const Params&) {
  OpSpec s;
  s.name = "sobel_mag";
  s.kernel_class = KernelClass::Stencil;
  s.halo = {1, 1};
  s.output_type = [](std::span<const PixelType> in) {
    require_type(in[0], {CV_8U}, {1, 3, 4});
    return in[0];
  };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int border) {
    cv::Mat gx, gy, ax, ay;
    cv::Sobel(in[0], gx, CV_16S, 1, 0, 3, 1, 0, border);
    cv::Sobel(in[0], gy, CV_16S, 0, 1, 3, 1, 0, border);
    cv::convertScaleAbs(gx, ax);
    cv::convertScaleAbs(gy, ay);
    cv::addWeighted(ax, 0.5, ay, 0.5, 0, out);
  };
  return make_op_kernel(std::move(s));
}

}  // namespace

void register_edges(Registry& r) {
  r.add({"sobel_mag", "gradient magnitude (|Sobel dx| + |Sobel dy|) / 2, 3x3, saturated to 8 bits",
         KernelClass::Stencil, {}, {{CV_8U}, {1, 3, 4}}, make_sobel_mag, ""});
}

}  // namespace tessera
