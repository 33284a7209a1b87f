// saturate_u8(|a x + b|) of s16 values with integer a and b, exact in 32-bit integers: the
// vector loop (sobel_loops.cpp), then the same per value. (The plain loop alone, left to the
// compiler, took a third of `gaussian | sobel | abs | threshold` on u8.)
#include "edges/abs_rows.hpp"
#include "edges/sobel_loops.hpp"

#include <cmath>
#include <cstdlib>

#include <opencv2/core.hpp>

namespace tessera::detail {

namespace {

class AbsS16 final : public RowStage {
 public:
  AbsS16(int a, int b) : a_(a), b_(b) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* src = static_cast<const short*>(rows[0]);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn, a = a_, b = b_;
    for (int e = sobel_loops().abs_s16(src, dst, n, a, b); e < n; ++e) {
      const int v = std::abs(a * src[e] + b);
      dst[e] = static_cast<uchar>(v < 255 ? v : 255);
    }
  }

 private:
  int a_, b_;
};

}  // namespace

RowStagePtr abs_s16_row_stage(double scale, double offset) {
  if (scale != std::floor(scale) || offset != std::floor(offset)) return nullptr;
  if (std::fabs(scale) * 32768 + std::fabs(offset) >= (1 << 24)) return nullptr;
  return std::make_shared<AbsS16>(static_cast<int>(scale), static_cast<int>(offset));
}

}  // namespace tessera::detail
