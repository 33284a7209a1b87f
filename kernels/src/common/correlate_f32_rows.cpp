// The float correlation row stages. OpenCV 4.6's float filters, established by experiment
// (tests/kernels/correlate_f32_test.cpp compares every form with the OpenCV call on random
// data): the generic row filter, the symmetric and antisymmetric column filters and Filter2D each
// add one product at a time in a fixed order, in their vector body and scalar tail alike. The
// build dispatched on CPUs with AVX2 is compiled with FMA3 (vector v_muladd, and scalar code
// contracted), so each step there is one fused multiply-add; the SSE builds multiply and add.
// OPENCV_CPU_DISABLE=AVX2 selects the latter, as it lowers our SIMD level too.
#include "common/correlate_f32_rows.hpp"

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

class RowPass final : public RowStage {
 public:
  explicit RowPass(std::vector<float> k) : k_(std::move(k)), fused_(opencv_filters_fuse_multiply_add()) {}
  Halo halo() const override { return {static_cast<int>(k_.size()) / 2, 0}; }
  int out_depth() const override { return CV_32F; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* src = static_cast<const float*>(rows[0]);
    auto* dst = static_cast<float*>(out);
    const int n = width * cn, taps = static_cast<int>(k_.size());
    for (int e = float_correlate_loops().row(src, dst, n, cn, k_.data(), taps, fused_); e < n; ++e) {
      float s = 0;
      for (int t = 0; t < taps; ++t) s = mad(src[e + t * cn], k_[static_cast<std::size_t>(t)], s, fused_);
      dst[e] = s;
    }
  }

 private:
  std::vector<float> k_;
  bool fused_;
};

class ColumnPass final : public RowStage {
 public:
  explicit ColumnPass(std::vector<float> k) : r_(static_cast<int>(k.size()) / 2), fused_(opencv_filters_fuse_multiply_add()) {
    const auto n = k.size();
    bool symmetric = true, antisymmetric = true;
    for (std::size_t i = 0; i < n; ++i) {
      symmetric = symmetric && k[i] == k[n - 1 - i];
      antisymmetric = antisymmetric && k[i] == -k[n - 1 - i];
    }
    // OpenCV tests symmetry first; an all-zero kernel is both and adds as a symmetric one.
    symmetry_ = symmetric ? 1 : antisymmetric ? -1 : 0;
    if (symmetry_ != 0) outwards_.assign(k.begin() + r_, k.end());
    else full_ = std::move(k);
  }
  Halo halo() const override { return {0, r_}; }
  int out_depth() const override { return CV_32F; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const float* const*>(rows);
    auto* dst = static_cast<float*>(out);
    const int n = width * cn;
    if (symmetry_ == 0) {
      const int taps = 2 * r_ + 1;
      for (int e = float_correlate_loops().taps(src, dst, n, full_.data(), taps, 0.f, fused_); e < n; ++e) {
        float s = 0;
        for (int t = 0; t < taps; ++t) s = mad(full_[static_cast<std::size_t>(t)], src[t][e], s, fused_);
        dst[e] = s;
      }
      return;
    }
    const float* const* c = src + r_;
    const float* k = outwards_.data();
    for (int e = float_correlate_loops().column(src, dst, n, k, r_, symmetry_, fused_); e < n; ++e) {
      float s = symmetry_ > 0 ? mad(k[0], c[0][e], 0.f, fused_) : 0.f;
      for (int i = 1; i <= r_; ++i)
        s = mad(k[i], symmetry_ > 0 ? c[i][e] + c[-i][e] : c[i][e] - c[-i][e], s, fused_);
      dst[e] = s;
    }
  }

 private:
  int r_, symmetry_ = 0;
  bool fused_;
  std::vector<float> outwards_;  ///< symmetric or antisymmetric: k from the centre outwards
  std::vector<float> full_;      ///< otherwise: all taps, top to bottom
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

bool opencv_filters_fuse_multiply_add() {
  static const bool fused = cv::checkHardwareSupport(CV_CPU_AVX2);
  return fused;
}

std::vector<RowStagePtr> separable_f32_row_stages(const cv::Mat& kx, const cv::Mat& ky) {
  return {std::make_shared<RowPass>(floats_of(kx)), std::make_shared<ColumnPass>(floats_of(ky))};
}

RowStagePtr correlate_f32_row_stage(const cv::Mat& kernel, double delta) {
  if (kernel.depth() != CV_64F || kernel.channels() != 1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0) return nullptr;
  std::vector<Tap> taps;
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      const auto k = static_cast<float>(kernel.at<double>(y, x));
      if (k != 0) taps.push_back({y - kernel.rows / 2, x - kernel.cols / 2, k});
    }
  return std::make_shared<Correlate2D>(std::move(taps), Halo{kernel.cols / 2, kernel.rows / 2},
                                       static_cast<float>(delta));
}

}  // namespace tessera::detail
