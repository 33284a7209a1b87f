// Per-pixel operations: threshold, invert, gamma, convert, clamp. Each is the OpenCV call on
// the whole image (pointwise, so every tile is simply the call on that tile).
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/param_helpers.hpp"
#include "common/row_kernels.hpp"
#include "pointwise/lut_rows.hpp"
#include "pointwise/pointwise_rows.hpp"
#include "pointwise/pow_loops.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::choice_param;
using detail::real_param;

const TypeSet kCommon{{CV_8U, CV_16U, CV_32F}, {1, 3, 4}};

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
  return detail::with_row_stages(
      make_pointwise("threshold", kCommon,
                     [t, maxval, type](const cv::Mat& in, cv::Mat& out) { cv::threshold(in, out, t, maxval, type); }),
      detail::pointwise_rows(detail::threshold_u8_row_stage(t, maxval, type), [t, maxval, type](int depth) {
        return detail::threshold_row_stage(depth, t, maxval, type);
      }));
}

KernelPtr make_invert(const Params&) {
  // For unsigned integers, bitwise not is exactly max - x.
  std::array<uchar, 256> table;
  for (int i = 0; i < 256; ++i) table[static_cast<std::size_t>(i)] = static_cast<uchar>(255 - i);
  auto invert_u16 = [](const cv::Mat& in, cv::Mat& out) {  // one row: a loop costs less than a call
    const auto* s = in.ptr<ushort>();
    auto* d = out.ptr<ushort>();
    const int n = in.cols * in.channels();
    for (int i = 0; i < n; ++i) d[i] = static_cast<ushort>(65535 - s[i]);
  };
  return detail::with_row_stages(make_pointwise("invert", {{CV_8U, CV_16U}, {1, 2, 3, 4}},
                                                [](const cv::Mat& in, cv::Mat& out) { cv::bitwise_not(in, out); }),
                                 detail::pointwise_rows(detail::lut_u8_row_stage(table), [invert_u16](int depth) {
                                   return depth == CV_16U ? detail::op_row_stage(invert_u16, CV_16U, CV_16U) : nullptr;
                                 }));
}

/// Gamma table for an unsigned depth: lut[i] = round(max * (i / max)^g), saturated.
template <typename T>
cv::Mat gamma_table(double g) {
  const int n = std::numeric_limits<T>::max() + 1;
  cv::Mat lut(1, n, cv::DataType<T>::type);
  const double top = n - 1;
  for (int i = 0; i < n; ++i) lut.at<T>(0, i) = cv::saturate_cast<T>(std::pow(i / top, g) * top);
  return lut;
}

/// out = |x|^g per pixel (what cv::pow does for a non-integer power), in double then rounded
/// to float (pow_loops.cpp: vector lanes where the CPU has them, std::pow otherwise). cv::pow
/// itself rounds differently in its SIMD body and scalar tail, so its bits depend on where a
/// pixel sits in the row and cannot be tiled.
void pow_f32(const cv::Mat& in, double g, cv::Mat& out) {
  out.create(in.size(), in.type());
  const int n = in.cols * in.channels();
  for (int y = 0; y < in.rows; ++y) {
    const float* src = in.ptr<float>(y);
    float* dst = out.ptr<float>(y);
    for (int x = detail::pow_loops().pow_abs(src, dst, n, g); x < n; ++x)
      dst[x] = static_cast<float>(std::pow(std::fabs(src[x]), g));
  }
}

/// gamma on a whole image or tile; `opencv_pow` uses cv::pow for f32 (the oracle).
void apply_gamma(const cv::Mat& in, cv::Mat& out, double g, const cv::Mat& lut8, const cv::Mat& lut16,
                 bool opencv_pow) {
  switch (in.depth()) {
    case CV_8U: cv::LUT(in, lut8, out); break;
      case CV_16U: {
        out.create(in.size(), in.type());
        const auto* table = lut16.ptr<ushort>();
        for (int y = 0; y < in.rows; ++y) {
          const auto* src = in.ptr<ushort>(y);
          auto* dst = out.ptr<ushort>(y);
          for (int x = 0; x < in.cols * in.channels(); ++x) dst[x] = table[src[x]];
        }
        break;
      }
      default:
        if (opencv_pow) cv::pow(in, g, out);
        else pow_f32(in, g, out);
        break;
  }
}

KernelPtr make_gamma(const Params& p) {
  const double g = p.number("g");
  const cv::Mat lut8 = gamma_table<uchar>(g), lut16 = gamma_table<ushort>(g);
  auto op = [g, lut8, lut16](const cv::Mat& in, cv::Mat& out) { apply_gamma(in, out, g, lut8, lut16, false); };
  return detail::with_row_stages(make_pointwise("gamma", kCommon, op),
                                 detail::pointwise_rows(detail::lut_u8_row_stage(lut8), [op](int depth) {
                                   return detail::op_row_stage(op, depth, depth);  // a table or pow loop
                                 }));
}

