// resize: cv::resize reproduced per output tile. OpenCV's coefficients depend on the whole
// image's geometry, so calling it on a crop would be wrong; instead every output pixel is
// computed from its global coordinates with OpenCV 4.6's own mapping and arithmetic
// (hal::resize: nearest, separable linear/cubic with 11-bit fixed point for 8-bit, area
// averaging for integer factors, fractional-area weights otherwise), so the tiled output is
// identical to the whole image and equal to cv::resize within the entry's oracle tolerance.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "geometric/geometric_kernel.hpp"
#include "geometric/resize_loops.hpp"
#include "common/param_helpers.hpp"
#include "tessera/error.hpp"

namespace tessera {

namespace {

enum class Interp { Nearest, Linear, Area, Cubic };
/// How OpenCV resizes a given geometry (hal::resize picks it from the whole image's sizes).
enum class ResizeMethod { Copy, Nearest, AreaFast, Separable };
/// Coefficients of the separable method.
enum class Coeffs { Linear, AreaLinear, Cubic, AreaDecimate };

constexpr int kCoefBits = 11;  // INTER_RESIZE_COEF_BITS
constexpr int kCoefScale = 1 << kCoefBits;

struct ResizePlan {
  Size in, out;
  ResizeMethod method = ResizeMethod::Copy;
  Coeffs coeffs = Coeffs::Linear;
  double scale_x = 1, scale_y = 1;  // source pixels per output pixel (1 / inv_scale)
  double inv_x = 1, inv_y = 1;
  int iscale_x = 1, iscale_y = 1;
  bool fixed_point = false;  // 8-bit linear/cubic: 11-bit integer coefficients
  /// Cubic: output row elements [0, cubic_vector_end) go through OpenCV's vertical vector loop
  /// (8 elements a step for u8/u16, 4 for f32; measured), which sums in another order.
  std::int64_t cubic_vector_end = 0;
  /// Separable: the taps of both whole axes (they depend on the sizes and the method only).
  std::shared_ptr<const struct PlanTaps> taps;
};

/// `scale` > 0: cv::resize(fx = fy = scale); 0: cv::resize(dsize = out).
ResizePlan make_plan(Size in, Size out, double scale, Interp interp, int depth, int cn) {
  ResizePlan p;
  p.in = in;
  p.out = out;
  p.inv_x = scale > 0 ? scale : static_cast<double>(out.w) / static_cast<double>(in.w);
  p.inv_y = scale > 0 ? scale : static_cast<double>(out.h) / static_cast<double>(in.h);
  p.scale_x = 1. / p.inv_x;
  p.scale_y = 1. / p.inv_y;
  p.iscale_x = cv::saturate_cast<int>(p.scale_x);
  p.iscale_y = cv::saturate_cast<int>(p.scale_y);
  if (in == out) return p;
  if (interp == Interp::Nearest) {
    p.method = ResizeMethod::Nearest;
    return p;
  }
  const bool integer_factors = std::abs(p.scale_x - p.iscale_x) < DBL_EPSILON && std::abs(p.scale_y - p.iscale_y) < DBL_EPSILON;
  if (interp == Interp::Linear && integer_factors && p.iscale_x == 2 && p.iscale_y == 2) interp = Interp::Area;
  p.method = ResizeMethod::Separable;
  if (interp == Interp::Area && p.scale_x >= 1 && p.scale_y >= 1) {
    if (integer_factors) p.method = ResizeMethod::AreaFast;
    p.coeffs = Coeffs::AreaDecimate;
  } else {
    p.coeffs = interp == Interp::Cubic ? Coeffs::Cubic : interp == Interp::Area ? Coeffs::AreaLinear : Coeffs::Linear;
    p.fixed_point = depth == CV_8U;
    const int lanes = depth == CV_32F ? 4 : 8;
    p.cubic_vector_end = out.w * cn / lanes * lanes;
  }
  return p;
}

/// OpenCV's bicubic weights (A = -0.75) for fractional position f, in its float arithmetic.
void cubic_coeffs(float f, float c[4]) {
  const float A = -0.75f;
  c[0] = ((A * (f + 1) - 5 * A) * (f + 1) + 8 * A) * (f + 1) - 4 * A;
  c[1] = ((A + 2) * f - (A + 3)) * f * f + 1;
  c[2] = ((A + 2) * (1 - f) - (A + 3)) * (1 - f) * (1 - f) + 1;
  c[3] = 1.f - c[0] - c[1] - c[2];
}

/// The source taps of each output coordinate of one axis: taps of coordinate i are
/// [start[i], start[i+1]) in idx (source index inside the image) and w / iw (weights).
struct AxisTaps {
  std::vector<int> start{0}, idx;
  std::vector<float> w;
  std::vector<short> iw;
  void add(std::int64_t i, float weight) {
    idx.push_back(static_cast<int>(i));
    w.push_back(weight);
    iw.push_back(cv::saturate_cast<short>(weight * kCoefScale));
  }
};

struct PlanTaps {
  AxisTaps x, y;
};

/// Fractional-area taps of output coordinate o (OpenCV's area table for downscaling).
void area_taps(std::int64_t o, std::int64_t len, double scale, AxisTaps& t) {
  const double f1 = static_cast<double>(o) * scale, f2 = f1 + scale;
  const double cell = std::min(scale, static_cast<double>(len) - f1);
  std::int64_t s2 = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(f2)), len - 1);
  const std::int64_t s1 = std::min<std::int64_t>(static_cast<std::int64_t>(std::ceil(f1)), s2);
  if (static_cast<double>(s1) - f1 > 1e-3) t.add(s1 - 1, static_cast<float>((static_cast<double>(s1) - f1) / cell));
  for (std::int64_t s = s1; s < s2; ++s) t.add(s, static_cast<float>(1.0 / cell));
  if (f2 - static_cast<double>(s2) > 1e-3)
    t.add(s2, static_cast<float>(std::min(std::min(f2 - static_cast<double>(s2), 1.), cell) / cell));
}

