// The bilateral filter (bilateral.hpp). The tile path pads the tile, splits its channels into
// planes and runs the per-row core on each row; the row stage splits the 2r+1 rows it is given
// and runs the same core, so both give the same bits.
#include "filters/bilateral.hpp"

#include <cmath>
#include <cstdlib>

#include <opencv2/core.hpp>

#include "common/channel_loops.hpp"
#include "filters/bilateral_loops.hpp"

namespace tessera::detail {

namespace {

/// One pixel of the 8-bit filter, as the vector loops compute each lane.
void pixel_u8(const BilateralRow& r, int x) {
  float sum[3] = {0, 0, 0}, wsum = 0;
  for (int k = 0; k < r.taps; ++k) {
    int d = 0;
    for (int c = 0; c < r.cn; ++c) d += std::abs(int(r.src[c][k][x]) - int(r.centre[c][x]));
    const float w = r.space_w[k] * r.color_w[d];
    wsum = wsum + w;
    for (int c = 0; c < r.cn; ++c) sum[c] = sum[c] + static_cast<float>(r.src[c][k][x]) * w;
  }
  for (int c = 0; c < r.cn; ++c) r.dst[x * r.cn + c] = cv::saturate_cast<uchar>(cvRound(sum[c] / wsum));
}

/// One pixel of the float filter, as the vector loops compute each lane.
void pixel_f32(const BilateralRowF& r, int x) {
  float sum[3] = {0, 0, 0}, wsum = 0;
  const float last = static_cast<float>(r.bins);
  for (int k = 0; k < r.taps; ++k) {
    float d = 0;
    for (int c = 0; c < r.cn; ++c) d = d + std::abs(r.src[c][k][x] - r.centre[c][x]);
    float idx = d * r.inv_bin;
    idx = idx < last ? idx : last;  // NaN -> last, as the vector min
    const int i = static_cast<int>(std::floor(idx));
    const float f = idx - static_cast<float>(i);
    const float w = r.space_w[k] * (r.table[i] + f * (r.table[i + 1] - r.table[i]));
    wsum = wsum + w;
    for (int c = 0; c < r.cn; ++c) sum[c] = sum[c] + r.src[c][k][x] * w;
  }
  for (int c = 0; c < r.cn; ++c) r.dst[x * r.cn + c] = sum[c] / wsum;
}

/// The filter as a row stage: the input rows' channels split into planes (thread-local
/// buffers, by vector deinterleaving) for the per-row core. Each input row is split once for
/// every output row that reads it; vector loads make that a few percent of the filter.
template <typename T>
class BilateralRows final : public RowStage {
 public:
  explicit BilateralRows(std::shared_ptr<const Bilateral> filter) : filter_(std::move(filter)), r_(filter_->radius()) {}
  Halo halo() const override { return {r_, r_}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const int window = 2 * r_ + 1, wide = width + 2 * r_;
    const auto plane_size = static_cast<std::size_t>(wide);
    thread_local std::vector<T> planes;
    thread_local std::vector<const T*> pointers;
    pointers.resize(static_cast<std::size_t>(3 * window));
    if (cn == 1) {
      for (int j = 0; j < window; ++j) pointers[static_cast<std::size_t>(j)] = static_cast<const T*>(rows[j]);
    } else {
      planes.resize(3 * static_cast<std::size_t>(window) * plane_size);
      for (int j = 0; j < window; ++j) {
        const T* src = static_cast<const T*>(rows[j]);
        T* plane[3];
        for (int c = 0; c < 3; ++c) {
          plane[c] = planes.data() + static_cast<std::size_t>(c * window + j) * plane_size;
          pointers[static_cast<std::size_t>(c * window + j)] = plane[c];
        }
        split_channels(src, plane, 3, wide);
      }
    }
    const T* const* window_of[3] = {pointers.data(), pointers.data() + window, pointers.data() + 2 * window};
    filter_->row(window_of, static_cast<T*>(out), width, cn);
  }

