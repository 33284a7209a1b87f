// 8-bit gray and channel swap as row stages: OpenCV's own vectorised loops (cv::hal, what
// cv::cvtColor runs) on one row. Its u8 gray is (3735 B + 19235 G + 9798 R + 2^14) >> 15 in its
// vector code and scalar tail alike, so a row gives the bits of the whole image
// (tests/exec/fused_whitebox_test.cpp).
#include "color/color_rows.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc/hal/hal.hpp>

namespace tessera::detail {

namespace {

class GrayU8 final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }
  int out_channels(int) const override { return 1; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* s = static_cast<const uchar*>(rows[0]);
    cv::hal::cvtBGRtoGray(s, static_cast<std::size_t>(width * cn), static_cast<uchar*>(out),
                          static_cast<std::size_t>(width), width, 1, CV_8U, cn, false);
  }
};

class SwapRbU8 final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* s = static_cast<const uchar*>(rows[0]);
    const auto step = static_cast<std::size_t>(width * cn);
    cv::hal::cvtBGRtoBGR(s, step, static_cast<uchar*>(out), step, width, 1, CV_8U, cn, cn, true);
  }
};

}  // namespace

RowStagePtr gray_u8_row_stage() { return std::make_shared<GrayU8>(); }
RowStagePtr swap_rb_u8_row_stage() { return std::make_shared<SwapRbU8>(); }

}  // namespace tessera::detail