/// Linear, area-as-linear or cubic taps of output coordinate o.
void interp_taps(const ResizePlan& p, bool is_x, std::int64_t o, AxisTaps& t) {
  const std::int64_t len = is_x ? p.in.w : p.in.h;
  const double scale = is_x ? p.scale_x : p.scale_y, inv = is_x ? p.inv_x : p.inv_y;
  float f = 0;
  std::int64_t s = 0;
  if (p.coeffs != Coeffs::AreaLinear) {
    f = static_cast<float>((static_cast<double>(o) + 0.5) * scale - 0.5);
    s = static_cast<std::int64_t>(std::floor(f));
    f -= static_cast<float>(s);
  } else {
    s = static_cast<std::int64_t>(std::floor(static_cast<double>(o) * scale));
    f = static_cast<float>(static_cast<double>(o + 1) - static_cast<double>(s + 1) * inv);
    f = f <= 0 ? 0.f : f - std::floor(f);
  }
  const bool cubic = p.coeffs == Coeffs::Cubic;
  if (is_x && !cubic) {  // OpenCV clamps the x position (not y) of the two-tap filters
    if (s < 0) f = 0, s = 0;
    if (s >= len - 1) f = 0, s = len - 1;
    if (s + 1 >= len) return t.add(s, 1.f);  // its right-edge loop reads one pixel at full weight
  }
  float c[4] = {1.f - f, f, 0, 0};
  if (cubic) cubic_coeffs(f, c);
  const int n = cubic ? 4 : 2;
  for (int k = 0; k < n; ++k) t.add(std::clamp<std::int64_t>(s - n / 2 + 1 + k, 0, len - 1), c[k]);
}

/// The taps of every output coordinate of one axis.
AxisTaps whole_axis_taps(const ResizePlan& p, bool is_x) {
  AxisTaps t;
  for (std::int64_t o = 0, n = is_x ? p.out.w : p.out.h; o < n; ++o) {
    if (p.coeffs == Coeffs::AreaDecimate)
      area_taps(o, is_x ? p.in.w : p.in.h, is_x ? p.scale_x : p.scale_y, t);
    else
      interp_taps(p, is_x, o, t);
    t.start.push_back(static_cast<int>(t.idx.size()));
  }
  return t;
}

/// The taps of output coordinates [o0, o1) of one axis, from the plan's whole-axis tables.
AxisTaps axis_taps(const ResizePlan& p, bool is_x, std::int64_t o0, std::int64_t o1) {
  const AxisTaps& all = is_x ? p.taps->x : p.taps->y;
  const int b = all.start[static_cast<std::size_t>(o0)], e = all.start[static_cast<std::size_t>(o1)];
  AxisTaps t;
  t.start.resize(static_cast<std::size_t>(o1 - o0 + 1));
  for (std::int64_t o = o0; o <= o1; ++o) t.start[static_cast<std::size_t>(o - o0)] = all.start[static_cast<std::size_t>(o)] - b;
  t.idx.assign(all.idx.begin() + b, all.idx.begin() + e);
  t.w.assign(all.w.begin() + b, all.w.begin() + e);
  t.iw.assign(all.iw.begin() + b, all.iw.begin() + e);
  return t;
}

