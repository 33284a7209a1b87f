// Global kernels: the output may depend on the whole image, so the runtime materialises the
// input and runs the kernel once (refusing, before the run starts, when that does not fit
// the memory budget). canny: hysteresis follows edges across any tile boundary.
#include <opencv2/imgproc.hpp>

#include "common/param_helpers.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::choice_param;
using detail::int_param;
using detail::real_param;

KernelPtr make_canny(const Params& p) {
  const double low = p.number("low"), high = p.number("high");
  const int aperture = static_cast<int>(p.integer("aperture"));
  const bool l2 = p.text("norm") == "l2";
  if (aperture % 2 == 0) throw UsageError("aperture=" + std::to_string(aperture) + " must be 3, 5 or 7");
  OpSpec s;
  s.name = "canny";
  s.kernel_class = KernelClass::Global;
  s.types = {{CV_8U}, {1, 3}};
  s.output_type = [](std::span<const PixelType>) { return PixelType{CV_8U, 1}; };
  s.apply = [=](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::Canny(in[0], out, low, high, aperture, l2); };
  return make_op_kernel(std::move(s));
}

}  // namespace

void detail::register_global(Registry& r) {
  r.add({.name = "canny",
         .description = "Canny edges, 255 on edges (cv::Canny); global: needs the whole image in memory",
         .kernel_class = KernelClass::Global,
         .params = {real_param("low", std::nullopt, 0, 1e6, "lower hysteresis threshold"),
                    real_param("high", std::nullopt, 0, 1e6, "upper hysteresis threshold"),
                    int_param("aperture", "3", 3, 7, "Sobel aperture: 3, 5 or 7"),
                    choice_param("norm", "l1", {"l1", "l2"},
                                 "gradient magnitude |dx|+|dy| (l1) or sqrt(dx^2+dy^2) (l2)")},
         .types = {{CV_8U}, {1, 3}},
         .make = make_canny,
         .example = "low=50 high=150"});
}

}  // namespace tessera