 private:
  std::shared_ptr<const Bilateral> filter_;
  int r_;
};

}  // namespace

Bilateral::Bilateral(int radius, double sigma_color, double sigma_space)
    : r_(radius), color_coeff_(-0.5 / (sigma_color * sigma_color)) {
  const double space_coeff = -0.5 / (sigma_space * sigma_space);
  for (int dy = -r_; dy <= r_; ++dy)
    for (int dx = -r_; dx <= r_; ++dx) {
      const double dist = std::sqrt(double(dx * dx + dy * dy));
      if (dist > r_) continue;
      taps_.push_back({dx, dy, std::exp(dist * dist * space_coeff)});
      space_w_.push_back(static_cast<float>(taps_.back().w));
    }
  for (int i = 0; i < 256 * 3; ++i) color_w_.push_back(static_cast<float>(std::exp(i * i * color_coeff_)));
  const double far = std::sqrt(104 / -color_coeff_);  // exp(-104) is below the smallest float
  for (int i = 0; i <= kFloatBins; ++i) {
    const double d = far * i / kFloatBins;
    color_table_.push_back(static_cast<float>(std::exp(d * d * color_coeff_)));
  }
  color_table_.push_back(0.f);  // read (with weight 0) at the last bin
  inv_bin_ = static_cast<float>(kFloatBins / far);
}

template <typename T>
void Bilateral::row(const T* const* const* window, T* dst, int n, int cn) const {
  const int taps = static_cast<int>(taps_.size());
  thread_local std::vector<const T*> ptrs;
  ptrs.resize(static_cast<std::size_t>(cn * taps));
  auto fill = [&](auto& row) {
    row.cn = cn;
    row.taps = taps;
    row.space_w = space_w_.data();
    row.n = n;
    row.dst = dst;
    for (int c = 0; c < cn; ++c) {
      for (int k = 0; k < taps; ++k)
        ptrs[static_cast<std::size_t>(c * taps + k)] =
            window[c][r_ + taps_[static_cast<std::size_t>(k)].dy] + r_ + taps_[static_cast<std::size_t>(k)].dx;
      row.src[c] = ptrs.data() + c * taps;
      row.centre[c] = window[c][r_] + r_;
    }
  };
  if constexpr (sizeof(T) == 1) {
    BilateralRow row;
    row.color_w = color_w_.data();
    fill(row);
    for (int x = bilateral_loops().row(row); x < n; ++x) pixel_u8(row, x);
  } else {
    BilateralRowF row;
    row.table = color_table_.data();
    row.inv_bin = inv_bin_;
    row.bins = kFloatBins;
    fill(row);
    for (int x = bilateral_loops().row_f32(row); x < n; ++x) pixel_f32(row, x);
  }
}

template void Bilateral::row<uchar>(const uchar* const* const*, uchar*, int, int) const;
template void Bilateral::row<float>(const float* const* const*, float*, int, int) const;

void Bilateral::operator()(const cv::Mat& src, cv::Mat& dst, int border) const {
  cv::Mat padded = tile_scratch(src.rows + 2 * r_, src.cols + 2 * r_, src.type());
  cv::copyMakeBorder(src, padded, r_, r_, r_, r_, border);
  dst.create(src.size(), src.type());
  const int cn = dst.channels(), window = 2 * r_ + 1;
  cv::Mat planes[3];
  if (cn == 1)
    planes[0] = padded;
  else {
    for (int c = 0; c < cn; ++c) planes[c] = tile_scratch(padded.rows, padded.cols, src.depth());
    cv::split(padded, planes);
  }
  auto run = [&](auto zero) {
    using T = decltype(zero);
    std::vector<const T*> rows(static_cast<std::size_t>(cn * window));
    const T* const* window_of[3] = {rows.data(), rows.data() + window, rows.data() + 2 * window};
    for (int y = 0; y < dst.rows; ++y) {
      for (int c = 0; c < cn; ++c)
        for (int j = 0; j < window; ++j) rows[static_cast<std::size_t>(c * window + j)] = planes[c].ptr<T>(y + j);
      row(window_of, dst.ptr<T>(y), dst.cols, cn);
    }
  };
  if (src.depth() == CV_8U)
    run(uchar{});
  else
    run(float{});
}

RowStagePtr bilateral_row_stage(std::shared_ptr<const Bilateral> filter, int depth) {
  if (depth == CV_8U) return std::make_shared<BilateralRows<uchar>>(std::move(filter));
  if (depth == CV_32F) return std::make_shared<BilateralRows<float>>(std::move(filter));
  return nullptr;
}

}  // namespace tessera::detail