/// OpenCV 4.6 INTER_NEAREST: source = min(floor(dst * scale), len - 1).
std::int64_t nearest_index(std::int64_t o, double scale, std::int64_t len) {
  return std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(static_cast<double>(o) * scale)), len - 1);
}

/// The input pixels output rect `out` reads: the bounding box of its taps.
Rect source_region(const ResizePlan& p, const Rect& out) {
  switch (p.method) {
    case ResizeMethod::Copy: return out;
    case ResizeMethod::Nearest: {
      const std::int64_t x0 = nearest_index(out.x, p.scale_x, p.in.w), x1 = nearest_index(out.x1() - 1, p.scale_x, p.in.w);
      const std::int64_t y0 = nearest_index(out.y, p.scale_y, p.in.h), y1 = nearest_index(out.y1() - 1, p.scale_y, p.in.h);
      return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    }
    case ResizeMethod::AreaFast: {
      const std::int64_t x0 = out.x * p.iscale_x, y0 = out.y * p.iscale_y;
      return {x0, y0, std::min(out.x1() * p.iscale_x, p.in.w) - x0, std::min(out.y1() * p.iscale_y, p.in.h) - y0};
    }
    case ResizeMethod::Separable: break;
  }
  const AxisTaps xt = axis_taps(p, true, out.x, out.x1()), yt = axis_taps(p, false, out.y, out.y1());
  const auto [x0, x1] = std::minmax_element(xt.idx.begin(), xt.idx.end());
  const auto [y0, y1] = std::minmax_element(yt.idx.begin(), yt.idx.end());
  return {*x0, *y0, *x1 - *x0 + 1, *y1 - *y0 + 1};
}

/// Horizontal pass of one source row through the x taps: one value per output element.
template <typename T, typename WT, typename AT>
void horizontal(const T* src, int cn, const AxisTaps& xt, int x_origin, bool from_zero, const std::vector<AT>& w,
                WT* out) {
  const int n = static_cast<int>(xt.start.size()) - 1;
  for (int i = 0; i < n; ++i) {
    const int b = xt.start[static_cast<std::size_t>(i)], e = xt.start[static_cast<std::size_t>(i) + 1];
    for (int c = 0; c < cn; ++c) {
      auto tap = [&](int k) {
        return WT(src[(xt.idx[static_cast<std::size_t>(k)] - x_origin) * cn + c]) * WT(w[static_cast<std::size_t>(k)]);
      };
      WT v = from_zero ? WT(0) + tap(b) : tap(b);
      for (int k = b + 1; k < e; ++k) v += tap(k);
      out[i * cn + c] = v;
    }
  }
}

/// 8-bit vertical pass. Two taps (linear): OpenCV 4.6's 16-bit vector arithmetic, which it
/// applies to every element of a row (measured: equal for all widths 1..50). Four taps (cubic):
/// in OpenCV's vector loop its float arithmetic, after it its fixed-point rounding.
uchar vertical_fixed(const int* const* rows, const short* beta, int n, int x, bool vector) {
  if (n == 2) {
    // 16-bit: (S >> 4) * beta >> 16 per row, then (sum + 2) >> 2.
    const int a = cv::saturate_cast<short>(rows[0][x] >> 4) * beta[0] >> 16;
    const int b = cv::saturate_cast<short>(rows[1][x] >> 4) * beta[1] >> 16;
    return cv::saturate_cast<uchar>((cv::saturate_cast<short>(a + b) + 2) >> 2);
  }
  if (vector) {  // OpenCV's cubic vector loop: in float
    const float sc = 1.f / (kCoefScale * kCoefScale);
    auto t = [&](int k) { return static_cast<float>(rows[k][x]) * (beta[k] * sc); };
    return cv::saturate_cast<uchar>(cvRound(t(0) + (t(1) + (t(2) + t(3)))));
  }
  int v = 0;
  for (int k = 0; k < n; ++k) v += rows[k][x] * beta[k];
  return cv::saturate_cast<uchar>((v + (1 << 21)) >> 22);
}

