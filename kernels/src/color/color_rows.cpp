// 8-bit gray and channel swap as row stages, bit-exact with cv::cvtColor (OpenCV 4.6): gray is
// (3735 B + 19235 G + 9798 R + 2^14) >> 15, the 15-bit fixed-point weights of cvtColor's
// RGB2Gray<uchar> (its vector code and scalar tail alike; tests/kernels/oracle_test.cpp).
#include "color/color_rows.hpp"

#include <opencv2/core.hpp>

namespace tessera::detail {

namespace {

constexpr int kShift = 15, kB = 3735, kG = 19235, kR = 9798;

class GrayU8 final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }
  int out_channels(int) const override { return 1; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* s = static_cast<const uchar*>(rows[0]);
    auto* d = static_cast<uchar*>(out);
    if (cn == 3) convert<3>(s, d, width);
    else convert<4>(s, d, width);
  }

 private:
  template <int CN>
  static void convert(const uchar* s, uchar* d, int width) {
    for (int x = 0; x < width; ++x, s += CN)
      d[x] = static_cast<uchar>((s[0] * kB + s[1] * kG + s[2] * kR + (1 << (kShift - 1))) >> kShift);
  }
};

class SwapRbU8 final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* s = static_cast<const uchar*>(rows[0]);
    auto* d = static_cast<uchar*>(out);
    if (cn == 3) swap<3>(s, d, width);
    else swap<4>(s, d, width);
  }

 private:
  template <int CN>
  static void swap(const uchar* s, uchar* d, int width) {
    for (int x = 0; x < width; ++x, s += CN, d += CN) {
      d[0] = s[2];
      d[1] = s[1];
      d[2] = s[0];
      if constexpr (CN == 4) d[3] = s[3];
    }
  }
};

}  // namespace

RowStagePtr gray_u8_row_stage() { return std::make_shared<GrayU8>(); }
RowStagePtr swap_rb_u8_row_stage() { return std::make_shared<SwapRbU8>(); }

}  // namespace tessera::detail