cv::Mat gamma_oracle(std::span<const cv::Mat> in, const Params& p) {
  const double g = p.number("g");
  cv::Mat out;
  apply_gamma(in[0], out, g, gamma_table<uchar>(g), gamma_table<ushort>(g), true);
  return out;
}

int depth_named(const std::string& name) {
  if (name == "u8") return CV_8U;
  if (name == "u16") return CV_16U;
  return CV_32F;
}

KernelPtr make_convert(const Params& p) {
  const int depth = depth_named(p.text("to"));
  const double scale = p.number("scale"), offset = p.number("offset");
  auto op = [depth, scale, offset](const cv::Mat& in, cv::Mat& out) { in.convertTo(out, depth, scale, offset); };
  return detail::with_row_stages(make_pointwise("convert", {{CV_8U, CV_16U, CV_16S, CV_32F}, {1, 3, 4}}, op,
                                                [depth](const PixelType& in) { return PixelType{depth, in.channels}; }),
                                 detail::pointwise_rows(detail::table_u8_row_stage(op), [op, depth](int in_depth) {
                                   // convertTo itself: its bits depend on OpenCV's own vector
                                   // level, and a call costs ~60 ns.
                                   return detail::op_row_stage(op, in_depth, depth);
                                 }));
}

KernelPtr make_clamp(const Params& p) {
  const double lo = p.number("min"), hi = p.number("max");
  if (lo > hi) throw UsageError("min=" + cv::format("%g", lo) + " is above max=" + cv::format("%g", hi));
  auto op = [lo, hi](const cv::Mat& in, cv::Mat& out) {
    cv::max(in, cv::Scalar::all(lo), out);
    cv::min(out, cv::Scalar::all(hi), out);
  };
  return detail::with_row_stages(make_pointwise("clamp", kCommon, op),
                                 detail::pointwise_rows(detail::table_u8_row_stage(op), [lo, hi](int depth) {
                                   return detail::clamp_row_stage(depth, lo, hi);
                                 }));
}

}  // namespace

void detail::register_pointwise(Registry& r) {
  r.add({.name = "threshold",
         .description = "fixed-level threshold (cv::threshold)",
         .kernel_class = KernelClass::Pointwise,
         .params = {real_param("t", std::nullopt, -1e9, 1e9, "threshold value"),
                    real_param("max", "255", -1e9, 1e9, "value given to pixels that pass (binary types)"),
                    choice_param("type", "binary", {"binary", "binary_inv", "trunc", "tozero", "tozero_inv"},
                                 "cv::ThresholdTypes")},
         .types = kCommon,
         .make = make_threshold,
         .example = "t=100"});
  r.add({.name = "invert",
         .description = "photographic negative: max - x (255 - x for 8 bits)",
         .kernel_class = KernelClass::Pointwise,
         .types = {{CV_8U, CV_16U}, {1, 2, 3, 4}},
         .make = make_invert});
  r.add({.name = "gamma",
         .description = "power law: max*(x/max)^g rounded (cv::LUT; 16 bits: the same table); f32: |x|^g as cv::pow, "
                        "computed in double per pixel and rounded once, within 1e-4 relative of cv::pow (whose bits depend on position)",
         .kernel_class = KernelClass::Pointwise,
         .params = {real_param("g", std::nullopt, 0, 100, "exponent; < 1 brightens", true)},
         .types = kCommon,
         .make = make_gamma,
         .example = "g=0.8",
         .oracle = gamma_oracle,
         .oracle_tolerance = 1e-3});  // f32 of values up to 1000^g; integer depths are exact
  r.add({.name = "convert",
         .description = "change depth: x*scale + offset, saturated (cv::Mat::convertTo)",
         .kernel_class = KernelClass::Pointwise,
         .params = {choice_param("to", "u8", {"u8", "u16", "f32"}, "output depth"),
                    real_param("scale", "1", -1e9, 1e9, "factor applied first"),
                    real_param("offset", "0", -1e12, 1e12, "added after scaling")},
         .types = {{CV_8U, CV_16U, CV_16S, CV_32F}, {1, 3, 4}},
         .make = make_convert,
         .example = "to=f32 scale=0.5"});
  r.add({.name = "clamp",
         .description = "limit values to [min, max] (cv::max then cv::min with scalars)",
         .kernel_class = KernelClass::Pointwise,
         .params = {real_param("min", "0", -1e12, 1e12, "lower bound"),
                    real_param("max", "255", -1e12, 1e12, "upper bound")},
         .types = kCommon,
         .make = make_clamp,
         .example = "min=20 max=200"});
}

}  // namespace tessera
