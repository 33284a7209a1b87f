// Erosion and dilation of 8-bit images by a rectangle as two row stages (along the row,
// then across rows), bit-exact with cv::erode / cv::dilate: a minimum (maximum) has no
// rounding, so only the window matters. OpenCV runs `iterations` passes of a k x k
// rectangle anchored at a = k/2 as one pass of a K = k + (iterations-1)(k-1) rectangle
// anchored at a*iterations (morph.dispatch.cpp), which is the window used here.
//
// OpenCV's border for these is neutral (pixels outside the image never win). The runtime
// extends a stage's input by replication or, for a centred window (odd ksize), reflection
// instead, which gives the same result: a window that reaches past an image edge always
// contains the edge pixel, and, when it is centred on x, the pixels reflected into it
// (-j -> j for j <= radius - x <= radius + x); copies of pixels already in the window change
// no minimum or maximum.
#include <algorithm>

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

class ExtremeH final : public RowStage {
 public:
  ExtremeH(Window w, bool max) : w_(w), max_(max) {}
  Halo halo() const override { return {w_.radius(), 0}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    // rows[0] is at column x - radius; the window starts `before` columns left of x.
    const uchar* src = static_cast<const uchar*>(rows[0]) + (w_.radius() - w_.before) * cn;
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn, count = w_.count();
    for (int e = extreme_loops().h(src, dst, n, cn, count, max_); e < n; ++e) {
      uchar m = src[e];
      for (int i = 1; i < count; ++i) m = max_ ? std::max(m, src[e + i * cn]) : std::min(m, src[e + i * cn]);
      dst[e] = m;
    }
  }

 private:
  Window w_;
  bool max_;
};

class ExtremeV final : public RowStage {
 public:
  ExtremeV(Window w, bool max) : w_(w), max_(max) {}
  Halo halo() const override { return {0, w_.radius()}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const uchar* const*>(rows) + (w_.radius() - w_.before);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn, count = w_.count();
    for (int e = extreme_loops().v(src, dst, n, count, max_); e < n; ++e) {
      uchar m = src[0][e];
      for (int j = 1; j < count; ++j) m = max_ ? std::max(m, src[j][e]) : std::min(m, src[j][e]);
      dst[e] = m;
    }
  }

 private:
  Window w_;
  bool max_;
};

}  // namespace

std::vector<RowStagePtr> rect_morphology_u8_row_stages(int kw, int kh, int iterations, bool dilate) {
  return {std::make_shared<ExtremeH>(window(kw, iterations), dilate),
          std::make_shared<ExtremeV>(window(kh, iterations), dilate)};
}

}  // namespace tessera::detail
