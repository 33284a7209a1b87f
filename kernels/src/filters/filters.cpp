// Smoothing and convolution filters: gaussian, box, median, bilateral, filter, sharpen, unsharp.
// Each is the OpenCV call on the whole image (the description says where it deviates).
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/op_helpers.hpp"
#include "common/param_helpers.hpp"
#include "common/correlate_f32_rows.hpp"
#include "common/correlate_rows.hpp"
#include "common/row_kernels.hpp"
#include "arith/add_weighted_rows.hpp"
#include "filters/bilateral.hpp"
#include "filters/box_rows.hpp"
#include "filters/gaussian_rows.hpp"
#include "filters/median_rows.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::int_param;
using detail::real_param;
using detail::stencil_kernel;

/// The types most filters accept: 8- and 16-bit unsigned and float, 1, 3 or 4 channels.
const TypeSet kFilterTypes{{CV_8U, CV_16U, CV_32F}, {1, 3, 4}};
/// Largest difference allowed between our f32 Gaussian with 3 or 5 taps and cv::GaussianBlur.
constexpr double kGaussianTolerance = 1e-3;
/// Largest difference allowed between our box filter and cv::blur (see box_mean).
constexpr double kBoxTolerance = 1;
/// cv::bilateralFilter: 8-bit and float, 1 or 3 channels.
const TypeSet kBilateralTypes{{CV_8U, CV_32F}, {1, 3}};
/// Largest difference allowed between our bilateral filter and cv::bilateralFilter (see Bilateral).
constexpr double kBilateralTolerance = 1;

void require_odd(const char* what, long long v, const std::string& extra = "") {
  if (v % 2 == 0) throw UsageError(std::string(what) + "=" + std::to_string(v) + " must be odd" + extra);
}

// ---- gaussian, box -------------------------------------------------------------------------

/// cv::GaussianBlur. Not an OpSpec kernel: OpenCV blurs an image one pixel high (wide) only
/// along its length, so a tile must know the image size to do the same.
class GaussianKernel final : public Kernel {
 public:
  GaussianKernel(double sigma, int ksize) : sigma_(sigma), ksize_(ksize) {
    if (ksize != 0) require_odd("ksize", ksize, " (or 0 to derive it from sigma)");
    // With ksize=0 OpenCV derives the size from sigma and the depth (3 sigma for 8-bit,
    // 4 sigma otherwise); the halo covers the larger of the two.
    const int r = ksize > 0 ? ksize / 2 : (static_cast<int>(std::lround(sigma * 4 * 2 + 1)) | 1) / 2;
    // Small float kernels run as 7 taps (see blur).
    halo_ = {r == 1 || r == 2 ? 3 : r, r == 1 || r == 2 ? 3 : r};
    if (sigma > 0) {
      rows_u8_.emplace(CV_8U, sigma, taps_of(ksize, CV_8U));
      rows_u16_.emplace(CV_16U, sigma, taps_of(ksize, CV_16U));
    }
  }
  std::string name() const override { return "gaussian"; }
  KernelClass kernel_class() const override { return KernelClass::Stencil; }
  PixelType output_type(std::span<const PixelType> in) const override {
    require_type(in[0], kFilterTypes);
    return in[0];
  }
  Halo halo() const override { return halo_; }

  void process(const TileIO& io) const override {
    const cv::Rect own(halo_.rx, halo_.ry, static_cast<int>(io.out_rect.w), static_cast<int>(io.out_rect.h));
    if (io.in[0].depth() == CV_32F) {
      // Only the tile's own pixels, straight into io.out: the float filters read the halo
      // from around the view (OpSpec::reads_around_view).
      blur(io.in[0](own), io.out, io.in_size[0], cv::BORDER_REFLECT_101);
      return;
    }
    // On a view (without BORDER_ISOLATED) OpenCV's 8- and 16-bit blur leaves its bit-exact
    // fixed-point code for a float one with other bits: blur the grown region as an image of
    // its own (in scratch memory) and keep the interior.
    cv::Mat result = tile_scratch(io.in[0].rows, io.in[0].cols, io.in[0].type());
    blur(io.in[0], result, io.in_size[0], cv::BORDER_REFLECT_101 | cv::BORDER_ISOLATED);
    result(own).copyTo(io.out);
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    blur(in[0], out, Size{in[0].cols, in[0].rows}, cv::BORDER_REFLECT_101);
    return out;
  }
  /// u8 and u16: OpenCV's fixed-point blur, row by row (gaussian_rows.cpp). f32: the float filters
  /// blur() runs, with OpenCV's arithmetic (correlate_f32_rows.cpp).
  std::vector<RowStagePtr> row_stages(const PixelType& in, Size in_size) const override {
    if (in.depth == CV_32F) {
      const cv::Size k = taps_for(in_size);
      const int kw = taps_of(k.width, CV_32F), kh = taps_of(k.height, CV_32F);
      // A 1x1 kernel is a copy in cv::GaussianBlur (it keeps -0 and NaN payloads): tile at a time.
      if (kw == 1 && kh == 1) return {};
      return detail::separable_f32_row_stages(padded_kernel(kw), padded_kernel(kh));
    }
    if (in.depth == CV_16U && rows_u16_) return rows_u16_->stages(in_size);
    if (in.depth != CV_8U || !rows_u8_) return {};
    return rows_u8_->stages(in_size);
  }

