// with_row_stages: attaches row stages to an existing kernel without changing anything else.
#include "row_kernels.hpp"

namespace tessera::detail {

namespace {

/// Forwards every Kernel call to `base`; adds row_stages().
class WithRows final : public Kernel {
 public:
  WithRows(KernelPtr base, RowFactory rows) : base_(std::move(base)), rows_(std::move(rows)) {}

  std::string name() const override { return base_->name(); }
  KernelClass kernel_class() const override { return base_->kernel_class(); }
  int arity() const override { return base_->arity(); }
  PixelType output_type(std::span<const PixelType> in) const override { return base_->output_type(in); }
  Size output_size(std::span<const Size> in) const override { return base_->output_size(in); }
  Halo halo() const override { return base_->halo(); }
  Rect input_region(const Rect& out, int input, Size in_size) const override {
    return base_->input_region(out, input, in_size);
  }
  Border border() const override { return base_->border(); }
  void process(const TileIO& io) const override { base_->process(io); }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return base_->reference(in); }
  std::vector<RowStagePtr> row_stages(const PixelType& in, Size in_size) const override {
    return rows_(in, in_size);
  }

 private:
  KernelPtr base_;
  RowFactory rows_;
};

}  // namespace

KernelPtr with_row_stages(KernelPtr base, RowFactory rows) {
  return std::make_shared<WithRows>(std::move(base), std::move(rows));
}

RowFactory u8_rows(RowStagePtr stage) {
  return [stage = std::move(stage)](const PixelType& in, Size) {
    return in.depth == CV_8U && stage ? std::vector<RowStagePtr>{stage} : std::vector<RowStagePtr>{};
  };
}

}  // namespace tessera::detail
