// Derivatives and edge detectors: sobel, scharr, laplacian, sobel_mag, abs.
// Each is the OpenCV call(s) on the whole image.
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/op_helpers.hpp"
#include "common/param_helpers.hpp"
#include "common/correlate_f32_rows.hpp"
#include "common/correlate_rows.hpp"
#include "common/row_kernels.hpp"
#include "edges/abs_rows.hpp"
#include "edges/sobel_rows.hpp"
#include "pointwise/lut_rows.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::int_param;
using detail::real_param;
using detail::stencil_kernel;

/// Inputs of the derivative filters: 8- and 16-bit unsigned and float, 1, 3 or 4 channels.
const TypeSet kDerivTypes{{CV_8U, CV_16U, CV_32F}, {1, 3, 4}};
/// Inputs of abs (cv::convertScaleAbs).
const TypeSet kAbsTypes{{CV_8U, CV_16U, CV_16S, CV_32F}, {1, 3, 4}};

/// Largest difference allowed from the OpenCV call: float input with 3- or 5-tap kernels
/// runs as 7 taps (see widen), which rounds differently by a few float ulps (measured on
/// input in [-1000, 1000]: 0.0039 for sobel ksize=5 and scharr dy, 0.0156 for laplacian
/// ksize=5, whose values reach 1.3e5); every other case is bit-exact.
constexpr double kDerivTolerance = 0.05;

/// Derivatives of 8-bit images are 16-bit signed, of anything else float.
int deriv_depth(int in_depth) { return in_depth == CV_8U ? CV_16S : CV_32F; }

PixelType deriv_output(std::span<const PixelType> in) { return detail::with_depth(in[0], deriv_depth(in[0].depth)); }

/// One separable term of a derivative filter: rows filtered with kx, columns with ky.
struct SepTerm {
  cv::Mat kx, ky;
};

/// A derivative filter: the OpenCV call that defines it, and for float input the same filter
/// as a sum of separable terms (empty when the OpenCV call is tile-invariant on float too).
struct Deriv {
  std::function<void(const cv::Mat& src, cv::Mat& dst, int ddepth, int border)> opencv;
  std::vector<SepTerm> terms;
  int radius = 1;
  cv::Mat kernel;  ///< the whole filter as one 2D kernel (CV_64F, integers): the row stages
};

/// The 2D kernel of a sum of separable terms: sum of ky (column) times kx (row).
cv::Mat kernel_of(const std::vector<SepTerm>& terms) {
  cv::Mat k;
  for (const SepTerm& t : terms) {
    cv::Mat kx, ky;
    t.kx.convertTo(kx, CV_64F);
    t.ky.convertTo(ky, CV_64F);
    const cv::Mat outer = ky.reshape(1, static_cast<int>(ky.total())) * kx.reshape(1, 1);
    if (k.empty()) k = outer;
    else k += outer;
  }
  return k;
}

/// OpenCV's 3- and 5-tap float row and column filters round differently in their SIMD body
/// and scalar tail; the same coefficients zero-padded to 7 taps take its generic path.
constexpr int kWideTaps = 7;
cv::Mat widen(const cv::Mat& k) {
  if (k.rows != 3 && k.rows != 5) return k;
  cv::Mat wide;
  cv::copyMakeBorder(k, wide, (kWideTaps - k.rows) / 2, (kWideTaps - k.rows) / 2, 0, 0, cv::BORDER_CONSTANT, 0);
  return wide;
}

/// The first term straight into dst (a tile's output keeps its buffer), the others through
/// scratch memory.
void separable_f32(const cv::Mat& src, cv::Mat& dst, const std::vector<SepTerm>& terms, int border) {
  for (std::size_t i = 0; i < terms.size(); ++i) {
    cv::Mat t = i == 0 ? dst : tile_scratch(src.rows, src.cols, CV_MAKETYPE(CV_32F, src.channels()));
    cv::sepFilter2D(src, t, CV_32F, widen(terms[i].kx), widen(terms[i].ky), cv::Point(-1, -1), 0, border);
    if (i == 0) dst = t;
    else dst += t;
  }
}