/// Fixed-point x taps of at most two per coordinate (linear), as OpenCV's horizontal loop
/// takes them: tap pixels ofs0/ofs1 (in the region) and weights alpha[2i], alpha[2i + 1]; a
/// single tap (the right edge) has a second of weight 0 on the same pixel. Coordinates
/// [0, pairs) have neighbouring taps (ofs1 = ofs0 + 1), for the vector loops; with 3 or 4
/// channels, those of them whose 8 bytes from the first tap lie in the row (`whole8`), with
/// their weights four times over (`alpha4`, 8 a pixel).
struct LinearX {
  std::vector<int> ofs0, ofs1;
  std::vector<short> alpha, alpha4;
  int pairs = 0, whole8 = 0;
};

/// Ring rows of the horizontal pass hold this many ints past the row: the 3-channel vector loop
/// stores whole vectors of 4 ints a pixel.
constexpr int kRingPad = 16;

std::optional<LinearX> linear_x(const AxisTaps& xt, int x_origin, int cn, int row_pixels) {
  const std::size_t n = xt.start.size() - 1;
  LinearX lx;
  bool neighbours = true;
  for (std::size_t i = 0; i < n; ++i) {
    const int b = xt.start[i], count = xt.start[i + 1] - b;
    if (count < 1 || count > 2) return std::nullopt;
    const int i0 = xt.idx[static_cast<std::size_t>(b)] - x_origin;
    const int i1 = count == 2 ? xt.idx[static_cast<std::size_t>(b) + 1] - x_origin : i0;
    lx.ofs0.push_back(i0);
    lx.ofs1.push_back(i1);
    lx.alpha.push_back(xt.iw[static_cast<std::size_t>(b)]);
    lx.alpha.push_back(count == 2 ? xt.iw[static_cast<std::size_t>(b) + 1] : short(0));
    neighbours = neighbours && i1 == i0 + 1;
    if (neighbours) lx.pairs = static_cast<int>(i) + 1;
  }
  if (cn > 1) {
    // Taps move right with i, so the pixels whose 8 bytes fit are a prefix.
    while (lx.whole8 < lx.pairs && lx.ofs0[static_cast<std::size_t>(lx.whole8)] * cn + 8 <= row_pixels * cn)
      ++lx.whole8;
    for (int i = 0; i < lx.whole8; ++i)
      for (int c = 0; c < 4; ++c)
        lx.alpha4.insert(lx.alpha4.end(), {lx.alpha[2 * std::size_t(i)], lx.alpha[2 * std::size_t(i) + 1]});
  }
  return lx;
}

/// Horizontal fixed-point pass of one 8-bit row through linear x taps (cn channels).
template <int CN>
void horizontal_linear(const uchar* src, const LinearX& lx, int* dst, int n) {
  int i = CN == 1 ? detail::resize_loops().h_linear_c1(src, lx.ofs0.data(), lx.alpha.data(), dst, lx.pairs)
                  : detail::resize_loops().h_linear_px(src, lx.ofs0.data(), lx.alpha4.data(), dst, lx.whole8, CN);
  for (; i < n; ++i) {
    const uchar* s0 = src + lx.ofs0[static_cast<std::size_t>(i)] * CN;
    const uchar* s1 = src + lx.ofs1[static_cast<std::size_t>(i)] * CN;
    const int a0 = lx.alpha[2 * static_cast<std::size_t>(i)], a1 = lx.alpha[2 * static_cast<std::size_t>(i) + 1];
    for (int c = 0; c < CN; ++c) dst[i * CN + c] = s0[c] * a0 + s1[c] * a1;
  }
}

/// Float x taps of one or two per coordinate (linear, area-as-linear), element by element
/// (pixel taps times the channel count, plus the channel), for a horizontal loop with the tap
/// count fixed: detail::FloatTaps over these arrays.
struct LinearXf {
  std::vector<int> ofs0, ofs1, two;
  std::vector<float> w0, w1;
  detail::FloatTaps taps() const { return {ofs0.data(), ofs1.data(), w0.data(), w1.data(), two.data()}; }
};

