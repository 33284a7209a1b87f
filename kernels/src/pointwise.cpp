// Per-pixel operations: threshold, invert. Each is the OpenCV call on the whole image.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "param_helpers.hpp"
#include "tessera/kernels.hpp"

namespace tessera {

namespace {

using detail::choice_param;
using detail::real_param;

int threshold_type(const std::string& name) {
  if (name == "binary") return cv::THRESH_BINARY;
  if (name == "binary_inv") return cv::THRESH_BINARY_INV;
  if (name == "trunc") return cv::THRESH_TRUNC;
  if (name == "tozero") return cv::THRESH_TOZERO;
  return cv::THRESH_TOZERO_INV;
}

KernelPtr make_threshold(const Params& p) {
  const double t = p.number("t"), maxval = p.number("max");
  const int type = threshold_type(p.text("type"));
  OpSpec s;
  s.name = "threshold";
  s.output_type = [](std::span<const PixelType> in) {
    require_type(in[0], {CV_8U}, {1, 3, 4});
    return in[0];
  };
  s.apply = [t, maxval, type](std::span<const cv::Mat> in, cv::Mat& out, int) {
    cv::threshold(in[0], out, t, maxval, type);
  };
  return make_op_kernel(std::move(s));
}

KernelPtr make_invert(const Params&) {
  OpSpec s;
  s.name = "invert";
  s.output_type = [](std::span<const PixelType> in) {
    require_type(in[0], {CV_8U, CV_16U}, {1, 2, 3, 4});
    return in[0];
  };
  // For unsigned integers, bitwise not is exactly max - x.
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::bitwise_not(in[0], out); };
  return make_op_kernel(std::move(s));
}

}  // namespace

void register_pointwise(Registry& r) {
  r.add({"threshold", "fixed-level threshold (cv::threshold)", KernelClass::Pointwise,
         {real_param("t", std::nullopt, -1e9, 1e9, "threshold value"),
          real_param("max", "255", -1e9, 1e9, "value given to pixels that pass (binary types)"),
          choice_param("type", "binary", {"binary", "binary_inv", "trunc", "tozero", "tozero_inv"},
                       "cv::ThresholdTypes")},
         {{CV_8U}, {1, 3, 4}}, make_threshold, "t=100"});
  r.add({"invert", "photographic negative: max - x (255 - x for 8 bits)", KernelClass::Pointwise, {},
         {{CV_8U, CV_16U}, {1, 2, 3, 4}}, make_invert, ""});
}

}  // namespace tessera
