// The float correlation row stages. OpenCV 4.6's float filters, established by experiment
// (tests/exec/fused_whitebox_test.cpp FloatAndU16CorrelationMatchOpenCV compares every form
// with the OpenCV call on random data): the generic row filter, the symmetric and antisymmetric
// column filters and Filter2D each add one product at a time in a fixed order, in their vector
// body and scalar tail alike. The build dispatched on CPUs with AVX2 is compiled with FMA3
// (vector v_muladd, and scalar code contracted), so each step there is one fused multiply-add;
// the SSE builds multiply and add. OPENCV_CPU_DISABLE=AVX2 selects the latter, as it lowers our
// SIMD level too.
#include "common/correlate_f32_rows.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>

#include "common/correlate_f32_loops.hpp"

namespace tessera::detail {

namespace {

inline float mad(float a, float b, float c, bool fused) { return fused ? std::fma(a, b, c) : a * b + c; }

std::vector<float> floats_of(const cv::Mat& k) {
  cv::Mat f;
  k.reshape(1, 1).convertTo(f, CV_32F);
  return {f.ptr<float>(), f.ptr<float>() + f.total()};
}

/// Elements of a row of `depth` (u8, u16 or f32) as floats: the row itself when it is float,
/// else converted into `buffer` (exact: every u8 and u16 value is a float).
const float* as_floats(const void* row, int depth, int n, std::vector<float>& buffer) {
  if (depth == CV_32F) return static_cast<const float*>(row);
  buffer.resize(static_cast<std::size_t>(n));
  if (depth == CV_8U) {
    const auto* s = static_cast<const uchar*>(row);
    for (int i = 0; i < n; ++i) buffer[static_cast<std::size_t>(i)] = s[i];
  } else {
    const auto* s = static_cast<const ushort*>(row);
    for (int i = 0; i < n; ++i) buffer[static_cast<std::size_t>(i)] = s[i];
  }
  return buffer.data();
}

/// The row pass of one term or two (out = term 0 + term 1, added by the column pass): with two,
/// each element's two sums are stored side by side (a pixel of 2 * cn floats), so that the
/// runtime's border padding moves them together.
class RowPass final : public RowStage {
 public:
  RowPass(std::vector<std::vector<float>> terms, int in_depth)
      : terms_(std::move(terms)), in_depth_(in_depth), fused_(opencv_filters_fuse_multiply_add()) {
    for (const auto& k : terms_) r_ = std::max(r_, static_cast<int>(k.size()) / 2);
  }
  Halo halo() const override { return {r_, 0}; }
  int out_depth() const override { return CV_32F; }
  int out_channels(int in_channels) const override { return in_channels * static_cast<int>(terms_.size()); }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn;
    thread_local std::vector<float> converted;
    const float* src = as_floats(rows[0], in_depth_, (width + 2 * r_) * cn, converted);
    if (terms_.size() == 1) {
      one(src, terms_[0], static_cast<float*>(out), n, cn);
      return;
    }
    thread_local std::vector<float> a, b;
    a.resize(static_cast<std::size_t>(n));
    b.resize(static_cast<std::size_t>(n));
    one(src, terms_[0], a.data(), n, cn);
    one(src, terms_[1], b.data(), n, cn);
    auto* dst = static_cast<float*>(out);
    for (int e = float_correlate_loops().interleave(a.data(), b.data(), dst, n); e < n; ++e) {
      dst[2 * e] = a[static_cast<std::size_t>(e)];
      dst[2 * e + 1] = b[static_cast<std::size_t>(e)];
    }
  }

 private:
  /// One term's sums; `src` is the input at the row pass's widest reach.
  void one(const float* src, const std::vector<float>& k, float* dst, int n, int cn) const {
    src += (r_ - static_cast<int>(k.size()) / 2) * cn;
    const int taps = static_cast<int>(k.size());
    for (int e = float_correlate_loops().row(src, dst, n, cn, k.data(), taps, fused_); e < n; ++e) {
      float s = 0;
      for (int t = 0; t < taps; ++t) s = mad(src[e + t * cn], k[static_cast<std::size_t>(t)], s, fused_);
      dst[e] = s;
    }
  }

