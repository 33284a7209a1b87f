// The 8-bit median row stage: vector sorting networks (median_loops.cpp) for most of each row,
// the same network in scalar code for the rest.
#include "filters/median_rows.hpp"

#include <algorithm>

#include "filters/median_loops.hpp"
#include "filters/median_network.hpp"

namespace tessera::detail {

namespace {

template <int K>
void median_scalar(const uchar* const* rows, uchar* dst, int from, int n, int cn) {
  static constexpr auto net = median_comparators<K>();
  static constexpr int slot = median_slot<K>();
  for (int e = from; e < n; ++e) {
    uchar v[K * K];
    for (int dy = 0; dy < K; ++dy)
      for (int dx = 0; dx < K; ++dx) v[dy * K + dx] = rows[dy][e + dx * cn];
    for (const auto& [a, b] : net) {
      const uchar lo = std::min(v[a], v[b]), hi = std::max(v[a], v[b]);
      v[a] = lo;
      v[b] = hi;
    }
    dst[e] = v[slot];
  }
}

class MedianU8 final : public RowStage {
 public:
  explicit MedianU8(int k) : k_(k) {}
  Halo halo() const override { return {k_ / 2, k_ / 2}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* const* src = reinterpret_cast<const uchar* const*>(rows);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn;
    const int done = median_loops().median(src, dst, n, cn, k_);
    if (k_ == 3) median_scalar<3>(src, dst, done, n, cn);
    else median_scalar<5>(src, dst, done, n, cn);
  }

 private:
  int k_;
};

}  // namespace

RowStagePtr median_u8_row_stage(int ksize) {
  return ksize == 3 || ksize == 5 ? std::make_shared<MedianU8>(ksize) : nullptr;
}

}  // namespace tessera::detail
