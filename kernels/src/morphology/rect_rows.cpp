// Erosion and dilation of u8, u16 and f32 images by a rectangle as two row stages (along the
// row, then across rows), bit-exact with cv::erode / cv::dilate (on floats: without NaNs
// or tied zeros of both signs, see below): a minimum (maximum) has no rounding, so only the
// window matters. OpenCV runs `iterations` passes of a k x k
// rectangle anchored at a = k/2 as one pass of a K = k + (iterations-1)(k-1) rectangle
// anchored at a*iterations (morph.dispatch.cpp), which is the window used here.
//
// OpenCV's border for these is neutral on integers (the depth's maximum for erosion, 0 for
// dilation: pixels outside the image never win). Not on floats: OpenCV fills with +FLT_MAX
// (-FLT_MAX), which beats an infinity at the image edge, so the f32 stages ask the runtime
// for that constant (RowStage::border). For integers the runtime extends a stage's input
// by the kernel's replication or, for a centred window (odd ksize), reflection, which chains
// with the other kernels and gives the same result: a window that reaches past an image edge always
// contains the edge pixel, and, when it is centred on x, the pixels reflected into it
// (-j -> j for j <= radius - x <= radius + x); copies of pixels already in the window change
// no minimum or maximum.
#include <algorithm>
#include <cfloat>
#include <optional>
#include <type_traits>

#include <opencv2/core.hpp>

#include "morphology/extreme_loops.hpp"
#include "morphology/rect_rows.hpp"

namespace tessera::detail {

namespace {

/// The window [x - before, x + after] in one direction, inside a halo of max(before, after).
struct Window {
  int before = 0, after = 0;
  int radius() const { return std::max(before, after); }
  int count() const { return before + after + 1; }
};

Window window(int k, int iterations) {
  const int size = k + (iterations - 1) * (k - 1), anchor = (k / 2) * iterations;
  return {anchor, size - 1 - anchor};
}

template <typename T>
const ExtremePair<T>& loops_for() {
  if constexpr (std::is_same_v<T, uchar>) return extreme_loops().u8;
  else if constexpr (std::is_same_v<T, ushort>) return extreme_loops().u16;
  else return extreme_loops().f32;
}

/// OpenCV's border for a float erosion (dilation); none of its own for integers.
template <typename T>
std::optional<Border> neutral_border(bool max) {
  if constexpr (std::is_same_v<T, float>) return Border{BorderMode::Constant, max ? -FLT_MAX : FLT_MAX};
  else return std::nullopt;
}

/// As a vector lane does (v_min(m, x) = minps: x unless m is less), so that every element
/// gets the same bits whether a vector or this tail computes it, at any tile width and SIMD
/// level. On floats a NaN or a tie of +0 and -0 then resolves alike everywhere, but not
/// always as OpenCV, whose scalar tails keep m instead and whose column loop folds the rows
/// in another order: such inputs are not held to OpenCV's bits.
template <typename T>
T pick(T m, T x, bool max) {
  return max ? (m > x ? m : x) : (m < x ? m : x);
}

template <typename T>
class ExtremeH final : public RowStage {
 public:
  ExtremeH(Window w, bool max) : w_(w), max_(max) {}
  Halo halo() const override { return {w_.radius(), 0}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  std::optional<Border> border() const override { return neutral_border<T>(max_); }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    // rows[0] is at column x - radius; the window starts `before` columns left of x.
    const T* src = static_cast<const T*>(rows[0]) + (w_.radius() - w_.before) * cn;
    auto* dst = static_cast<T*>(out);
    const int n = width * cn, count = w_.count();
    for (int e = loops_for<T>().h(src, dst, n, cn, count, max_); e < n; ++e) {
      T m = src[e];
      for (int i = 1; i < count; ++i) m = pick(m, src[e + i * cn], max_);
      dst[e] = m;
    }
  }

 private:
  Window w_;
  bool max_;
};

template <typename T>
class ExtremeV final : public RowStage {
 public:
  ExtremeV(Window w, bool max) : w_(w), max_(max) {}
  Halo halo() const override { return {0, w_.radius()}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  std::optional<Border> border() const override { return neutral_border<T>(max_); }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const T* const*>(rows) + (w_.radius() - w_.before);
    auto* dst = static_cast<T*>(out);
    const int n = width * cn, count = w_.count();
    for (int e = loops_for<T>().v(src, dst, n, count, max_); e < n; ++e) {
      T m = src[0][e];
      for (int j = 1; j < count; ++j) m = pick(m, src[j][e], max_);
      dst[e] = m;
    }
  }

 private:
  Window w_;
  bool max_;
};

template <typename T>
std::vector<RowStagePtr> stages(Window h, Window v, bool dilate) {
  return {std::make_shared<ExtremeH<T>>(h, dilate), std::make_shared<ExtremeV<T>>(v, dilate)};
}

}  // namespace

std::vector<RowStagePtr> rect_morphology_row_stages(int depth, int kw, int kh, int iterations, bool dilate) {
  const Window h = window(kw, iterations), v = window(kh, iterations);
  switch (depth) {
    case CV_8U: return stages<uchar>(h, v, dilate);
    case CV_16U: return stages<ushort>(h, v, dilate);
    case CV_32F: return stages<float>(h, v, dilate);
    default: return {};
  }
}

}  // namespace tessera::detail