  std::vector<std::vector<float>> terms_;
  int in_depth_;
  int r_ = 0;
  bool fused_;
};

/// A column kernel as OpenCV's column filters see it.
struct ColumnTaps {
  explicit ColumnTaps(std::vector<float> k) : r(static_cast<int>(k.size()) / 2) {
    const auto n = k.size();
    bool symmetric = true, antisymmetric = true;
    for (std::size_t i = 0; i < n; ++i) {
      symmetric = symmetric && k[i] == k[n - 1 - i];
      antisymmetric = antisymmetric && k[i] == -k[n - 1 - i];
    }
    // OpenCV tests symmetry first; an all-zero kernel is both and adds as a symmetric one.
    symmetry = symmetric ? 1 : antisymmetric ? -1 : 0;
    if (symmetry != 0)
      outwards.assign(k.begin() + r, k.end());
    else
      full = std::move(k);
  }
  int r, symmetry;
  std::vector<float> outwards;  ///< symmetric or antisymmetric: k from the centre outwards
  std::vector<float> full;      ///< otherwise: all taps, top to bottom
};

/// The column pass: one term, or the sum of two (each symmetric or antisymmetric) from a row
/// pass of two.
class ColumnPass final : public RowStage {
 public:
  ColumnPass(std::vector<ColumnTaps> terms, int out_depth)
      : terms_(std::move(terms)), out_depth_(out_depth), fused_(opencv_filters_fuse_multiply_add()) {
    for (const ColumnTaps& t : terms_) r_ = std::max(r_, t.r);
  }
  Halo halo() const override { return {0, r_}; }
  int out_depth() const override { return out_depth_; }
  int out_channels(int in_channels) const override { return in_channels / static_cast<int>(terms_.size()); }

  void run(const void* const* rows, void* out, int width, int channels) const override {
    const int n = width * channels / static_cast<int>(terms_.size());
    if (out_depth_ == CV_32F) {
      sums(reinterpret_cast<const float* const*>(rows), static_cast<float*>(out), n);
      return;
    }
    // OpenCV's cast of the float sums (cvRound, saturated), through its own conversion.
    thread_local std::vector<float> sum_row;
    sum_row.resize(static_cast<std::size_t>(n));
    sums(reinterpret_cast<const float* const*>(rows), sum_row.data(), n);
    cv::Mat to(1, n, out_depth_, out);
    cv::Mat(1, n, CV_32F, sum_row.data()).convertTo(to, out_depth_);
  }

 private:
  void sums(const float* const* src, float* dst, int n) const {
    if (terms_.size() == 2) {
      two(src, dst, n);
      return;
    }
    const ColumnTaps& t = terms_[0];
    if (t.symmetry == 0) {
      const int taps = 2 * t.r + 1;
      for (int e = float_correlate_loops().taps(src, dst, n, t.full.data(), taps, 0.f, fused_); e < n; ++e) {
        float s = 0;
        for (int j = 0; j < taps; ++j) s = mad(t.full[static_cast<std::size_t>(j)], src[j][e], s, fused_);
        dst[e] = s;
      }
      return;
    }
    for (int e = float_correlate_loops().column(src, dst, n, t.outwards.data(), t.r, t.symmetry, fused_); e < n; ++e)
      dst[e] = sum(src + r_, t, e, 1, 0);
  }

  /// One (anti)symmetric term at element e of rows holding `stride` floats per element, from
  /// float `at` of each.
  float sum(const float* const* c, const ColumnTaps& t, int e, int stride, int at) const {
    const float* k = t.outwards.data();
    const auto x = static_cast<std::size_t>(e * stride + at);
    float s = t.symmetry > 0 ? mad(k[0], c[0][x], 0.f, fused_) : 0.f;
    for (int i = 1; i <= t.r; ++i) s = mad(k[i], t.symmetry > 0 ? c[i][x] + c[-i][x] : c[i][x] - c[-i][x], s, fused_);
    return s;
  }

  void two(const float* const* src, float* dst, int n) const {
    const ColumnTaps &a = terms_[0], &b = terms_[1];
    int e = float_correlate_loops().column2(src, dst, n, a.outwards.data(), a.r, a.symmetry, b.outwards.data(), b.r,
                                            b.symmetry, fused_);
    for (; e < n; ++e) dst[e] = sum(src + r_, a, e, 2, 0) + sum(src + r_, b, e, 2, 1);
  }