/// Row stages by input depth. u8 to s16 and u16 to f32: integer sums, exact in any order
/// (correlate_rows.cpp) where OpenCV's float sums stay exact too (u16: every sobel and scharr
/// up to ksize 5, laplacian up to 5). f32: the tile path's float filters with OpenCV's
/// arithmetic (correlate_f32_rows.cpp): its separable terms, or laplacian's 3x3 filter2D.
detail::RowFactory deriv_rows(const Deriv& d) {
  double pass_abs_sum = 0;  // OpenCV's separable passes bound its float sums by this
  for (const SepTerm& t : d.terms) pass_abs_sum += cv::norm(t.kx, cv::NORM_L1) * cv::norm(t.ky, cv::NORM_L1);
  std::map<int, std::vector<RowStagePtr>> rows = {
      {CV_8U, {detail::correlate_exact_row_stage(d.kernel, 0, CV_8U, CV_16S)}},
      {CV_16U, {detail::correlate_exact_row_stage(d.kernel, 0, CV_16U, CV_32F, pass_abs_sum)}}};
  // Float arithmetic: the f32 tile path's widened terms, or OpenCV's own kernels for u16 where
  // its sums round (ksize 7; its 3-tap special cases only ever meet exact sums there).
  const auto float_rows = [&](int depth, bool widened, int out_depth) -> std::vector<RowStagePtr> {
    if (d.terms.empty()) return {detail::correlate_f32_row_stage(d.kernel, 0, depth, CV_32F)};
    std::vector<std::pair<cv::Mat, cv::Mat>> terms;
    for (const SepTerm& t : d.terms) terms.emplace_back(widened ? widen(t.kx) : t.kx, widened ? widen(t.ky) : t.ky);
    return detail::separable_f32_row_stages(terms, depth, out_depth);
  };
  rows[CV_32F] = float_rows(CV_32F, true, CV_32F);
  if (!rows[CV_16U][0]) rows[CV_16U] = float_rows(CV_16U, false, CV_32F);
  // u8 kernels whose sums pass 16 bits (ksize 7): the 2D integer stage would run in scalar code
  // (9x slower than tile at a time). Their sums are below 2^24, so the separable passes in
  // float are exact integers too, cast to s16 as OpenCV saturates its integer sums.
  if (!d.terms.empty() && !detail::correlate_fits_16_bits(d.kernel))
    rows[CV_8U] = float_rows(CV_8U, false, CV_16S);
  return detail::depth_rows(std::move(rows));
}

KernelPtr deriv_kernel(std::string name, Deriv d) {
  const int r = d.terms.empty() ? d.radius : std::max(d.radius, kWideTaps / 2);
  detail::RowFactory rows = deriv_rows(d);
  return detail::with_row_stages(
      stencil_kernel(
          std::move(name), {r, r}, kDerivTypes,
          [d](std::span<const cv::Mat> in, cv::Mat& out, int border) {
            if (in[0].depth() == CV_32F && !d.terms.empty()) separable_f32(in[0], out, d.terms, border);
            else d.opencv(in[0], out, deriv_depth(in[0].depth()), border);
          },
          deriv_output, {}, detail::Surroundings::Read),
      std::move(rows));
}

/// The entry's OpenCV call on the whole image, for entries built by `F`.
template <Deriv (*F)(const Params&)>
cv::Mat deriv_oracle(std::span<const cv::Mat> in, const Params& p) {
  cv::Mat out;
  F(p).opencv(in[0], out, deriv_depth(in[0].depth()), cv::BORDER_REFLECT_101);
  return out;
}

/// Sobel or Scharr (ksize = cv::FILTER_SCHARR) of orders dx, dy.
Deriv sobel_like(int dx, int dy, int ksize) {
  Deriv d;
  d.opencv = [dx, dy, ksize](const cv::Mat& src, cv::Mat& dst, int ddepth, int border) {
    if (ksize == cv::FILTER_SCHARR) cv::Scharr(src, dst, ddepth, dx, dy, 1, 0, border);
    else cv::Sobel(src, dst, ddepth, dx, dy, ksize, 1, 0, border);
  };
  SepTerm t;
  cv::getDerivKernels(t.kx, t.ky, dx, dy, ksize, false, CV_32F);
  d.terms = {t};
  d.radius = std::max(t.kx.rows, t.ky.rows) / 2;
  d.kernel = kernel_of(d.terms);
  return d;
}