std::optional<LinearXf> linear_xf(const AxisTaps& xt, int x_origin, int cn) {
  const std::size_t n = xt.start.size() - 1;
  LinearXf lx;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = static_cast<std::size_t>(xt.start[i]);
    const int count = xt.start[i + 1] - xt.start[i];
    if (count < 1 || count > 2) return std::nullopt;
    for (int c = 0; c < cn; ++c) {
      lx.ofs0.push_back((xt.idx[b] - x_origin) * cn + c);
      lx.w0.push_back(xt.w[b]);
      lx.two.push_back(count == 2 ? -1 : 0);
      lx.ofs1.push_back((count == 2 ? xt.idx[b + 1] - x_origin : xt.idx[b] - x_origin) * cn + c);
      lx.w1.push_back(count == 2 ? xt.w[b + 1] : 0.f);
    }
  }
  return lx;
}

/// Horizontal float pass of one row of `len` elements through linear x taps: n elements, as
/// horizontal() sums; the vector loop first where there is one for T.
template <typename T>
void horizontal_linear_f(const T* src, int len, const LinearXf& lx, float* dst, int n) {
  const detail::FloatTaps t = lx.taps();
  int e = 0;
  if constexpr (std::is_same_v<T, float>) e = detail::resize_loops().h_linear_f32(src, len, t, dst, n);
  else if constexpr (std::is_same_v<T, ushort>) e = detail::resize_loops().h_linear_u16(src, len, t, dst, n);
  for (; e < n; ++e) {
    const auto u = static_cast<std::size_t>(e);
    float v = float(src[lx.ofs0[u]]) * lx.w0[u];
    if (lx.two[u]) v += float(src[lx.ofs1[u]]) * lx.w1[u];
    dst[e] = v;
  }
}

/// The separable methods (linear, cubic, area-as-linear, area decimation).
template <typename T>
void separable(const cv::Mat& in, const Rect& in_rect, const ResizePlan& plan, const Rect& out_rect, cv::Mat& out) {
  const int cn = in.channels();
  const AxisTaps xt = axis_taps(plan, true, out_rect.x, out_rect.x1());
  const AxisTaps yt = axis_taps(plan, false, out_rect.y, out_rect.y1());
  const int w = out.cols * cn;
  const bool fixed = plan.fixed_point;
  // Horizontal passes of the source rows the y taps read (int for fixed point, else float),
  // kept in a ring of row buffers: the taps of one output row are consecutive source rows, so a
  // ring longer than the most taps holds all of them at once.
  int most_taps = 1;
  for (std::size_t y = 0; y + 1 < yt.start.size(); ++y) most_taps = std::max(most_taps, yt.start[y + 1] - yt.start[y]);
  const int slots = most_taps + 1;
  cv::Mat ring = tile_scratch(slots, w + kRingPad, fixed ? CV_32SC1 : CV_32FC1);
  std::vector<int> slot_row(static_cast<std::size_t>(slots), -1);
  const bool from_zero = plan.coeffs == Coeffs::AreaDecimate;
  std::optional<LinearX> lx;
  if constexpr (std::is_same_v<T, uchar>)
    if (fixed && (cn == 1 || cn == 3 || cn == 4)) lx = linear_x(xt, static_cast<int>(in_rect.x), cn, in.cols);
  std::optional<LinearXf> lxf;
  if (!fixed && !from_zero) lxf = linear_xf(xt, static_cast<int>(in_rect.x), cn);
  auto horizontal_row = [&](int r) -> const uchar* {  // r: row of the region
    const int slot = r % slots;
    if (slot_row[static_cast<std::size_t>(slot)] == r) return ring.ptr(slot);
    slot_row[static_cast<std::size_t>(slot)] = r;
    detail::prefetch_row(in, r + 1);
    if constexpr (std::is_same_v<T, uchar>) {
      if (lx) {
        int* d = ring.ptr<int>(slot);
        if (cn == 1) horizontal_linear<1>(in.ptr(r), *lx, d, out.cols);
        else if (cn == 3) horizontal_linear<3>(in.ptr(r), *lx, d, out.cols);
        else horizontal_linear<4>(in.ptr(r), *lx, d, out.cols);
        return ring.ptr(slot);
      }
    }
    if (lxf) {
      horizontal_linear_f<T>(in.ptr<T>(r), in.cols * cn, *lxf, ring.ptr<float>(slot), w);
      return ring.ptr(slot);
    }
    if (fixed)
      horizontal<T, int>(in.ptr<T>(r), cn, xt, static_cast<int>(in_rect.x), false, xt.iw, ring.ptr<int>(slot));
    else
      horizontal<T, float>(in.ptr<T>(r), cn, xt, static_cast<int>(in_rect.x), from_zero, xt.w, ring.ptr<float>(slot));
    return ring.ptr(slot);
  };
  const int ny = static_cast<int>(yt.start.size()) - 1;
  for (int y = 0; y < ny; ++y) {
    const int b = yt.start[static_cast<std::size_t>(y)], n = yt.start[static_cast<std::size_t>(y) + 1] - b;
    T* d = out.ptr<T>(y);
    if (fixed) {
      const int* rows[4];
      for (int k = 0; k < n; ++k)
        rows[k] = reinterpret_cast<const int*>(horizontal_row(yt.idx[static_cast<std::size_t>(b + k)] - static_cast<int>(in_rect.y)));
      const short* beta = yt.iw.data() + b;
      int x = 0;
      if (n == 2) {
        auto* d8 = reinterpret_cast<uchar*>(d);
        x = detail::resize_loops().v_linear_u8(rows[0], rows[1], beta[0], beta[1], d8, w);
        for (; x < w; ++x) d8[x] = vertical_fixed(rows, beta, n, x, false);
        continue;
      }
      for (; x < w; ++x)
        d[x] = static_cast<T>(vertical_fixed(rows, beta, n, x, out_rect.x * cn + x < plan.cubic_vector_end));
      continue;
    }
    std::vector<const float*> rows(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k)
      rows[static_cast<std::size_t>(k)] = reinterpret_cast<const float*>(
          horizontal_row(yt.idx[static_cast<std::size_t>(b + k)] - static_cast<int>(in_rect.y)));
    const float* wy = yt.w.data() + b;
    const bool cubic_vector = n == 4;
    int x0 = 0;
    if constexpr (std::is_same_v<T, float>) {
      if (n == 2) x0 = detail::resize_loops().v2_f32(rows[0], rows[1], wy[0], wy[1], d, w);
    } else if constexpr (std::is_same_v<T, ushort>) {
      if (n == 2) x0 = detail::resize_loops().v2_u16(rows[0], rows[1], wy[0], wy[1], d, w);
    }
    for (int x = x0; x < w; ++x) {
      float v = rows[0][x] * wy[0];
      if (cubic_vector && out_rect.x * cn + x < plan.cubic_vector_end)  // OpenCV's cubic vector loop
        v = rows[0][x] * wy[0] + (rows[1][x] * wy[1] + (rows[2][x] * wy[2] + rows[3][x] * wy[3]));
      else
        for (int k = 1; k < n; ++k) v += rows[static_cast<std::size_t>(k)][x] * wy[k];
      d[x] = cv::saturate_cast<T>(v);
    }
  }
}