  std::vector<ColumnTaps> terms_;
  int out_depth_;
  int r_ = 0;
  bool fused_;
};

struct Tap {
  int dy, dx;
  float k;
};

/// filter2D: delta + each non-zero tap times its pixel, a multiply-add each, on u8, u16 or f32
/// rows (as floats), cast to the output depth as OpenCV casts (round half to even, saturated).
class Correlate2D final : public RowStage {
 public:
  Correlate2D(std::vector<Tap> taps, Halo halo, float delta, int in_depth, int out_depth)
      : taps_(std::move(taps)),
        halo_(halo),
        delta_(delta),
        in_depth_(in_depth),
        out_depth_(out_depth),
        fused_(opencv_filters_fuse_multiply_add()) {
    for (const Tap& t : taps_) k_.push_back(t.k);
  }
  Halo halo() const override { return halo_; }
  int out_depth() const override { return out_depth_; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn, count = static_cast<int>(taps_.size()), window = 2 * halo_.ry + 1;
    thread_local std::vector<std::vector<float>> converted;
    thread_local std::vector<const float*> row, src;
    thread_local std::vector<float> sums;
    converted.resize(static_cast<std::size_t>(window));
    row.resize(static_cast<std::size_t>(window));
    for (int j = 0; j < window; ++j)
      row[static_cast<std::size_t>(j)] =
          as_floats(rows[j], in_depth_, (width + 2 * halo_.rx) * cn, converted[static_cast<std::size_t>(j)]);
    src.resize(taps_.size());
    for (std::size_t t = 0; t < taps_.size(); ++t)
      src[t] = row[static_cast<std::size_t>(taps_[t].dy + halo_.ry)] + (halo_.rx + taps_[t].dx) * cn;
    float* dst = static_cast<float*>(out);
    if (out_depth_ != CV_32F) {
      sums.resize(static_cast<std::size_t>(n));
      dst = sums.data();
    }
    for (int e = float_correlate_loops().taps(src.data(), dst, n, k_.data(), count, delta_, fused_); e < n; ++e) {
      float s = delta_;
      for (int t = 0; t < count; ++t)
        s = mad(k_[static_cast<std::size_t>(t)], src[static_cast<std::size_t>(t)][e], s, fused_);
      dst[e] = s;
    }
    if (out_depth_ == CV_32F) return;
    // OpenCV's cast (cvRound, saturated), through its own conversion of the row.
    const cv::Mat from(1, n, CV_32F, dst);
    cv::Mat to(1, n, out_depth_, out);
    from.convertTo(to, out_depth_);
  }

 private:
  std::vector<Tap> taps_;
  std::vector<float> k_;
  Halo halo_;
  float delta_;
  int in_depth_, out_depth_;
  bool fused_;
};

}  // namespace

bool opencv_filters_fuse_multiply_add() { return cv::checkHardwareSupport(CV_CPU_AVX2); }

std::vector<RowStagePtr> separable_f32_row_stages(const cv::Mat& kx, const cv::Mat& ky, int in_depth) {
  return separable_f32_row_stages({{kx, ky}}, in_depth);
}

std::vector<RowStagePtr> separable_f32_row_stages(const std::vector<std::pair<cv::Mat, cv::Mat>>& terms, int in_depth,
                                                  int out_depth) {
  if (terms.empty() || terms.size() > 2) return {};
  if (in_depth != CV_8U && in_depth != CV_16U && in_depth != CV_32F) return {};
  if (out_depth != CV_32F && out_depth != CV_16S) return {};
  std::vector<std::vector<float>> rows;
  std::vector<ColumnTaps> columns;
  for (const auto& [kx, ky] : terms) {
    rows.push_back(floats_of(kx));
    columns.emplace_back(floats_of(ky));
    if (terms.size() == 2 && columns.back().symmetry == 0) return {};  // two terms: (anti)symmetric columns only
  }
  return {std::make_shared<RowPass>(std::move(rows), in_depth),
          std::make_shared<ColumnPass>(std::move(columns), out_depth)};
}

RowStagePtr correlate_f32_row_stage(const cv::Mat& kernel, double delta, int in_depth, int out_depth) {
  if (kernel.depth() != CV_64F || kernel.channels() != 1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0)
    return nullptr;
  const bool depths_ok =
      in_depth == CV_32F ? out_depth == CV_32F
                         : (in_depth == CV_8U || in_depth == CV_16U) && (out_depth == in_depth || out_depth == CV_32F);
  if (!depths_ok) return nullptr;
  std::vector<Tap> taps;
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      const auto k = static_cast<float>(kernel.at<double>(y, x));
      if (k != 0) taps.push_back({y - kernel.rows / 2, x - kernel.cols / 2, k});
    }
  // OpenCV keeps one (zero) tap of an all-zero kernel, its top-left: delta + 0 * x, NaN at an
  // infinite or NaN pixel.
  if (taps.empty()) taps.push_back({-(kernel.rows / 2), -(kernel.cols / 2), 0.f});
  return std::make_shared<Correlate2D>(std::move(taps), Halo{kernel.cols / 2, kernel.rows / 2},
                                       static_cast<float>(delta), in_depth, out_depth);
}

}  // namespace tessera::detail
