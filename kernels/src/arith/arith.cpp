// Two-input arithmetic: absdiff, addw. They join branches of a C++-built pipeline DAG.
#include <opencv2/core.hpp>

#include "common/param_helpers.hpp"
#include "arith/add_weighted_rows.hpp"
#include "common/row_kernels.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::real_param;

PixelType same_two(std::span<const PixelType> in) {
  require_type(in[0], {CV_8U, CV_16U}, {1, 2, 3, 4});
  if (!(in[1] == in[0])) throw UsageError("inputs differ in type: " + in[0].str() + " and " + in[1].str());
  return in[0];
}

/// |a - b| of two u8 or u16 rows: a two-input row stage (exact, as cv::absdiff).
template <class T>
class AbsDiffRows final : public RowStage {
 public:
  Halo halo() const override { return {}; }
  int out_depth() const override { return cv::DataType<T>::depth; }
  void run(const void* const* rows, void* out, int width, int cn) const override {
    const auto* a = static_cast<const T*>(rows[0]);
    const auto* b = static_cast<const T*>(rows[1]);
    auto* d = static_cast<T*>(out);
    for (int i = 0, n = width * cn; i < n; ++i) d[i] = static_cast<T>(a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]);
  }
};

KernelPtr make_absdiff(const Params&) {
  OpSpec s;
  s.name = "absdiff";
  s.arity = 2;
  s.output_type = same_two;
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::absdiff(in[0], in[1], out); };
  return detail::with_row_stages(make_op_kernel(std::move(s)),
                                 detail::depth_rows({{CV_8U, {std::make_shared<AbsDiffRows<uchar>>()}},
                                                     {CV_16U, {std::make_shared<AbsDiffRows<ushort>>()}}}));
}

KernelPtr make_addw(const Params& p) {
  const double a = p.number("alpha"), b = p.number("beta"), g = p.number("gamma");
  OpSpec s;
  s.name = "addw";
  s.arity = 2;
  s.output_type = same_two;
  s.apply = [a, b, g](std::span<const cv::Mat> in, cv::Mat& out, int) {
    if (in[0].depth() == CV_8U) detail::add_weighted_u8(in[0], a, in[1], b, g, out);  // tileable (row_kernels.hpp)
    else cv::addWeighted(in[0], a, in[1], b, g, out);
  };
  return detail::with_row_stages(make_op_kernel(std::move(s)), detail::u8_rows(detail::add_weighted_u8_row_stage(a, b, g)));
}

}  // namespace

void detail::register_arith(Registry& r) {
  r.add({.name = "absdiff",
         .description = "|a - b| of two inputs (cv::absdiff)",
         .kernel_class = KernelClass::Pointwise,
         .types = {{CV_8U, CV_16U}, {1, 2, 3, 4}},
         .make = make_absdiff});
  r.add({.name = "addw",
         .description = "alpha*a + beta*b + gamma of two inputs, saturated (cv::addWeighted; u8 as its vector loop "
                        "computes it, float fused multiply-adds, at every position: its scalar loop rounds some "
                        "weights differently, so its bits depend on the tiling)",
         .kernel_class = KernelClass::Pointwise,
         .params = {real_param("alpha", "0.5", -1e6, 1e6, "weight of the first input"),
                    real_param("beta", "0.5", -1e6, 1e6, "weight of the second input"),
                    real_param("gamma", "0", -1e9, 1e9, "added constant")},
         .types = {{CV_8U, CV_16U}, {1, 2, 3, 4}},
         .make = make_addw});
}

}  // namespace tessera