 private:
  /// The kernel size blur() uses on an image of `image` (0: from sigma): OpenCV blurs an image
  /// one pixel wide (high) only along its length.
  cv::Size taps_for(Size image) const { return {image.w == 1 ? 1 : ksize_, image.h == 1 ? 1 : ksize_}; }

  void blur(const cv::Mat& src, cv::Mat& dst, Size image, int border) const {
    const cv::Size k = taps_for(image);
    const int kw = taps_of(k.width, CV_32F), kh = taps_of(k.height, CV_32F);
    if (src.depth() == CV_32F && (is_small(kw) || is_small(kh))) {
      // OpenCV's 3- and 5-tap float filters round differently in their SIMD body and scalar
      // tail: the same coefficients padded with zeros to 7 taps take its generic path.
      cv::sepFilter2D(src, dst, -1, padded_kernel(kw), padded_kernel(kh), cv::Point(-1, -1), 0, border);
      return;
    }
    cv::GaussianBlur(src, dst, k, sigma_, sigma_, border);
  }

  /// Taps of cv::GaussianBlur's kernel of size `ksize` on `depth` (0: derived from sigma as
  /// OpenCV does: 3 sigma for 8-bit, 4 sigma otherwise).
  int taps_of(int ksize, int depth) const {
    return ksize > 0 ? ksize : (cvRound(sigma_ * (depth == CV_8U ? 3 : 4) * 2 + 1) | 1);
  }
  static bool is_small(int taps) { return taps == 3 || taps == 5; }
  /// cv::GaussianBlur's float coefficients, zero-padded to 7 taps when there are 3 or 5.
  cv::Mat padded_kernel(int taps) const {
    cv::Mat k = cv::getGaussianKernel(taps, sigma_, CV_32F);
    if (is_small(taps)) cv::copyMakeBorder(k, k, (7 - taps) / 2, (7 - taps) / 2, 0, 0, cv::BORDER_CONSTANT, 0);
    return k;
  }

  double sigma_;
  int ksize_;
  Halo halo_;
  std::optional<detail::GaussianRowsFixed> rows_u8_, rows_u16_;
};

KernelPtr gaussian_kernel(double sigma, int ksize) { return std::make_shared<GaussianKernel>(sigma, ksize); }

cv::Mat gaussian_oracle(std::span<const cv::Mat> in, const Params& p) {
  const int k = static_cast<int>(p.integer("ksize"));
  cv::Mat out;
  cv::GaussianBlur(in[0], out, cv::Size(k, k), p.number("sigma"), p.number("sigma"), cv::BORDER_REFLECT_101);
  return out;
}

KernelPtr make_gaussian(const Params& p) {
  return gaussian_kernel(p.number("sigma"), static_cast<int>(p.integer("ksize")));
}

/// The mean over a k x k window anchored at (k/2, k/2), as cv::blur defines it. For u8 with
/// k*k <= 256 cv::blur sums in 16 bits and scales in fixed point, the same in its SIMD body
/// and scalar tail, so it is used as is. Otherwise it is not tile-invariant (integer sums are
/// scaled in float in the SIMD body but in double in the scalar tail; f32 keeps running sums
/// in double whose rounding depends on where a tile starts), so the mean is computed per pixel:
/// window sums in double in a fixed order (exact for integer input), times 1/k^2 in double,
/// rounded as OpenCV's scalar code does. Integer input takes box_mean_integer (same sums).
constexpr int kBoxFixedPointArea = 256;