/// Integer-factor area averaging (OpenCV's fast INTER_AREA path).
template <typename T, typename WT>
void area_fast(const cv::Mat& in, const Rect& in_rect, Size in_size, const ResizePlan& plan, const Rect& out_rect,
               cv::Mat& out) {
  const int cn = in.channels(), sx = plan.iscale_x, sy = plan.iscale_y;
  const std::int64_t full_w = (in_size.w / sx) * cn;  // elements with a whole window inside the image
  // OpenCV's 2x2 special case: integers (a + b + c + d + 2) >> 2 for 1, 3, 4 channels; floats
  // ((a + b) + (c + d)) * 0.25 in its vector loop for 1 or 4 channels.
  const bool two_by_two = sx == 2 && sy == 2 && (std::is_floating_point_v<T> ? cn == 1 || cn == 4 : cn != 2);
  const float inv_area = 1.f / static_cast<float>(sx * sy);
  for (int y = 0; y < out.rows; ++y) {
    const std::int64_t y0 = (out_rect.y + y) * sy;
    const bool full_rows = y0 + sy <= in_size.h;
    const T* s0 = in.ptr<T>(static_cast<int>(y0 - in_rect.y));
    T* d = out.ptr<T>(y);
    int x = 0;
    if constexpr (std::is_same_v<T, uchar>) {
      if (two_by_two && full_rows) {  // whole windows: the vector loop, then the same in scalar
        const int whole = static_cast<int>(std::clamp<std::int64_t>(in_size.w / 2 - out_rect.x, 0, out.cols));
        const uchar* s1 = s0 + in.step;
        const std::int64_t x0 = out_rect.x * 2 - in_rect.x;
        int i = detail::resize_loops().area2_u8(s0 + x0 * cn, s1 + x0 * cn, d, whole, cn);
        for (x = i * cn; x < whole * cn; ++x) {
          const std::int64_t e = x0 * cn + (x / cn) * 2 * cn + x % cn;
          d[x] = static_cast<uchar>((s0[e] + s0[e + cn] + s1[e] + s1[e + cn] + 2) >> 2);
        }
      }
    }
    for (; x < out.cols * cn; ++x) {
      const int c = x % cn;
      const std::int64_t gx = out_rect.x * cn + x;
      const std::int64_t x0 = (gx / cn) * sx - in_rect.x;  // window's first column in the region
      auto at = [&](int dy, int dx) { return s0[static_cast<std::size_t>(dy) * in.step1() + (x0 + dx) * cn + c]; };
      if (full_rows && gx < full_w) {
        if constexpr (std::is_floating_point_v<T>) {
          if (two_by_two && gx < full_w / 4 * 4) {  // the vector loop: 4 elements a step
            d[x] = ((at(0, 0) + at(0, 1)) + (at(1, 0) + at(1, 1))) * 0.25f;
            continue;
          }
        } else if (two_by_two) {
          d[x] = static_cast<T>((at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1) + 2) >> 2);
          continue;
        }
        WT sum = 0;
        int k = 0;
        const int area = sx * sy;
        auto tap = [&](int i) { return at(i / sx, i % sx); };
        for (; k <= area - 4; k += 4) sum += tap(k) + tap(k + 1) + tap(k + 2) + tap(k + 3);
        for (; k < area; ++k) sum += tap(k);
        d[x] = cv::saturate_cast<T>(sum * inv_area);
        continue;
      }
      WT sum = 0;
      int count = 0;
      for (int dy = 0; dy < sy && y0 + dy < in_size.h; ++dy)
        for (int dx = 0; dx < sx && (gx / cn) * sx + dx < in_size.w; ++dx, ++count) sum += at(dy, dx);
      d[x] = cv::saturate_cast<T>(static_cast<float>(sum) / static_cast<float>(count));
    }
  }
}

