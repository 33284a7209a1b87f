/// Typed built-in ops: one struct per built-in registry kernel, so C++ adds them without strings: `p.add(tessera::ops::gaussian{.sigma = 2})`.
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "tessera/pipeline.hpp"

namespace tessera::ops {

/// A parameter the registry requires (no default): it has no default constructor, so an op
/// that leaves it out of its designated initialiser does not compile (`ops::gaussian{}`).
template <class T>
class Required {
 public:
  /// From a T or anything that converts to it, except a floating-point value for an integer.
  template <class U>
    requires(!std::same_as<std::remove_cvref_t<U>, Required> && std::convertible_to<U, T> &&
             !(std::is_integral_v<T> && std::is_floating_point_v<std::remove_cvref_t<U>>))
  constexpr Required(U&& value) : value_(std::forward<U>(value)) {}  // NOLINT(google-explicit-constructor)

  constexpr const T& value() const { return value_; }
  constexpr operator const T&() const { return value_; }  // NOLINT(google-explicit-constructor)

 private:
  T value_;
};

namespace detail {

/// Item `i` of a comma-separated list of names, as the macros below stringise them; empty if none.
constexpr std::string_view list_item(std::string_view list, std::size_t i) {
  for (; i > 0; --i) {
    const std::size_t comma = list.find(',');
    if (comma == std::string_view::npos) return {};
    list.remove_prefix(comma + 1);
  }
  list = list.substr(0, list.find(','));
  while (!list.empty() && list.front() == ' ') list.remove_prefix(1);
  while (!list.empty() && list.back() == ' ') list.remove_suffix(1);
  return list;
}

// Parameter values as a spec writes them.
inline std::string text(int v) { return std::to_string(v); }
/// Shortest form that reads back as the same double (std::to_chars).
inline std::string text(double v) {
  std::array<char, 32> buf{};
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
  return std::string(buf.data(), end);
}
inline std::string text(const std::string& v) { return v; }
/// A choice: the enumerator's name (enumerators are named as the registry's choices); a value
/// outside the enumeration is written as its number, which the registry rejects.
template <class E>
  requires std::is_enum_v<E>
std::string text(E e) {
  const auto i = static_cast<std::underlying_type_t<E>>(e);
  const std::string_view name = i < 0 ? std::string_view() : list_item(choice_names(e), static_cast<std::size_t>(i));
  return name.empty() ? std::to_string(i) : std::string(name);
}
template <class T>
std::string text(const Required<T>& v) {
  return text(v.value());
}

/// The StageCall of kernel `kernel` whose parameters are named by `names` ("sigma, ksize").
template <class... Args>
StageCall call(std::string_view kernel, std::string_view names, const Args&... args) {
  const std::array<std::string, sizeof...(Args)> values{text(args)...};
  StageCall stage{std::string(kernel), {}};
  for (std::size_t i = 0; i < values.size(); ++i) stage.params.emplace(list_item(names, i), values[i]);
  return stage;
}

}  // namespace detail

// Inside an op struct: `enum class Enum { a, b }` for a Choice parameter, enumerators named
// exactly as the registry's choices, and their names for detail::text.
#define TESSERA_OP_CHOICE(Enum, ...)  \
  enum class Enum { __VA_ARGS__ };    \
  friend constexpr std::string_view choice_names(Enum) { return #__VA_ARGS__; }

// Inside an op struct: `operator StageCall() const` with the listed fields as parameters,
// each named as the field (which is named as the registry parameter).
#define TESSERA_OP_PARAMS(...)                                                            \
  operator ::tessera::StageCall() const {                                                    \
    return ::tessera::ops::detail::call(kernel_name, #__VA_ARGS__ __VA_OPT__(, ) __VA_ARGS__); \
  }

/// saturate_u8(|scale * x + offset|) (cv::convertScaleAbs); output u8.
struct abs {
  static constexpr std::string_view kernel_name = "abs";
  double scale = 1;   ///< -1e6..1e6: multiplies every value
  double offset = 0;  ///< -1e6..1e6: added after scaling, before the absolute value
  TESSERA_OP_PARAMS(scale, offset)
};

/// |a - b| of two inputs (cv::absdiff); give the inputs to Pipeline::add.
struct absdiff {
  static constexpr std::string_view kernel_name = "absdiff";
  TESSERA_OP_PARAMS()
};

/// alpha*a + beta*b + gamma of two inputs, saturated (cv::addWeighted); give the inputs to Pipeline::add.
struct addw {
  static constexpr std::string_view kernel_name = "addw";
  double alpha = 0.5;  ///< -1e6..1e6: weight of the first input
  double beta = 0.5;   ///< -1e6..1e6: weight of the second input
  double gamma = 0;    ///< -1e9..1e9: added constant
  TESSERA_OP_PARAMS(alpha, beta, gamma)
};

/// Swap the first and third channels (cv::cvtColor COLOR_BGR2RGB / BGRA2RGBA).
struct bgr2rgb {
  static constexpr std::string_view kernel_name = "bgr2rgb";
  TESSERA_OP_PARAMS()
};

/// Edge-preserving bilateral filter (cv::bilateralFilter).
struct bilateral {
  static constexpr std::string_view kernel_name = "bilateral";
  int d = 0;                         ///< 0..101: window diameter; 0 derives it from sigma_space
  Required<double> sigma_color;      ///< > 0, <= 1e6: range sigma in pixel values
  Required<double> sigma_space;      ///< > 0, <= 60: spatial sigma in pixels
  TESSERA_OP_PARAMS(d, sigma_color, sigma_space)
};

/// Closing minus the input: small dark details (cv::morphologyEx MORPH_BLACKHAT).
struct blackhat {
  static constexpr std::string_view kernel_name = "blackhat";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times each erosion and dilation is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Mean over a ksize x ksize window (cv::blur).
struct box {
  static constexpr std::string_view kernel_name = "box";
  int ksize = 3;  ///< 1..1001: window size
  TESSERA_OP_PARAMS(ksize)
};

/// Canny edges, 255 on edges (cv::Canny); global: needs the whole image in memory.
struct canny {
  static constexpr std::string_view kernel_name = "canny";
  TESSERA_OP_CHOICE(Norm, l1, l2)
  Required<double> low;     ///< 0..1e6: lower hysteresis threshold
  Required<double> high;    ///< 0..1e6: upper hysteresis threshold
  int aperture = 3;         ///< 3, 5 or 7: Sobel aperture
  Norm norm = Norm::l1;     ///< gradient magnitude |dx|+|dy| (l1) or sqrt(dx^2+dy^2) (l2)
  TESSERA_OP_PARAMS(low, high, aperture, norm)
};

/// Limit values to [min, max] (cv::max then cv::min with scalars).
struct clamp {
  static constexpr std::string_view kernel_name = "clamp";
  double min = 0;    ///< -1e12..1e12: lower bound
  double max = 255;  ///< -1e12..1e12: upper bound
  TESSERA_OP_PARAMS(min, max)
};

/// Dilate then erode: fills small dark holes (cv::morphologyEx MORPH_CLOSE).
struct close {
  static constexpr std::string_view kernel_name = "close";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times each erosion and dilation is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Change depth: x*scale + offset, saturated (cv::Mat::convertTo).
struct convert {
  static constexpr std::string_view kernel_name = "convert";
  TESSERA_OP_CHOICE(To, u8, u16, f32)
  To to = To::u8;     ///< output depth
  double scale = 1;   ///< -1e9..1e9: factor applied first
  double offset = 0;  ///< -1e12..1e12: added after scaling
  TESSERA_OP_PARAMS(to, scale, offset)
};

/// The rectangle x, y, w, h of the image, or the image less margin on every edge.
struct crop {
  static constexpr std::string_view kernel_name = "crop";
  int x = 0;       ///< 0..1e9: left edge
  int y = 0;       ///< 0..1e9: top edge
  int w = 0;       ///< 0..1e9: width; 0 = to the right edge
  int h = 0;       ///< 0..1e9: height; 0 = to the bottom edge
  int margin = 0;  ///< 0..1e9: trim this many pixels off every edge (instead of x, y, w, h)
  TESSERA_OP_PARAMS(x, y, w, h, margin)
};

/// Maximum over the structuring element (cv::dilate).
struct dilate {
  static constexpr std::string_view kernel_name = "dilate";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times it is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Histogram equalisation (cv::equalizeHist).
struct equalize {
  static constexpr std::string_view kernel_name = "equalize";
  TESSERA_OP_PARAMS()
};

/// Minimum over the structuring element (cv::erode).
struct erode {
  static constexpr std::string_view kernel_name = "erode";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times it is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Correlation with a given kernel times scale, plus delta, saturated (cv::filter2D).
struct filter {
  static constexpr std::string_view kernel_name = "filter";
  Required<std::string> kernel;  ///< coefficients: rows separated by ';', values by spaces or commas
  double scale = 1;              ///< -1e6..1e6: every coefficient is multiplied by it
  double delta = 0;              ///< -1e6..1e6: added to every result
  TESSERA_OP_PARAMS(kernel, scale, delta)
};

/// Mirror the image (cv::flip).
struct flip {
  static constexpr std::string_view kernel_name = "flip";
  TESSERA_OP_CHOICE(Axis, h, v, both)
  Axis axis = Axis::h;  ///< h = left-right, v = top-bottom, both = 180 degrees
  TESSERA_OP_PARAMS(axis)
};

/// Power law: max*(x/max)^g (cv::LUT); f32: |x|^g.
struct gamma {
  static constexpr std::string_view kernel_name = "gamma";
  Required<double> g;  ///< > 0, <= 100: exponent; < 1 brightens
  TESSERA_OP_PARAMS(g)
};

/// Gaussian blur (cv::GaussianBlur).
struct gaussian {
  static constexpr std::string_view kernel_name = "gaussian";
  Required<double> sigma;  ///< > 0, <= 200: standard deviation in pixels (x and y)
  int ksize = 0;           ///< 0..1001, odd: kernel size; 0 derives it from sigma
  TESSERA_OP_PARAMS(sigma, ksize)
};

/// BGR(A) to gray (cv::cvtColor COLOR_BGR2GRAY).
struct gray {
  static constexpr std::string_view kernel_name = "gray";
  TESSERA_OP_PARAMS()
};

/// BGR to HSV (cv::cvtColor COLOR_BGR2HSV).
struct hsv {
  static constexpr std::string_view kernel_name = "hsv";
  TESSERA_OP_PARAMS()
};

/// Photographic negative: max - x (255 - x for 8 bits).
struct invert {
  static constexpr std::string_view kernel_name = "invert";
  TESSERA_OP_PARAMS()
};

/// BGR to CIE L*a*b* (cv::cvtColor COLOR_BGR2Lab).
struct lab {
  static constexpr std::string_view kernel_name = "lab";
  TESSERA_OP_PARAMS()
};

/// Laplacian, sum of second derivatives (cv::Laplacian).
struct laplacian {
  static constexpr std::string_view kernel_name = "laplacian";
  int ksize = 1;  ///< aperture 1, 3, 5 or 7
  TESSERA_OP_PARAMS(ksize)
};

/// Median of a ksize x ksize window, edges replicated (cv::medianBlur).
struct median {
  static constexpr std::string_view kernel_name = "median";
  int ksize = 3;  ///< 3..255, odd: window size; above 5 only for u8 input
  TESSERA_OP_PARAMS(ksize)
};

/// Dilation minus erosion: outlines (cv::morphologyEx MORPH_GRADIENT).
struct morph_gradient {
  static constexpr std::string_view kernel_name = "morph_gradient";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times each erosion and dilation is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Stretch values so the image's min and max become min and max (cv::normalize NORM_MINMAX).
struct normalize {
  static constexpr std::string_view kernel_name = "normalize";
  double min = 0;    ///< -1e12..1e12: value the image minimum maps to
  double max = 255;  ///< -1e12..1e12: value the image maximum maps to
  TESSERA_OP_PARAMS(min, max)
};

/// Erode then dilate: removes small bright spots (cv::morphologyEx MORPH_OPEN).
struct open {
  static constexpr std::string_view kernel_name = "open";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times each erosion and dilation is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Extend the image by a border (cv::copyMakeBorder).
struct pad {
  static constexpr std::string_view kernel_name = "pad";
  TESSERA_OP_CHOICE(Mode, constant, replicate, reflect, reflect101)
  int top = 0;                   ///< 0..2^20: rows added above
  int bottom = 0;                ///< 0..2^20: rows added below
  int left = 0;                  ///< 0..2^20: columns added left
  int right = 0;                 ///< 0..2^20: columns added right
  Mode mode = Mode::constant;    ///< border mode
  double value = 0;              ///< fill value for Mode::constant (saturated to the pixel type)
  TESSERA_OP_PARAMS(top, bottom, left, right, mode, value)
};

/// 5x5 Gaussian, then every other row and column (cv::pyrDown).
struct pyrdown {
  static constexpr std::string_view kernel_name = "pyrdown";
  TESSERA_OP_PARAMS()
};

/// cv::resize to w x h, or by fx = fy = scale.
struct resize {
  static constexpr std::string_view kernel_name = "resize";
  TESSERA_OP_CHOICE(Interp, nearest, linear, area, cubic)
  double scale = 0;                ///< 0..1000: fx = fy; 0 = use w and h
  int w = 0;                       ///< 0..2^30: output width (with h, instead of scale)
  int h = 0;                       ///< 0..2^30: output height (with w, instead of scale)
  Interp interp = Interp::linear;  ///< interpolation
  TESSERA_OP_PARAMS(scale, w, h, interp)
};

/// Rotate clockwise by turns x 90 degrees (cv::rotate).
struct rotate90 {
  static constexpr std::string_view kernel_name = "rotate90";
  int turns = 1;  ///< 1..3: quarter turns clockwise
  TESSERA_OP_PARAMS(turns)
};

/// 3x3 Scharr derivative (cv::Scharr).
struct scharr {
  static constexpr std::string_view kernel_name = "scharr";
  Required<int> dx;  ///< 0..1: x derivative
  Required<int> dy;  ///< 0..1: y derivative; exactly one of dx, dy is 1
  TESSERA_OP_PARAMS(dx, dy)
};

/// 3x3 sharpening, cv::filter2D with [0 -1 0; -1 5 -1; 0 -1 0].
struct sharpen {
  static constexpr std::string_view kernel_name = "sharpen";
  TESSERA_OP_PARAMS()
};

/// Sobel derivative (cv::Sobel).
struct sobel {
  static constexpr std::string_view kernel_name = "sobel";
  Required<int> dx;  ///< 0..6: order of the x derivative (< max(ksize, 3))
  Required<int> dy;  ///< 0..6: order of the y derivative (< max(ksize, 3)); dx+dy >= 1
  int ksize = 3;     ///< aperture 1, 3, 5 or 7
  TESSERA_OP_PARAMS(dx, dy, ksize)
};

/// Gradient magnitude (|Sobel dx| + |Sobel dy|) / 2, 3x3, saturated to 8 bits.
struct sobel_mag {
  static constexpr std::string_view kernel_name = "sobel_mag";
  TESSERA_OP_PARAMS()
};

/// Per-channel min, max, mean, stddev and histogram, reported as JSON; the image passes through.
struct stats {
  static constexpr std::string_view kernel_name = "stats";
  TESSERA_OP_PARAMS()
};

/// Fixed-level threshold (cv::threshold).
struct threshold {
  static constexpr std::string_view kernel_name = "threshold";
  TESSERA_OP_CHOICE(Type, binary, binary_inv, trunc, tozero, tozero_inv)
  Required<double> t;          ///< -1e9..1e9: threshold value
  double max = 255;            ///< -1e9..1e9: value given to pixels that pass (binary types)
  Type type = Type::binary;    ///< cv::ThresholdTypes
  TESSERA_OP_PARAMS(t, max, type)
};

/// Input minus its opening: small bright details (cv::morphologyEx MORPH_TOPHAT).
struct tophat {
  static constexpr std::string_view kernel_name = "tophat";
  TESSERA_OP_CHOICE(Shape, rect, ellipse, cross)
  int ksize = 3;               ///< 1..255: structuring element size
  Shape shape = Shape::rect;   ///< structuring element shape
  int iterations = 1;          ///< 1..50: times each erosion and dilation is applied
  TESSERA_OP_PARAMS(ksize, shape, iterations)
};

/// Unsharp mask: src*(1+amount) - GaussianBlur(src, sigma)*amount.
struct unsharp {
  static constexpr std::string_view kernel_name = "unsharp";
  Required<double> sigma;  ///< > 0, <= 200: standard deviation of the blur in pixels
  double amount = 1;       ///< 0..100: strength; 0 leaves the image unchanged
  TESSERA_OP_PARAMS(sigma, amount)
};

#undef TESSERA_OP_CHOICE
#undef TESSERA_OP_PARAMS

/// Every op, in registry name order: the tests check it lists every built-in kernel.
using all = std::tuple<abs, absdiff, addw, bgr2rgb, bilateral, blackhat, box, canny, clamp, close, convert, crop, dilate,
                       equalize, erode, filter, flip, gamma, gaussian, gray, hsv, invert, lab, laplacian, median,
                       morph_gradient, normalize, open, pad, pyrdown, resize, rotate90, scharr, sharpen, sobel, sobel_mag,
                       stats, threshold, tophat, unsharp>;

}  // namespace tessera::ops