template <class T>
void box_mean(const cv::Mat& padded, cv::Mat& dst, int k) {
  const int cn = dst.channels(), row_len = dst.cols * cn;
  const double scale = 1.0 / (double(k) * k);
  cv::Mat rows(padded.rows, row_len, CV_64F);  // horizontal window sums
  for (int y = 0; y < padded.rows; ++y) {
    const T* in = padded.ptr<T>(y);
    double* out = rows.ptr<double>(y);
    for (int i = 0; i < row_len; ++i) {
      double sum = 0;
      for (int t = 0; t < k; ++t) sum += in[i + t * cn];
      out[i] = sum;
    }
  }
  for (int y = 0; y < dst.rows; ++y) {
    T* out = dst.ptr<T>(y);
    for (int i = 0; i < row_len; ++i) {
      double sum = 0;
      for (int t = 0; t < k; ++t) sum += rows.at<double>(y + t, i);
      out[i] = cv::saturate_cast<T>(sum * scale);
    }
  }
}

/// box_mean for integer pixels with running window sums: integer sums are exact whatever
/// their order, so sliding the window (add the entering value, subtract the leaving one) gives
/// the same sums as summing each window, at a constant cost per pixel; each is scaled in
/// double (exact: below 2^53) as box_mean does.
template <class T>
void box_mean_integer(const cv::Mat& padded, cv::Mat& dst, int k) {
  const int cn = dst.channels(), row_len = dst.cols * cn;
  const double scale = 1.0 / (double(k) * k);
  // Horizontal sums of the last k rows, as int64 (OpenCV 4.6 has no 64-bit integer Mat type:
  // the buffer is typed by its size only).
  cv::Mat ring = tile_scratch(k, row_len, CV_64FC1);
  std::vector<std::int64_t> column(static_cast<std::size_t>(row_len), 0);
  auto horizontal = [&](int y) {  // row y's window sums, into its ring slot, added to `column`
    const T* in = padded.ptr<T>(y);
    auto* out = reinterpret_cast<std::int64_t*>(ring.ptr(y % k));
    for (int c = 0; c < cn && c < row_len; ++c) {
      std::int64_t sum = 0;
      for (int t = 0; t < k; ++t) sum += in[c + t * cn];
      out[c] = sum;
    }
    for (int i = cn; i < row_len; ++i) out[i] = out[i - cn] + in[i + (k - 1) * cn] - in[i - cn];
    for (int i = 0; i < row_len; ++i) column[static_cast<std::size_t>(i)] += out[i];
  };
  for (int y = 0; y < k - 1; ++y) horizontal(y);
  for (int y = 0; y < dst.rows; ++y) {
    horizontal(y + k - 1);
    T* out = dst.ptr<T>(y);
    for (int i = 0; i < row_len; ++i) out[i] = cv::saturate_cast<T>(double(column[static_cast<std::size_t>(i)]) * scale);
    const auto* leaving = reinterpret_cast<const std::int64_t*>(ring.ptr(y % k));
    for (int i = 0; i < row_len; ++i) column[static_cast<std::size_t>(i)] -= leaving[i];
  }
}

void box_filter(const cv::Mat& src, cv::Mat& dst, int k, int border) {
  if (src.depth() == CV_8U && k * k <= kBoxFixedPointArea) {
    cv::blur(src, dst, cv::Size(k, k), cv::Point(-1, -1), border);
    return;
  }
  cv::Mat padded;
  const int before = k / 2, after = k - 1 - k / 2;
  cv::copyMakeBorder(src, padded, before, after, before, after, border);
  dst.create(src.size(), src.type());
  switch (src.depth()) {
    case CV_8U: box_mean_integer<uchar>(padded, dst, k); break;
    case CV_16U: box_mean_integer<ushort>(padded, dst, k); break;
    default: box_mean<float>(padded, dst, k); break;
  }
}

KernelPtr make_box(const Params& p) {
  const int k = static_cast<int>(p.integer("ksize"));
  auto rows = [k](const PixelType& in, Size) {
    return in.depth == CV_8U ? detail::box_u8_row_stages(k) : detail::box_mean_row_stages(in.depth, k);
  };
  return detail::with_row_stages(
      stencil_kernel("box", {k / 2, k / 2}, kFilterTypes,
                     [k](std::span<const cv::Mat> in, cv::Mat& out, int border) { box_filter(in[0], out, k, border); },
                     {}, {}, detail::Surroundings::Read),
      rows);
}

