// The table-lookup row stage of 8-bit images (threshold, gamma, invert): exact by construction,
// the table being the OpenCV call applied to every possible input.
#include <algorithm>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "pointwise/lut_loops.hpp"
#include "pointwise/lut_rows.hpp"

namespace tessera::detail {

namespace {

}  // namespace

std::optional<LutProgram> fit_lut_program(const std::array<uchar, 256>& t) {
  std::vector<LutProgram> candidates;
  candidates.push_back({.flip = t[0]});                                  // identity, x ^ c (invert)
  if (t[0] <= t[255]) candidates.push_back({.lo = t[0], .hi = t[255]});  // clamp, truncation
  if (255 - t[0] <= 255 - t[255])                                        // clamp, then invert
    candidates.push_back({.lo = static_cast<uchar>(255 - t[0]), .hi = static_cast<uchar>(255 - t[255]), .flip = 255});
  const int offset = int(t[128]) - 128;  // saturating offsets
  candidates.push_back({.add = static_cast<uchar>(std::max(offset, 0)), .sub = static_cast<uchar>(std::max(-offset, 0))});
  int first = 256, last = -1;  // where the table differs from identity
  for (int x = 0; x < 256; ++x)
    if (t[x] != x) first = std::min(first, x), last = x;
  if (last >= 0) {
    candidates.push_back({.level = static_cast<uchar>(last), .keep_below = 0});  // zero up to a level
    if (first > 0) candidates.push_back({.level = static_cast<uchar>(first - 1), .keep_above = 0});  // zero above
  }
  for (const LutProgram& p : candidates) {
    bool same = true;
    for (int x = 0; x < 256 && same; ++x) same = p(static_cast<uchar>(x)) == t[x];
    if (same) return p;
  }
  return std::nullopt;
}

namespace {

/// out = table[in]. When the table is a step (low up to some level, high above it, as
/// binary thresholds are) the row is a vector select; when a LutProgram computes it, its few
/// vector operations; else byte shuffles.
class LutU8 final : public RowStage {
 public:
  explicit LutU8(const std::array<uchar, 256>& table) : table_(table) {
    low_ = table_[0];
    level_ = 0;
    while (level_ < 255 && table_[level_ + 1] == low_) ++level_;
    high_ = level_ < 255 ? table_[level_ + 1] : low_;
    step_ = true;
    for (int i = level_ + 1; i < 256; ++i) step_ = step_ && table_[i] == high_;
    if (!step_) program_ = fit_lut_program(table_);
  }
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_8U; }

  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* src = static_cast<const uchar*>(rows[0]);
    auto* dst = static_cast<uchar*>(out);
    const int n = width * cn;
    int e = step_      ? lut_loops().step(src, dst, n, static_cast<uchar>(level_), low_, high_)
            : program_ ? lut_loops().program(src, dst, n, *program_)
                       : lut_loops().lut(src, dst, n, table_.data());
    for (; e < n; ++e) dst[e] = table_[src[e]];
  }

 private:
  std::array<uchar, 256> table_;
  uchar low_ = 0, high_ = 0;
  int level_ = 0;
  bool step_ = false;
  std::optional<LutProgram> program_;
};

}  // namespace

RowStagePtr table_u8_row_stage(const std::function<void(const cv::Mat& in, cv::Mat& out)>& op) {
  cv::Mat all(1, 256, CV_8U), table;
  for (int i = 0; i < 256; ++i) all.at<uchar>(i) = static_cast<uchar>(i);
  op(all, table);
  CV_Assert(table.total() == 256 && table.channels() == 1 && table.isContinuous());
  // Only 8-bit results: their lookup is a vector shuffle. A scalar gather into wider values
  // ran at half the speed of OpenCV's own vectorised conversions (bench/RESULTS.md).
  return table.depth() == CV_8U ? lut_u8_row_stage(table) : nullptr;
}

RowStagePtr lut_u8_row_stage(const std::array<uchar, 256>& table) { return std::make_shared<LutU8>(table); }

RowStagePtr lut_u8_row_stage(const cv::Mat& table) {
  CV_Assert(table.total() == 256 && table.type() == CV_8UC1 && table.isContinuous());
  std::array<uchar, 256> t;
  std::copy(table.ptr<uchar>(), table.ptr<uchar>() + 256, t.begin());
  return lut_u8_row_stage(t);
}

RowStagePtr threshold_u8_row_stage(double thresh, double maxval, int type) {
  cv::Mat all(1, 256, CV_8U), out;
  for (int i = 0; i < 256; ++i) all.at<uchar>(i) = static_cast<uchar>(i);
  cv::threshold(all, out, thresh, maxval, type);
  return lut_u8_row_stage(out);
}

}  // namespace tessera::detail