/// Nearest neighbour: OpenCV 4.6 INTER_NEAREST, source = min(floor(dst * (1 / inv_scale)), len - 1).
void nearest(const cv::Mat& in, const Rect& in_rect, const ResizePlan& plan, const Rect& out_rect, cv::Mat& out) {
  const std::size_t elem = in.elemSize();
  std::vector<int> xs(static_cast<std::size_t>(out.cols));
  for (int x = 0; x < out.cols; ++x)
    xs[static_cast<std::size_t>(x)] = nearest_index(out_rect.x + x, plan.scale_x, plan.in.w) -
                                      static_cast<int>(in_rect.x);
  for (int y = 0; y < out.rows; ++y) {
    const uchar* s = in.ptr(nearest_index(out_rect.y + y, plan.scale_y, plan.in.h) - static_cast<int>(in_rect.y));
    uchar* d = out.ptr(y);
    for (int x = 0; x < out.cols; ++x) std::memcpy(d + x * elem, s + xs[static_cast<std::size_t>(x)] * elem, elem);
  }
}

template <typename T, typename WT>
void resize_region(const cv::Mat& in, const Rect& in_rect, Size in_size, const ResizePlan& plan,
                   const Rect& out_rect, cv::Mat& out) {
  switch (plan.method) {
    case ResizeMethod::Copy: in.copyTo(out); break;
    case ResizeMethod::Nearest: nearest(in, in_rect, plan, out_rect, out); break;
    case ResizeMethod::AreaFast: area_fast<T, WT>(in, in_rect, in_size, plan, out_rect, out); break;
    case ResizeMethod::Separable: separable<T>(in, in_rect, plan, out_rect, out); break;
  }
}

class Resize final : public detail::GeometricKernel {
 public:
  /// scale > 0: fx = fy = scale; otherwise the output size `size`.
  Resize(double scale, Size size, Interp interp) : scale_(scale), size_(size), interp_(interp) {}
  std::string name() const override { return "resize"; }
  Size output_size(std::span<const Size> in) const override {
    if (scale_ <= 0) return size_;
    // As cv::resize with dsize = Size(): round(w * fx), round(h * fy).
    const Size out{cv::saturate_cast<int>(static_cast<double>(in[0].w) * scale_),
                   cv::saturate_cast<int>(static_cast<double>(in[0].h) * scale_)};
    if (out.empty())
      throw UsageError("resize scale=" + cv::format("%g", scale_) + " turns the " + to_string(in[0]) +
                       " image into an empty " + to_string(out) + " one");
    return out;
  }
  Rect input_region(const Rect& out, int, Size in) const override { return source_region(plan(in, CV_8U, 1), out); }