cv::Mat box_oracle(std::span<const cv::Mat> in, const Params& p) {
  const int k = static_cast<int>(p.integer("ksize"));
  cv::Mat out;
  cv::blur(in[0], out, cv::Size(k, k), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
  return out;
}

// ---- median --------------------------------------------------------------------------------

KernelPtr make_median(const Params& p) {
  const int k = static_cast<int>(p.integer("ksize"));
  require_odd("ksize", k);
  auto output_type = [k](std::span<const PixelType> in) {
    if (k > 5 && in[0].depth != CV_8U)
      throw UsageError("ksize=" + std::to_string(k) + " needs u8 input (cv::medianBlur supports u16 and f32 only " +
                       "for ksize 3 and 5), got " + in[0].str());
    return in[0];
  };
  // cv::medianBlur always extends the image by replication.
  return detail::with_row_stages(
      stencil_kernel(
          "median", {k / 2, k / 2}, kFilterTypes,
          [k](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::medianBlur(in[0], out, k); }, output_type,
          Border{BorderMode::Replicate}),
      detail::u8_rows(detail::median_u8_row_stage(k)));
}

// ---- bilateral -----------------------------------------------------------------------------

/// cv::bilateralFilter's window radius: d/2, or round(1.5 * sigma_space) when d <= 0; at least 1.
int bilateral_radius(int d, double sigma_space) {
  return std::max(d <= 0 ? cvRound(sigma_space * 1.5) : d / 2, 1);
}

KernelPtr make_bilateral(const Params& p) {
  const int r = bilateral_radius(static_cast<int>(p.integer("d")), p.number("sigma_space"));
  const auto filter = std::make_shared<const detail::Bilateral>(r, p.number("sigma_color"), p.number("sigma_space"));
  return detail::with_row_stages(
      stencil_kernel(
          "bilateral", {r, r}, kBilateralTypes,
          [filter](std::span<const cv::Mat> in, cv::Mat& out, int border) { (*filter)(in[0], out, border); }, {}, {},
          detail::Surroundings::Read),
      detail::depth_rows({{CV_8U, {detail::bilateral_row_stage(filter, CV_8U)}},
                          {CV_32F, {detail::bilateral_row_stage(filter, CV_32F)}}}));
}

cv::Mat bilateral_oracle(std::span<const cv::Mat> in, const Params& p) {
  cv::Mat out;
  cv::bilateralFilter(in[0], out, static_cast<int>(p.integer("d")), p.number("sigma_color"), p.number("sigma_space"),
                      cv::BORDER_REFLECT_101);
  return out;
}

// ---- filter, sharpen -----------------------------------------------------------------------

/// Kernels with this many coefficients or more make cv::filter2D switch to a DFT whose
/// rounding depends on the image size (so tiles would differ): 50 for u16, 130 for u8/f32.
int dft_threshold(int depth) { return depth == CV_16U ? 50 : 130; }

/// cv::filter2D(src, dst, -1, kernel, centre anchor, delta, border).
KernelPtr filter2d_kernel(std::string name, cv::Mat kernel, double delta) {
  const int taps = kernel.rows * kernel.cols;
  // u8 and u16: exact integer sums where OpenCV's float sums are exact (correlate_rows.cpp).
  // Other kernels: u16 in its float arithmetic (correlate_f32_rows.cpp; OpenCV's u16 filter2D
  // is scalar: 24.8 -> 7.2 ms fused at 4096²); u8 stays tile at a time, where OpenCV's vector
  // filter2D beats the float stage's per-row conversions (4.7 against 7.1 ms).
  auto integer_rows = [&](int depth) {
    RowStagePtr exact = detail::correlate_exact_row_stage(kernel, delta, depth, depth);
    return exact || depth == CV_8U ? exact : detail::correlate_f32_row_stage(kernel, delta, depth, depth);
  };
  auto output_type = [taps](std::span<const PixelType> in) {
    if (taps >= dft_threshold(in[0].depth))
      throw UsageError("a kernel of " + std::to_string(taps) + " coefficients on " + in[0].str() +
                       " input is too large: at most " + std::to_string(dft_threshold(in[0].depth) - 1) +
                       " (beyond that cv::filter2D uses a DFT whose rounding depends on the image size)");
    return in[0];
  };
  return detail::with_row_stages(
      stencil_kernel(
          std::move(name), {kernel.cols / 2, kernel.rows / 2}, kFilterTypes,
          [kernel, delta](std::span<const cv::Mat> in, cv::Mat& out, int border) {
            cv::filter2D(in[0], out, -1, kernel, cv::Point(-1, -1), delta, border);
          },
          output_type, {}, detail::Surroundings::Read),
      detail::depth_rows({{CV_8U, {integer_rows(CV_8U)}}, {CV_16U, {integer_rows(CV_16U)}},
                          {CV_32F, {detail::correlate_f32_row_stage(kernel, delta)}}}));
}

/// Parses "a b c; d e f; g h i": rows separated by ';', values by spaces or commas.
cv::Mat parse_kernel_text(const std::string& text) {
  const std::string shown = "kernel=\"" + text + "\"";
  std::vector<std::vector<double>> rows;
  std::stringstream rows_in(text);
  for (std::string row; std::getline(rows_in, row, ';');) {
    for (char& c : row)
      if (c == ',') c = ' ';
    std::istringstream values(row);
    std::vector<double>& r = rows.emplace_back();
    for (std::string tok; values >> tok;) {
      char* end = nullptr;
      const double v = std::strtod(tok.c_str(), &end);
      if (end != tok.c_str() + tok.size() || !std::isfinite(v))
        throw UsageError(shown + ": '" + tok + "' in row " + std::to_string(rows.size()) + " is not a number");
      r.push_back(v);
    }
    if (r.empty()) throw UsageError(shown + ": row " + std::to_string(rows.size()) + " is empty");
  }
  if (rows.empty()) throw UsageError(shown + ": no coefficients (write rows as \"a b c; d e f; g h i\")");
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].size() != rows[0].size())
      throw UsageError(shown + ": row " + std::to_string(i + 1) + " has " + std::to_string(rows[i].size()) +
                       " values but row 1 has " + std::to_string(rows[0].size()));
  const int w = static_cast<int>(rows[0].size()), h = static_cast<int>(rows.size());
  if (w % 2 == 0 || h % 2 == 0)
    throw UsageError(shown + " is " + std::to_string(w) + " wide and " + std::to_string(h) +
                     " high: both must be odd, so that the kernel has a centre");
  cv::Mat k(h, w, CV_64F);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) k.at<double>(y, x) = rows[y][x];
  return k;
}

