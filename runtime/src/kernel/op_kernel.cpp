// OpKernel: the adapter that turns a whole-image function into a tileable kernel; make_pointwise; require_type.
#include <opencv2/core.hpp>

#include "exec/scratch.hpp"
#include "tessera/error.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

class OpKernel final : public Kernel {
 public:
  explicit OpKernel(OpSpec spec) : spec_(std::move(spec)) {}

  std::string name() const override { return spec_.name; }
  KernelClass kernel_class() const override { return spec_.kernel_class; }
  int arity() const override { return spec_.arity; }
  PixelType output_type(std::span<const PixelType> in) const override {
    if (!spec_.types.depths.empty()) require_type(in[0], spec_.types);
    return spec_.output_type ? spec_.output_type(in) : in[0];
  }
  Halo halo() const override { return spec_.halo; }
  Border border() const override { return spec_.border; }
  bool reads_around_view() const override { return spec_.kernel_class == KernelClass::Stencil && spec_.reads_around_view; }

  void process(const TileIO& io) const override {
    const int mode = static_cast<int>(spec_.border.mode);
    if (spec_.kernel_class != KernelClass::Stencil) {
      spec_.apply(io.in, io.out, mode);  // io.out is allocated: the op writes straight into it
      return;
    }
    if (spec_.reads_around_view) {
      // Only the tile's own pixels are computed, straight into io.out; the op reads the
      // halo from around the views (the input may be clipped to the image: see
      // Kernel::reads_around_view).
      std::vector<cv::Mat> views(io.in.size());
      for (std::size_t i = 0; i < views.size(); ++i)
        views[i] = io.in[i](cv::Rect(static_cast<int>(io.out_rect.x - io.in_rect[i].x),
                                     static_cast<int>(io.out_rect.y - io.in_rect[i].y), static_cast<int>(io.out_rect.w),
                                     static_cast<int>(io.out_rect.h)));
      spec_.apply(views, io.out, mode);
      return;
    }
    const cv::Rect own(spec_.halo.rx, spec_.halo.ry, static_cast<int>(io.out_rect.w), static_cast<int>(io.out_rect.h));
    // The op computes the whole grown region (into a buffer the run reuses), of which the
    // tile keeps its interior.
    cv::Mat result = detail::scratch_mat(io.in[0].rows, io.in[0].cols, io.out.type());
    spec_.apply(io.in, result, mode | cv::BORDER_ISOLATED);
    if (result.rows < own.y + own.height || result.cols < own.x + own.width)
      throw KernelError(spec_.name + ": produced a " + std::to_string(result.cols) + "x" + std::to_string(result.rows) +
                            " image from a " + std::to_string(io.in[0].cols) + "x" + std::to_string(io.in[0].rows) +
                            " region",
                        io.out_rect);
    result(own).copyTo(io.out);
  }

  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    spec_.apply(in, out, static_cast<int>(spec_.border.mode));
    return out;
  }

 private:
  OpSpec spec_;
};

}  // namespace

KernelPtr make_op_kernel(OpSpec spec) {
  if (spec.name.empty()) throw UsageError("make_op_kernel: the kernel needs a name");
  if (!spec.apply) throw UsageError("make_op_kernel: '" + spec.name + "' needs apply");
  if (spec.kernel_class != KernelClass::Pointwise && spec.kernel_class != KernelClass::Stencil &&
      spec.kernel_class != KernelClass::Global)
    throw UsageError("make_op_kernel: '" + spec.name + "' is " + to_string(spec.kernel_class) +
                     "; OpSpec makes pointwise, stencil or global kernels");
  if (spec.halo.rx < 0 || spec.halo.ry < 0) throw UsageError("make_op_kernel: '" + spec.name + "' has a negative halo");
  if (spec.kernel_class == KernelClass::Pointwise && !(spec.halo == Halo{}))
    throw UsageError("make_op_kernel: pointwise '" + spec.name + "' cannot have a halo");
  if (spec.arity < 1) throw UsageError("make_op_kernel: '" + spec.name + "' needs at least one input");
  return std::make_shared<OpKernel>(std::move(spec));
}

KernelPtr make_pointwise(std::string name, TypeSet types, std::function<void(const cv::Mat&, cv::Mat&)> apply,
                         std::function<PixelType(const PixelType&)> output_type) {
  OpSpec s;
  s.name = std::move(name);
  s.types = std::move(types);
  if (output_type) s.output_type = [f = std::move(output_type)](std::span<const PixelType> in) { return f(in[0]); };
  s.apply = [f = std::move(apply)](std::span<const cv::Mat> in, cv::Mat& out, int) { f(in[0], out); };
  return make_op_kernel(std::move(s));
}

void require_type(const PixelType& in, std::initializer_list<int> depths, std::initializer_list<int> channels) {
  require_type(in, TypeSet{depths, channels});
}

void require_type(const PixelType& in, const TypeSet& types) {
  if (types.contains(in)) return;
  std::string ds, cs;
  for (int d : types.depths) {
    if (!ds.empty()) ds += '/';
    ds += PixelType::depth_name(d);
  }
  const auto& ch = types.channels;
  for (std::size_t i = 0; i < ch.size(); ++i)
    cs += (i == 0 ? "" : (i + 1 == ch.size() ? " or " : ", ")) + std::to_string(ch[i]);
  throw UsageError("needs " + ds + " input with " + cs + " channel" + (ch.size() > 1 || ch[0] != 1 ? "s" : "") +
                   ", got " + in.str());
}

}  // namespace tessera
