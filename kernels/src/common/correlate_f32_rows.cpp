// The float correlation row stages. OpenCV 4.6's float filters, established by experiment
// (tests/exec/fused_whitebox_test.cpp FloatAndU16CorrelationMatchOpenCV compares every form with
// the OpenCV call on random data): the generic row filter, the symmetric and antisymmetric column filters and Filter2D each
// add one product at a time in a fixed order, in their vector body and scalar tail alike. The
// build dispatched on CPUs with AVX2 is compiled with FMA3 (vector v_muladd, and scalar code
// contracted), so each step there is one fused multiply-add; the SSE builds multiply and add.
// OPENCV_CPU_DISABLE=AVX2 selects the latter, as it lowers our SIMD level too.
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

/// The row pass of one term or two (out = term 0 + term 1, added by the column pass): with two,
/// each element's two sums are stored side by side (a pixel of 2 * cn floats), so that the
/// runtime's border padding moves them together.
class RowPass final : public RowStage {
 public:
  explicit RowPass(std::vector<std::vector<float>> terms)
      : terms_(std::move(terms)), fused_(opencv_filters_fuse_multiply_add()) {
    for (const auto& k : terms_) r_ = std::max(r_, static_cast<int>(k.size()) / 2);
  }
  Halo halo() const override { return {r_, 0}; }
  int out_depth() const override { return CV_32F; }
  int out_channels(int in_channels) const override { return in_channels * static_cast<int>(terms_.size()); }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn;
    if (terms_.size() == 1) {
      one(static_cast<const float*>(rows[0]), terms_[0], static_cast<float*>(out), n, cn);
      return;
    }
    thread_local std::vector<float> a, b;
    a.resize(static_cast<std::size_t>(n));
    b.resize(static_cast<std::size_t>(n));
    one(static_cast<const float*>(rows[0]), terms_[0], a.data(), n, cn);
    one(static_cast<const float*>(rows[0]), terms_[1], b.data(), n, cn);
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
    if (symmetry != 0) outwards.assign(k.begin() + r, k.end());
    else full = std::move(k);
  }
  int r, symmetry;
  std::vector<float> outwards;  ///< symmetric or antisymmetric: k from the centre outwards
  std::vector<float> full;      ///< otherwise: all taps, top to bottom
};

/// The column pass: one term, or the sum of two (each symmetric or antisymmetric) from a row
/// pass of two.
class ColumnPass final : public RowStage {
 public:
  explicit ColumnPass(std::vector<ColumnTaps> terms) : terms_(std::move(terms)), fused_(opencv_filters_fuse_multiply_add()) {
    for (const ColumnTaps& t : terms_) r_ = std::max(r_, t.r);
  }
  Halo halo() const override { return {0, r_}; }
  int out_depth() const override { return CV_32F; }
  int out_channels(int in_channels) const override { return in_channels / static_cast<int>(terms_.size()); }

  void run(const void* const* rows, void* out, int width, int channels) const override {
    const auto* const* src = reinterpret_cast<const float* const*>(rows);
    auto* dst = static_cast<float*>(out);
    if (terms_.size() == 2) {
      two(src, dst, width * channels / 2);
      return;
    }
    const ColumnTaps& t = terms_[0];
    const int n = width * channels;
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

 private:
  /// One (anti)symmetric term at element e of rows holding `stride` floats per element, from
  /// float `at` of each.
  float sum(const float* const* c, const ColumnTaps& t, int e, int stride, int at) const {
    const float* k = t.outwards.data();
    const auto x = static_cast<std::size_t>(e * stride + at);
    float s = t.symmetry > 0 ? mad(k[0], c[0][x], 0.f, fused_) : 0.f;
    for (int i = 1; i <= t.r; ++i)
      s = mad(k[i], t.symmetry > 0 ? c[i][x] + c[-i][x] : c[i][x] - c[-i][x], s, fused_);
    return s;
  }

  void two(const float* const* src, float* dst, int n) const {
    const ColumnTaps &a = terms_[0], &b = terms_[1];
    int e = float_correlate_loops().column2(src, dst, n, a.outwards.data(), a.r, a.symmetry, b.outwards.data(), b.r,
                                            b.symmetry, fused_);
    for (; e < n; ++e) dst[e] = sum(src + r_, a, e, 2, 0) + sum(src + r_, b, e, 2, 1);
  }

  std::vector<ColumnTaps> terms_;
  int r_ = 0;
  bool fused_;
};

struct Tap {
  int dy, dx;
  float k;
};

class Correlate2D final : public RowStage {
 public:
  Correlate2D(std::vector<Tap> taps, Halo halo, float delta)
      : taps_(std::move(taps)), halo_(halo), delta_(delta), fused_(opencv_filters_fuse_multiply_add()) {
    for (const Tap& t : taps_) k_.push_back(t.k);
  }
  Halo halo() const override { return halo_; }
  int out_depth() const override { return CV_32F; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int n = width * cn, count = static_cast<int>(taps_.size());
    thread_local std::vector<const float*> src;
    src.resize(taps_.size());
    for (std::size_t t = 0; t < taps_.size(); ++t)
      src[t] = static_cast<const float*>(rows[taps_[t].dy + halo_.ry]) + (halo_.rx + taps_[t].dx) * cn;
    auto* dst = static_cast<float*>(out);
    for (int e = float_correlate_loops().taps(src.data(), dst, n, k_.data(), count, delta_, fused_); e < n; ++e) {
      float s = delta_;
      for (int t = 0; t < count; ++t) s = mad(k_[static_cast<std::size_t>(t)], src[static_cast<std::size_t>(t)][e], s, fused_);
      dst[e] = s;
    }
  }

 private:
  std::vector<Tap> taps_;
  std::vector<float> k_;
  Halo halo_;
  float delta_;
  bool fused_;
};

}  // namespace

bool opencv_filters_fuse_multiply_add() { return cv::checkHardwareSupport(CV_CPU_AVX2); }

std::vector<RowStagePtr> separable_f32_row_stages(const cv::Mat& kx, const cv::Mat& ky) {
  return separable_f32_row_stages({{kx, ky}});
}

std::vector<RowStagePtr> separable_f32_row_stages(const std::vector<std::pair<cv::Mat, cv::Mat>>& terms) {
  if (terms.empty() || terms.size() > 2) return {};
  std::vector<std::vector<float>> rows;
  std::vector<ColumnTaps> columns;
  for (const auto& [kx, ky] : terms) {
    rows.push_back(floats_of(kx));
    columns.emplace_back(floats_of(ky));
    if (terms.size() == 2 && columns.back().symmetry == 0) return {};  // two terms: (anti)symmetric columns only
  }
  return {std::make_shared<RowPass>(std::move(rows)), std::make_shared<ColumnPass>(std::move(columns))};
}

RowStagePtr correlate_f32_row_stage(const cv::Mat& kernel, double delta) {
  if (kernel.depth() != CV_64F || kernel.channels() != 1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0) return nullptr;
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
                                       static_cast<float>(delta));
}

}  // namespace tessera::detail