Deriv sobel_deriv(const Params& p) {
  const int dx = static_cast<int>(p.integer("dx")), dy = static_cast<int>(p.integer("dy"));
  const int ksize = static_cast<int>(p.integer("ksize"));
  if (ksize % 2 == 0) throw UsageError("ksize=" + std::to_string(ksize) + " must be 1, 3, 5 or 7");
  if (dx + dy < 1) throw UsageError("dx=0 dy=0: at least one derivative order must be >= 1");
  // ksize=1 means a 3-tap derivative (and no smoothing) in the differentiated direction.
  const int taps = std::max(ksize, 3);
  if (dx >= taps || dy >= taps)
    throw UsageError("dx=" + std::to_string(dx) + " dy=" + std::to_string(dy) + ": with ksize=" + std::to_string(ksize) +
                     " each order must be < " + std::to_string(taps));
  return sobel_like(dx, dy, ksize);
}

Deriv scharr_deriv(const Params& p) {
  const int dx = static_cast<int>(p.integer("dx")), dy = static_cast<int>(p.integer("dy"));
  if (dx + dy != 1)
    throw UsageError("dx=" + std::to_string(dx) + " dy=" + std::to_string(dy) + ": exactly one of them must be 1");
  return sobel_like(dx, dy, cv::FILTER_SCHARR);
}

Deriv laplacian_deriv(const Params& p) {
  const int ksize = static_cast<int>(p.integer("ksize"));
  if (ksize % 2 == 0) throw UsageError("ksize=" + std::to_string(ksize) + " must be 1, 3, 5 or 7");
  Deriv d;
  d.opencv = [ksize](const cv::Mat& src, cv::Mat& dst, int ddepth, int border) {
    cv::Laplacian(src, dst, ddepth, ksize, 1, 0, border);
  };
  d.radius = std::max(ksize, 3) / 2;
  if (ksize > 3) {  // d2/dx2 + d2/dy2 from Sobel kernels (ksize 1 and 3 are one 3x3 filter2D)
    cv::Mat d2, smooth;
    cv::getDerivKernels(d2, smooth, 2, 0, ksize, false, CV_32F);
    d.terms = {{d2, smooth}, {smooth, d2}};
    d.kernel = kernel_of(d.terms);
  } else {
    // cv::Laplacian's own 3x3 kernels.
    d.kernel = ksize == 1 ? (cv::Mat_<double>(3, 3) << 0, 1, 0, 1, -4, 1, 0, 1, 0)
                          : (cv::Mat_<double>(3, 3) << 2, 0, 2, 0, -8, 0, 2, 0, 2);
  }
  return d;
}

KernelPtr make_sobel(const Params& p) { return deriv_kernel("sobel", sobel_deriv(p)); }
KernelPtr make_scharr(const Params& p) { return deriv_kernel("scharr", scharr_deriv(p)); }
KernelPtr make_laplacian(const Params& p) { return deriv_kernel("laplacian", laplacian_deriv(p)); }

KernelPtr make_sobel_mag(const Params&) {
  auto rows = [](const PixelType&, Size) { return std::vector<RowStagePtr>{detail::sobel_mag_u8_row_stage()}; };
  return detail::with_row_stages(stencil_kernel("sobel_mag", {1, 1}, TypeSet{{CV_8U}, {1, 3, 4}},
                        [](std::span<const cv::Mat> in, cv::Mat& out, int border) {
                          cv::Mat gx, gy, ax, ay;
                          cv::Sobel(in[0], gx, CV_16S, 1, 0, 3, 1, 0, border);
                          cv::Sobel(in[0], gy, CV_16S, 0, 1, 3, 1, 0, border);
                          cv::convertScaleAbs(gx, ax);
                          cv::convertScaleAbs(gy, ay);
                          cv::addWeighted(ax, 0.5, ay, 0.5, 0, out);
                        }, {}, {}, detail::Surroundings::Read), rows);
}

