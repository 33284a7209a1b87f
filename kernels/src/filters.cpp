// Smoothing filters: gaussian, box. Each is the OpenCV call on the whole image.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "param_helpers.hpp"
#include "tessera/error.hpp"
#include "tessera/kernels.hpp"

namespace tessera {

namespace {

using detail::int_param;
using detail::real_param;

PixelType same_type_u8(std::span<const PixelType> in) {
  require_type(in[0], {CV_8U}, {1, 3, 4});
  return in[0];
}

KernelPtr make_gaussian(const Params& p) {
  const double sigma = p.number("sigma");
  const int ksize = static_cast<int>(p.integer("ksize"));
  if (ksize != 0 && ksize % 2 == 0) throw UsageError("ksize=" + std::to_string(ksize) + " must be odd (or 0 to derive it from sigma)");
  // With ksize=0 OpenCV derives the size from sigma and the depth (3 sigma for 8-bit,
  // 4 sigma otherwise); the halo covers the larger of the two.
  const int radius = ksize > 0 ? ksize / 2 : (static_cast<int>(std::lround(sigma * 4 * 2 + 1)) | 1) / 2;
  OpSpec s;
  s.name = "gaussian";
  s.kernel_class = KernelClass::Stencil;
  s.halo = {radius, radius};
  s.output_type = same_type_u8;
  s.apply = [sigma, ksize](std::span<const cv::Mat> in, cv::Mat& out, int border) {
    cv::GaussianBlur(in[0], out, cv::Size(ksize, ksize), sigma, sigma, border);
  };
  return make_op_kernel(std::move(s));
}

KernelPtr make_box(const Params& p) {
  const int k = static_cast<int>(p.integer("ksize"));
  OpSpec s;
  s.name = "box";
  s.kernel_class = KernelClass::Stencil;
  s.halo = {k / 2, k / 2};
  s.output_type = same_type_u8;
  s.apply = [k](std::span<const cv::Mat> in, cv::Mat& out, int border) {
    cv::blur(in[0], out, cv::Size(k, k), cv::Point(-1, -1), border);
  };
  return make_op_kernel(std::move(s));
}

}  // namespace

void register_filters(Registry& r) {
  r.add({"gaussian", "Gaussian blur (cv::GaussianBlur)", KernelClass::Stencil,
         {real_param("sigma", std::nullopt, 0, 200, "standard deviation in pixels", true),
          int_param("ksize", "0", 0, 1001, "kernel size, odd; 0 derives it from sigma as OpenCV does")},
         {{CV_8U}, {1, 3, 4}}, make_gaussian, "sigma=2"});
  r.add({"box", "mean over a ksize x ksize window (cv::blur)", KernelClass::Stencil,
         {int_param("ksize", "3", 1, 1001, "window size")},
         {{CV_8U}, {1, 3, 4}}, make_box, ""});
}

}  // namespace tessera
