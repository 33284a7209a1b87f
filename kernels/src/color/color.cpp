// Colour conversions: gray, hsv, lab, bgr2rgb. Each is the cv::cvtColor call on the whole
// image (pointwise).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <memory>
#include <mutex>

#include <opencv2/imgproc.hpp>

#include "color/color_loops.hpp"

#include "color/color_rows.hpp"
#include "common/row_kernels.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

/// Gray from f32 BGR(A), row by row (gray_f32_row: cvtColor's own f32 path cannot be tiled).
void gray_f32(const cv::Mat& in, cv::Mat& out) {
  out.create(in.size(), CV_32FC1);
  for (int y = 0; y < in.rows; ++y) detail::gray_f32_row(in.ptr<float>(y), out.ptr<float>(y), in.cols, in.channels());
}

/// HSV from f32 BGR, row by row (hsv_f32_row).
void hsv_f32(const cv::Mat& in, cv::Mat& out) {
  out.create(in.size(), CV_32FC3);
  for (int y = 0; y < in.rows; ++y) detail::hsv_f32_row(in.ptr<float>(y), out.ptr<float>(y), in.cols);
}

KernelPtr make_gray(const Params&) {
  return detail::with_row_stages(
      make_pointwise(
          "gray", {{CV_8U, CV_16U, CV_32F}, {3, 4}},
          [](const cv::Mat& in, cv::Mat& out) {
            if (in.depth() == CV_32F) gray_f32(in, out);
            else cv::cvtColor(in, out, in.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
          },
          [](const PixelType& in) { return PixelType{in.depth, 1}; }),
      detail::pointwise_rows(nullptr, detail::gray_row_stage));
}

cv::Mat cvt_gray_oracle(std::span<const cv::Mat> in, const Params&) {
  cv::Mat out;
  cv::cvtColor(in[0], out, in[0].channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return out;
}

/// A 3-channel conversion with a fixed cvtColor code. Making the kernel converts one pixel of
/// each type first: OpenCV builds some conversions' tables (Lab's) on first use without a lock,
/// so two tiles converting first at once would each build them, one copy leaking (found by
/// LeakSanitizer: EveryKernel.EverySimdLevelGivesTheSameBits/lab), a race besides.
std::function<KernelPtr(const Params&)> cvt(std::string name, TypeSet types, int code) {
  auto warmed = std::make_shared<std::once_flag>();
  return [name = std::move(name), types = std::move(types), code, warmed](const Params&) {
    std::call_once(*warmed, [&] {
      for (int depth : types.depths) {
        cv::Mat one(1, 1, CV_MAKETYPE(depth, 3), cv::Scalar::all(0)), out;
        cv::cvtColor(one, out, code);
      }
    });
    return detail::with_row_stages(
        make_pointwise(name, types, [code](const cv::Mat& in, cv::Mat& out) { cv::cvtColor(in, out, code); }),
        detail::pointwise_rows(nullptr, [code](int depth) { return detail::cvt_color_row_stage(code, depth, 3); }));
  };
}

KernelPtr make_hsv(const Params&) {
  return detail::with_row_stages(make_pointwise("hsv", {{CV_8U, CV_32F}, {3}},
                                                [](const cv::Mat& in, cv::Mat& out) {
                                                  if (in.depth() == CV_32F) hsv_f32(in, out);
                                                  else cv::cvtColor(in, out, cv::COLOR_BGR2HSV);
                                                }),
                                 detail::pointwise_rows(nullptr, detail::hsv_row_stage));
}

cv::Mat cvt_hsv_oracle(std::span<const cv::Mat> in, const Params&) {
  cv::Mat out;
  cv::cvtColor(in[0], out, cv::COLOR_BGR2HSV);
  return out;
}

KernelPtr make_bgr2rgb(const Params&) {
  return detail::with_row_stages(
      make_pointwise("bgr2rgb", {{CV_8U, CV_16U, CV_32F}, {3, 4}},
                     [](const cv::Mat& in, cv::Mat& out) {
                       cv::cvtColor(in, out, in.channels() == 4 ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
                     }),
      detail::pointwise_rows(nullptr, detail::swap_rb_row_stage));
}

}  // namespace

void detail::register_color(Registry& r) {
  const TypeSet bgr{{CV_8U, CV_32F}, {3}};
  r.add({.name = "gray",
         .description = "BGR(A) to gray (cv::cvtColor COLOR_BGR2GRAY); f32 computed per pixel with OpenCV's weights, "
                        "within 1e-3 of cvtColor (whose f32 BGRA path depends on the pixel's position in the row)",
         .kernel_class = KernelClass::Pointwise,
         .types = {{CV_8U, CV_16U, CV_32F}, {3, 4}},
         .make = make_gray,
         .oracle = cvt_gray_oracle,
         .oracle_tolerance = 1e-3});  // f32 only: 8/16-bit results are integers, so exact
  r.add({.name = "hsv",
         .description = "BGR to HSV (cv::cvtColor COLOR_BGR2HSV; 8 bits: H in 0..179, exact); f32 (H in degrees) "
                        "computed per pixel with OpenCV's formulas, within 1e-3 of cvtColor (whose f32 path depends "
                        "on position)",
         .kernel_class = KernelClass::Pointwise,
         .types = bgr,
         .make = make_hsv,
         .oracle = cvt_hsv_oracle,
         .oracle_tolerance = 1e-3});
  r.add({.name = "lab",
         .description = "BGR to CIE L*a*b* (cv::cvtColor COLOR_BGR2Lab)",
         .kernel_class = KernelClass::Pointwise,
         .types = bgr,
         .make = cvt("lab", bgr, cv::COLOR_BGR2Lab)});
  r.add({.name = "bgr2rgb",
         .description = "swap the first and third channels (cv::cvtColor COLOR_BGR2RGB / BGRA2RGBA)",
         .kernel_class = KernelClass::Pointwise,
         .types = {{CV_8U, CV_16U, CV_32F}, {3, 4}},
         .make = make_bgr2rgb});
}

}  // namespace tessera