KernelPtr make_abs(const Params& p) {
  const double alpha = p.number("scale"), beta = p.number("offset");
  auto op = [alpha, beta](const cv::Mat& in, cv::Mat& out) { cv::convertScaleAbs(in, out, alpha, beta); };
  return detail::with_row_stages(
      detail::pointwise_kernel(
          "abs", kAbsTypes, [op](std::span<const cv::Mat> in, cv::Mat& out, int) { op(in[0], out); },
          [](std::span<const PixelType> in) { return detail::with_depth(in[0], CV_8U); }),
      [u8 = detail::table_u8_row_stage(op), s16 = detail::abs_s16_row_stage(alpha, beta)](const PixelType& in, Size) {
        const RowStagePtr& stage = in.depth == CV_8U ? u8 : in.depth == CV_16S ? s16 : nullptr;
        return stage ? std::vector<RowStagePtr>{stage} : std::vector<RowStagePtr>{};
      });
}

}  // namespace

void detail::register_edges(Registry& r) {
  const std::string out_rule =
      "; u8 input gives s16, other inputs f32 (f32 input with 3/5-tap kernels: within 0.05 of OpenCV, which is "
      "not tile-invariant there)";
  r.add({.name = "sobel",
         .description = "Sobel derivative (cv::Sobel)" + out_rule,
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("dx", std::nullopt, 0, 6, "order of the x derivative (< max(ksize, 3))"),
                    int_param("dy", std::nullopt, 0, 6, "order of the y derivative (< max(ksize, 3)); dx+dy >= 1"),
                    int_param("ksize", "3", 1, 7, "aperture 1, 3, 5 or 7 (1: 3-tap derivative without smoothing)")},
         .types = kDerivTypes,
         .make = make_sobel,
         .example = "dx=1 dy=0",
         .oracle = deriv_oracle<sobel_deriv>,
         .oracle_tolerance = kDerivTolerance});
  r.add({.name = "scharr",
         .description = "3x3 Scharr derivative (cv::Scharr)" + out_rule,
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("dx", std::nullopt, 0, 1, "x derivative (0 or 1)"),
                    int_param("dy", std::nullopt, 0, 1, "y derivative (0 or 1); exactly one of dx, dy is 1")},
         .types = kDerivTypes,
         .make = make_scharr,
         .example = "dx=0 dy=1",
         .oracle = deriv_oracle<scharr_deriv>,
         .oracle_tolerance = kDerivTolerance});
  r.add({.name = "laplacian",
         .description = "Laplacian, sum of second derivatives (cv::Laplacian)" + out_rule,
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("ksize", "1", 1, 7, "aperture 1, 3, 5 or 7 (1: the 3x3 cross [0 1 0; 1 -4 1; 0 1 0])")},
         .types = kDerivTypes,
         .make = make_laplacian,
         .example = "ksize=5",
         .oracle = deriv_oracle<laplacian_deriv>,
         .oracle_tolerance = kDerivTolerance});
  r.add({.name = "sobel_mag",
         .description = "gradient magnitude (|Sobel dx| + |Sobel dy|) / 2, 3x3, saturated to 8 bits (cv::Sobel to s16, "
                        "cv::convertScaleAbs, cv::addWeighted 0.5/0.5)",
         .kernel_class = KernelClass::Stencil,
         .types = {{CV_8U}, {1, 3, 4}},
         .make = make_sobel_mag});
  r.add({.name = "abs",
         .description = "saturate_u8(|scale * x + offset|) (cv::convertScaleAbs); output u8",
         .kernel_class = KernelClass::Pointwise,
         .params = {real_param("scale", "1", -1e6, 1e6, "multiplies every value (alpha)"),
                    real_param("offset", "0", -1e6, 1e6, "added after scaling, before the absolute value (beta)")},
         .types = kAbsTypes,
         .make = make_abs});
}

}  // namespace tessera