KernelPtr make_filter(const Params& p) {
  return filter2d_kernel("filter", parse_kernel_text(p.text("kernel")) * p.number("scale"), p.number("delta"));
}

KernelPtr make_sharpen(const Params&) {
  return filter2d_kernel("sharpen", (cv::Mat_<double>(3, 3) << 0, -1, 0, -1, 5, -1, 0, -1, 0), 0);
}

// ---- unsharp (composite) -------------------------------------------------------------------

/// dst = (1 + amount) * src - amount * blurred, as cv::addWeighted (inputs: src, blurred).
KernelPtr unsharp_combine_kernel(double amount) {
  return detail::with_row_stages(detail::pointwise_kernel(
                                     "unsharp", kFilterTypes,
                                     [amount](std::span<const cv::Mat> in, cv::Mat& out, int) {
                                       if (in[0].depth() == CV_8U)  // tileable (row_kernels.hpp)
                                         detail::add_weighted_u8(in[0], 1 + amount, in[1], -amount, 0, out);
                                       else
                                         cv::addWeighted(in[0], 1 + amount, in[1], -amount, 0, out);
                                     },
                                     {}, 2),
                                 detail::u8_rows(detail::add_weighted_u8_row_stage(1 + amount, -amount, 0)));
}

std::vector<Step> expand_unsharp(const Params& p) {
  return {{gaussian_kernel(p.number("sigma"), 0), {-1}}, {unsharp_combine_kernel(p.number("amount")), {-1, 0}}};
}

cv::Mat unsharp_oracle(std::span<const cv::Mat> in, const Params& p) {
  const double sigma = p.number("sigma"), amount = p.number("amount");
  cv::Mat blurred, out;
  cv::GaussianBlur(in[0], blurred, cv::Size(), sigma, sigma, cv::BORDER_REFLECT_101);
  cv::addWeighted(in[0], 1 + amount, blurred, -amount, 0, out);
  return out;
}

ParamSpec text_param(std::string name, std::optional<std::string> def, std::string help) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::Text;
  s.default_value = std::move(def);
  s.help = std::move(help);
  return s;
}

}  // namespace