 private:
  /// The plan for this input; the separable methods' tap tables are made once per input size
  /// (every tile of a run asks for them twice) and shared.
  ResizePlan plan(Size in, int depth, int cn) const {
    ResizePlan p = make_plan(in, output_size(std::span<const Size>(&in, 1)), scale_, interp_, depth, cn);
    if (p.method != ResizeMethod::Separable) return p;
    std::lock_guard lock(taps_mutex_);
    if (!taps_ || taps_in_ != in) {
      auto t = std::make_shared<PlanTaps>();
      t->x = whole_axis_taps(p, true);
      t->y = whole_axis_taps(p, false);
      taps_ = std::move(t);
      taps_in_ = in;
    }
    p.taps = taps_;
    return p;
  }
  void compute(const cv::Mat& in, const Rect& in_rect, Size in_size, const Rect& out_rect, Size,
               cv::Mat& out) const override {
    const ResizePlan p = plan(in_size, in.depth(), in.channels());
    switch (in.depth()) {
      case CV_8U: resize_region<uchar, int>(in, in_rect, in_size, p, out_rect, out); break;
      case CV_16U: resize_region<ushort, float>(in, in_rect, in_size, p, out_rect, out); break;
      default: resize_region<float, float>(in, in_rect, in_size, p, out_rect, out); break;
    }
  }
  double scale_;
  Size size_;
  Interp interp_;
  mutable std::mutex taps_mutex_;
  mutable std::shared_ptr<const PlanTaps> taps_;
  mutable Size taps_in_;
};

Interp parse_interp(const std::string& s) {
  return s == "nearest" ? Interp::Nearest : s == "area" ? Interp::Area : s == "cubic" ? Interp::Cubic : Interp::Linear;
}
int cv_interp(const std::string& s) {
  return s == "nearest" ? cv::INTER_NEAREST : s == "area" ? cv::INTER_AREA : s == "cubic" ? cv::INTER_CUBIC : cv::INTER_LINEAR;
}

KernelPtr make_resize(const Params& p) {
  const double scale = p.number("scale");
  const std::int64_t w = p.integer("w"), h = p.integer("h");
  const std::string given = "resize scale=" + cv::format("%g", scale) + " w=" + std::to_string(w) + " h=" + std::to_string(h);
  if (scale > 0 && (w > 0 || h > 0)) throw UsageError(given + ": give either scale= or w= and h=, not both");
  if (scale <= 0 && (w <= 0 || h <= 0)) throw UsageError(given + ": needs scale > 0, or both w >= 1 and h >= 1");
  return std::make_shared<Resize>(scale, Size{w, h}, parse_interp(p.text("interp")));
}

}  // namespace

void register_resize(Registry& r) {
  r.add({.name = "resize",
         .description = "cv::resize to w x h, or by fx = fy = scale; computed per tile with OpenCV 4.6's own "
                        "coefficients and rounding (its SIMD paths included), bit-exact with it",
         .kernel_class = KernelClass::Geometric,
         .params = {detail::real_param("scale", "0", 0, 1000, "fx = fy; 0 = use w and h"),
                    detail::int_param("w", "0", 0, 1 << 30, "output width (with h, instead of scale)"),
                    detail::int_param("h", "0", 0, 1 << 30, "output height (with w, instead of scale)"),
                    detail::choice_param("interp", "linear", {"nearest", "linear", "area", "cubic"}, "interpolation")},
         .types = detail::geometric_types(),
         .make = make_resize,
         .example = "scale=0.7",
         .oracle = [](std::span<const cv::Mat> in, const Params& p) {
           cv::Mat out;
           const double scale = p.number("scale");
           const cv::Size dsize =
               scale > 0 ? cv::Size() : cv::Size(static_cast<int>(p.integer("w")), static_cast<int>(p.integer("h")));
           cv::resize(in[0], out, dsize, scale, scale, cv_interp(p.text("interp")));
           return out;
         }});
}

}  // namespace tessera
