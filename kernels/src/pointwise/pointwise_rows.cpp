// Pointwise row stages on u16 and f32 (pointwise_rows.hpp): threshold and clamp as plain loops
// (the compiler vectorises them) that follow OpenCV's definitions, and any cheap per-value
// operation applied to one row at a time.
#include "pointwise/pointwise_rows.hpp"

#include <algorithm>
#include <climits>

#include <opencv2/imgproc.hpp>

namespace tessera::detail {

namespace {

/// x > t: maxval or 0 (binary), 0 or maxval (binary_inv), t or x (trunc), x or 0 (tozero),
/// 0 or x (tozero_inv), as OpenCV's threshold loops compare.
template <typename T>
class ThresholdRows final : public RowStage {
 public:
  ThresholdRows(T thresh, T maxval, int type) : t_(thresh), max_(maxval), type_(type) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const T* s = static_cast<const T*>(rows[0]);
    T* d = static_cast<T*>(out);
    const int n = width * cn;
    const T t = t_, m = max_;
    switch (type_) {
      case cv::THRESH_BINARY: for (int i = 0; i < n; ++i) d[i] = s[i] > t ? m : T(0); break;
      case cv::THRESH_BINARY_INV: for (int i = 0; i < n; ++i) d[i] = s[i] > t ? T(0) : m; break;
      case cv::THRESH_TRUNC: for (int i = 0; i < n; ++i) d[i] = s[i] > t ? t : s[i]; break;
      case cv::THRESH_TOZERO: for (int i = 0; i < n; ++i) d[i] = s[i] > t ? s[i] : T(0); break;
      default: for (int i = 0; i < n; ++i) d[i] = s[i] > t ? T(0) : s[i]; break;
    }
  }

 private:
  T t_, max_;
  int type_;
};

/// Every value the same (`constant`), or a copy (`copy`): OpenCV's answers for a u16 threshold
/// outside [0, 65535).
class FillRows final : public RowStage {
 public:
  FillRows(bool copy, ushort constant) : copy_(copy), constant_(constant) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return CV_16U; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* s = static_cast<const ushort*>(rows[0]);
    auto* d = static_cast<ushort*>(out);
    if (copy_) std::copy(s, s + width * cn, d);
    else std::fill(d, d + width * cn, constant_);
  }

 private:
  bool copy_;
  ushort constant_;
};

template <typename T>
class ClampRows final : public RowStage {
 public:
  ClampRows(T lo, T hi) : lo_(lo), hi_(hi) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const T* s = static_cast<const T*>(rows[0]);
    T* d = static_cast<T*>(out);
    const T lo = lo_, hi = hi_;
    // As the vector instructions of cv::max and cv::min take them (maxps, minps: a NaN gives
    // the second operand), so a NaN becomes lo.
    for (int i = 0; i < width * cn; ++i) {
      const T v = s[i] > lo ? s[i] : lo;
      d[i] = v < hi ? v : hi;
    }
  }

 private:
  T lo_, hi_;
};

class OpRows final : public RowStage {
 public:
  OpRows(std::function<void(const cv::Mat&, cv::Mat&)> op, int in_depth, int out_depth)
      : op_(std::move(op)), in_depth_(in_depth), out_depth_(out_depth) {}
  Halo halo() const override { return {}; }
  int out_depth() const override { return out_depth_; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const cv::Mat in(1, width, CV_MAKETYPE(in_depth_, cn), const_cast<void*>(rows[0]));
    cv::Mat dst(1, width, CV_MAKETYPE(out_depth_, cn), out);
    op_(in, dst);
    // The op writes into the given row (its size and type match); should it make its own
    // image instead, its pixels are copied.
    if (dst.data != out) dst.copyTo(cv::Mat(1, width, CV_MAKETYPE(out_depth_, cn), out));
  }

 private:
  std::function<void(const cv::Mat&, cv::Mat&)> op_;
  int in_depth_, out_depth_;
};

}  // namespace

RowStagePtr threshold_row_stage(int depth, double thresh, double maxval, int type) {
  if (depth == CV_32F)
    return std::make_shared<ThresholdRows<float>>(static_cast<float>(thresh), static_cast<float>(maxval), type);
  if (depth != CV_16U) return nullptr;
  // cv::threshold (thresh.cpp, OpenCV 4.6) on 16-bit unsigned images.
  const int ithresh = cvFloor(thresh);
  int imaxval = cvRound(maxval);
  if (type == cv::THRESH_TRUNC) imaxval = ithresh;
  imaxval = cv::saturate_cast<ushort>(imaxval);
  if (ithresh < 0 || ithresh >= USHRT_MAX) {
    if (type == cv::THRESH_BINARY || type == cv::THRESH_BINARY_INV ||
        ((type == cv::THRESH_TRUNC || type == cv::THRESH_TOZERO_INV) && ithresh < 0) ||
        (type == cv::THRESH_TOZERO && ithresh >= USHRT_MAX)) {
      const int v = type == cv::THRESH_BINARY       ? (ithresh >= USHRT_MAX ? 0 : imaxval)
                    : type == cv::THRESH_BINARY_INV ? (ithresh >= USHRT_MAX ? imaxval : 0)
                                                    : 0;
      return std::make_shared<FillRows>(false, static_cast<ushort>(v));
    }
    return std::make_shared<FillRows>(true, 0);
  }
  return std::make_shared<ThresholdRows<ushort>>(static_cast<ushort>(ithresh), static_cast<ushort>(imaxval), type);
}

RowStagePtr clamp_row_stage(int depth, double lo, double hi) {
  if (depth == CV_16U)
    return std::make_shared<ClampRows<ushort>>(cv::saturate_cast<ushort>(lo), cv::saturate_cast<ushort>(hi));
  if (depth == CV_32F)
    return std::make_shared<ClampRows<float>>(cv::saturate_cast<float>(lo), cv::saturate_cast<float>(hi));
  return nullptr;
}

RowStagePtr op_row_stage(std::function<void(const cv::Mat& in, cv::Mat& out)> op, int in_depth, int out_depth) {
  return std::make_shared<OpRows>(std::move(op), in_depth, out_depth);
}

}  // namespace tessera::detail