void detail::register_filters(Registry& r) {
  r.add({.name = "gaussian",
         .description = "Gaussian blur (cv::GaussianBlur); f32 with 3 or 5 taps runs as 7 taps, within 1e-3 of OpenCV "
                        "(measured 1.2e-4), whose SIMD and scalar code round differently there",
         .kernel_class = KernelClass::Stencil,
         .params = {real_param("sigma", std::nullopt, 0, 200, "standard deviation in pixels (x and y)", true),
                    int_param("ksize", "0", 0, 1001, "kernel size, odd; 0 derives it from sigma as OpenCV does")},
         .types = kFilterTypes,
         .make = make_gaussian,
         .example = "sigma=2",
         .oracle = gaussian_oracle,
         .oracle_tolerance = kGaussianTolerance});
  r.add({.name = "box",
         .description = "mean over a ksize x ksize window (cv::blur; for u16, f32 and u8 with ksize > 16 the window sums "
                        "exact (integers) or in double (f32), scaled in double: within 1 of OpenCV, whose SIMD and "
                        "scalar code round differently there)",
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("ksize", "3", 1, 1001, "window size; even sizes are anchored at ksize/2 as OpenCV does")},
         .types = kFilterTypes,
         .make = make_box,
         .oracle = box_oracle,
         .oracle_tolerance = kBoxTolerance});
  r.add({.name = "median",
         .description = "median of a ksize x ksize window, edges replicated (cv::medianBlur; u8 ksize 3 and 5 by sorting "
                        "networks, fused)",
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("ksize", "3", 3, 255, "window size, odd; above 5 only for u8 input")},
         .types = kFilterTypes,
         .make = make_median});
  r.add({.name = "bilateral",
         .description =
             "edge-preserving bilateral filter (cv::bilateralFilter, computed the same way at every pixel, as "
             "OpenCV is not tile-invariant: u8 in float with OpenCV's weight tables, within 1 of it; f32 with the "
             "colour weight interpolated in a table fixed by sigma_color, close to OpenCV's own interpolation)",
         .kernel_class = KernelClass::Stencil,
         .params = {int_param("d", "0", 0, 101,
                              "window diameter (radius d/2); 0 derives the radius round(1.5*sigma_space)"),
                    real_param("sigma_color", std::nullopt, 0, 1e6,
                               "range sigma, in pixel values (L1 distance over channels)", true),
                    real_param("sigma_space", std::nullopt, 0, 60, "spatial sigma in pixels", true)},
         .types = kBilateralTypes,
         .make = make_bilateral,
         .example = "d=5 sigma_color=50 sigma_space=3",
         .oracle = bilateral_oracle,
         .oracle_tolerance = kBilateralTolerance});
  r.add({.name = "filter",
         .description = "correlation with a given kernel times scale, plus delta, saturated (cv::filter2D, ddepth -1)",
         .kernel_class = KernelClass::Stencil,
         .params = {text_param("kernel", std::nullopt,
                               "coefficients, rows separated by ';' and values by spaces or commas, e.g. "
                               "\"0 1 0; 1 -4 1; 0 1 0\"; odd width and height; "
                               "fewer than 130 coefficients (50 for u16)"),
                    real_param("scale", "1", -1e6, 1e6, "every coefficient is multiplied by it"),
                    real_param("delta", "0", -1e6, 1e6, "added to every result")},
         .types = kFilterTypes,
         .make = make_filter,
         .example = "kernel=1,2,1;2,4,2;1,2,1 scale=0.0625"});
  r.add({.name = "sharpen",
         .description = "3x3 sharpening, cv::filter2D with [0 -1 0; -1 5 -1; 0 -1 0]",
         .kernel_class = KernelClass::Stencil,
         .types = kFilterTypes,
         .make = make_sharpen});
  r.add({.name = "unsharp",
         .description =
             "unsharp mask: cv::addWeighted(src, 1+amount, cv::GaussianBlur(src, sigma), -amount, 0) (u8: as addw)",
         .kernel_class = KernelClass::Stencil,
         .params = {real_param("sigma", std::nullopt, 0, 200, "standard deviation of the blur in pixels", true),
                    real_param("amount", "1", 0, 100, "strength: 0 leaves the image unchanged")},
         .types = kFilterTypes,
         .example = "sigma=2 amount=0.7",
         .expand = expand_unsharp,
         .oracle = unsharp_oracle,
         .oracle_tolerance = kGaussianTolerance});  // f32 and sigma < 0.57: see gaussian (scaled by amount)
}

}  // namespace tessera
