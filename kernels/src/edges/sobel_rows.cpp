// sobel_mag of 8-bit images as one row stage, bit-exact with the OpenCV calls that define it:
// cv::Sobel 3x3 to s16 (integer sums, exact), cv::convertScaleAbs (|v| saturated to 255),
// cv::addWeighted(a, 0.5, b, 0.5, 0) which computes (a + b) / 2 exactly in float and
// rounds half to even: s = a + b odd gives s/2 rounded to the even neighbour.
// The vector loop is in sobel_loops.cpp; the scalar loop here finishes each row.
#include <opencv2/core.hpp>

#include "edges/sobel_loops.hpp"
#include "edges/sobel_rows.hpp"

namespace tessera::detail {

namespace {

/// (s + 1) / 2 when s / 2 rounds up to even, s / 2 otherwise: round half to even of s / 2.
inline int half_to_even(int s) {
  const int q = s >> 1;
  return q + (s & q & 1);
}

class SobelMag final : public RowStage {
 public:
  Halo halo() const override { return {1, 1}; }
  int out_depth() const override { return CV_8U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    // Each row pointer is at the pixel left of the first output; centre column at +cn.
    const auto* up = static_cast<const uchar*>(rows[0]);
    const auto* mid = static_cast<const uchar*>(rows[1]);
    const auto* down = static_cast<const uchar*>(rows[2]);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn, c2 = 2 * cn;
    for (int e = sobel_loops().mag(up, mid, down, dst, n, cn); e < n; ++e) {
      const int gx = (up[e + c2] - up[e]) + 2 * (mid[e + c2] - mid[e]) + (down[e + c2] - down[e]);
      const int gy = (down[e] + 2 * down[e + cn] + down[e + c2]) - (up[e] + 2 * up[e + cn] + up[e + c2]);
      dst[e] = static_cast<uchar>(half_to_even(std::min(std::abs(gx), 255) + std::min(std::abs(gy), 255)));
    }
  }
};

}  // namespace

RowStagePtr sobel_mag_u8_row_stage() {
  static const RowStagePtr stage = std::make_shared<SobelMag>();
  return stage;
}

}  // namespace tessera::detail
