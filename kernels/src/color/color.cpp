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

/// HSV from f32 BGR, pixel by pixel with OpenCV's documented formulas (H in degrees,
/// S and V as in cvtColor), as color_loops.hpp spells them out; the vector loop does most of
/// each row, this the rest. cvtColor's f32 path, like gray's, depends on position.
void hsv_f32(const cv::Mat& in, cv::Mat& out) {
  out.create(in.size(), CV_32FC3);
  const float eps = FLT_EPSILON;
  const auto mx = [](float a, float b) { return a > b ? a : b; };
  const auto mn = [](float a, float b) { return a < b ? a : b; };
  for (int y = 0; y < in.rows; ++y) {
    const float* s = in.ptr<float>(y);
    float* d = out.ptr<float>(y);
    const int done = detail::color_loops().hsv_f32(s, d, in.cols);
    s += 3 * done;
    d += 3 * done;
    for (int x = done; x < in.cols; ++x, s += 3, d += 3) {
      const float b = s[0], g = s[1], r = s[2];
      const float v = mx(mx(r, g), b), lo = mn(mn(r, g), b);
      const float range = v - lo;
      const float sat = range / (std::fabs(v) + eps);
      const float k = static_cast<float>(60. / (range + eps));
      float h = v == r ? (g - b) * k : v == g ? (b - r) * k + 120.f : (r - g) * k + 240.f;
      if (h < 0) h += 360.f;
      d[0] = h;
      d[1] = sat;
      d[2] = v;
    }
  }
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
    return make_pointwise(name, types, [code](const cv::Mat& in, cv::Mat& out) { cv::cvtColor(in, out, code); });
  };
}

KernelPtr make_hsv(const Params&) {
  return make_pointwise("hsv", {{CV_8U, CV_32F}, {3}}, [](const cv::Mat& in, cv::Mat& out) {
    if (in.depth() == CV_32F) hsv_f32(in, out);
    else cv::cvtColor(in, out, cv::COLOR_BGR2HSV);
  });
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
