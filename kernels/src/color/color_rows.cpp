// Gray, channel swap and f32 HSV as row stages, with the vector loops of color_loops.cpp; u8
// HSV and Lab (and f32 Lab) through cv::cvtColor on each row. cv::cvtColor's u8 and u16 gray
// are one integer formula ((3735 B + 19235 G + 9798 R + 2^14) >> 15) in its vector code and
// scalar tail alike, so these give its bits exactly (tests/exec/fused_whitebox_test.cpp); f32
// gray is our own (gray_f32_row). Cheap conversions get loops of their own because every
// cvtColor call (and cv::hal's row functions) costs a fixed setup and a pass through
// cv::parallel_for_; for HSV and Lab that cost is small beside the conversion on a full-width
// row, but about doubles their time on 64-pixel-wide tiles (lab, 2048² u8x3, one thread: 41 ms
// fused against 20 ms tile at a time), which the tile tuner's timings then avoid.
#include "color/color_rows.hpp"

#include <cfloat>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "color/color_loops.hpp"

namespace tessera::detail {

void gray_f32_row(const float* src, float* dst, int n, int cn) {
  const float wb = 0.114f, wg = 0.587f, wr = 0.299f;
  for (int x = color_loops().gray_f32(src, dst, n, cn); x < n; ++x) {
    const float* s = src + x * cn;
    dst[x] = s[0] * wb + s[1] * wg + s[2] * wr;
  }
}

void hsv_f32_row(const float* s, float* d, int n) {
  const float eps = FLT_EPSILON;
  const auto mx = [](float a, float b) { return a > b ? a : b; };
  const auto mn = [](float a, float b) { return a < b ? a : b; };
  const int done = color_loops().hsv_f32(s, d, n);
  s += 3 * done;
  d += 3 * done;
  for (int x = done; x < n; ++x, s += 3, d += 3) {
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

namespace {

/// OpenCV's integer gray of pixels [done, n) (color_loops.hpp).
template <typename T>
void gray_int_row(const T* src, T* dst, int n, int cn, int done) {
  for (int x = done; x < n; ++x) {
    const T* s = src + x * cn;
    dst[x] = static_cast<T>((s[0] * kGrayB + s[1] * kGrayG + s[2] * kGrayR + (1u << 14)) >> 15);
  }
}

class Gray final : public RowStage {
 public:
  explicit Gray(int depth) : depth_(depth) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return depth_; }
  int out_channels(int) const override { return 1; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    if (depth_ == CV_8U) {
      const auto* s = static_cast<const uchar*>(rows[0]);
      auto* d = static_cast<uchar*>(out);
      gray_int_row(s, d, width, cn, color_loops().gray_u8(s, d, width, cn));
    } else if (depth_ == CV_16U) {
      const auto* s = static_cast<const ushort*>(rows[0]);
      auto* d = static_cast<ushort*>(out);
      gray_int_row(s, d, width, cn, color_loops().gray_u16(s, d, width, cn));
    } else {
      gray_f32_row(static_cast<const float*>(rows[0]), static_cast<float*>(out), width, cn);
    }
  }

 private:
  int depth_;
};

template <typename T>
void swap_rb_row(const T* src, T* dst, int n, int cn, int done) {
  for (int x = done; x < n; ++x) {
    const T* s = src + x * cn;
    T* d = dst + x * cn;
    d[0] = s[2];
    d[1] = s[1];
    d[2] = s[0];
    if (cn == 4) d[3] = s[3];
  }
}

class SwapRb final : public RowStage {
 public:
  explicit SwapRb(int depth) : depth_(depth) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return depth_; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const ColorLoops& loops = color_loops();
    if (depth_ == CV_8U) {
      const auto* s = static_cast<const uchar*>(rows[0]);
      swap_rb_row(s, static_cast<uchar*>(out), width, cn, loops.swap_rb_u8(s, static_cast<uchar*>(out), width, cn));
    } else if (depth_ == CV_16U) {
      const auto* s = static_cast<const ushort*>(rows[0]);
      swap_rb_row(s, static_cast<ushort*>(out), width, cn, loops.swap_rb_u16(s, static_cast<ushort*>(out), width, cn));
    } else {
      const auto* s = static_cast<const float*>(rows[0]);
      swap_rb_row(s, static_cast<float*>(out), width, cn, loops.swap_rb_f32(s, static_cast<float*>(out), width, cn));
    }
  }

 private:
  int depth_;
};

bool supported(int depth) { return depth == CV_8U || depth == CV_16U || depth == CV_32F; }

}  // namespace

RowStagePtr gray_row_stage(int depth) { return supported(depth) ? std::make_shared<Gray>(depth) : nullptr; }
RowStagePtr swap_rb_row_stage(int depth) { return supported(depth) ? std::make_shared<SwapRb>(depth) : nullptr; }

namespace {

class CvtColorRows final : public RowStage {
 public:
  CvtColorRows(int code, int depth, int out_cn) : code_(code), depth_(depth), out_cn_(out_cn) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return depth_; }
  int out_channels(int) const override { return out_cn_; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const cv::Mat src(1, width, CV_MAKETYPE(depth_, cn), const_cast<void*>(rows[0]));
    cv::Mat dst(1, width, CV_MAKETYPE(depth_, out_cn_), out);
    cv::cvtColor(src, dst, code_);
  }

 private:
  int code_, depth_, out_cn_;
};

class HsvF32 final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_32F; }
  void run(const void* const* rows, void* out, int width, int) const override {
    hsv_f32_row(static_cast<const float*>(rows[0]), static_cast<float*>(out), width);
  }
};

}  // namespace

RowStagePtr cvt_color_row_stage(int code, int depth, int out_cn) {
  return std::make_shared<CvtColorRows>(code, depth, out_cn);
}

RowStagePtr hsv_row_stage(int depth) {
  if (depth == CV_32F) return std::make_shared<HsvF32>();
  return depth == CV_8U ? cvt_color_row_stage(cv::COLOR_BGR2HSV, CV_8U, 3) : nullptr;
}

}  // namespace tessera::detail
