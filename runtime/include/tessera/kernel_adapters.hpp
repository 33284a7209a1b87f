/// Kernel adapters: kernels made from a whole-image function (OpSpec), from a pointwise function, or by forwarding to another kernel.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tessera/kernel.hpp"
#include "tessera/registry.hpp"

namespace tessera {

/// A kernel defined by what it does to whole images, usually one OpenCV call.
///
/// Pointwise ops run on each tile as is. Stencil ops run on the tile grown by `halo`
/// (the runtime has already filled the part outside the image per `border`) and the
/// interior is kept, so the tiled result equals apply() on the whole image, bit for bit,
/// provided apply() is a true stencil of radius <= halo. Global ops run once on the
/// whole image.
struct OpSpec {
  std::string name;
  KernelClass kernel_class = KernelClass::Pointwise;  ///< Pointwise, Stencil or Global
  Halo halo{};
  Border border{};
  int arity = 1;
  /// Types input 0 accepts (checked before output_type); empty = output_type checks.
  TypeSet types{};
  /// Output type for the input types; throw UsageError for an unsupported input.
  /// Default: the type of input 0.
  std::function<PixelType(std::span<const PixelType>)> output_type{};
  /// out = op(in). `cv_border` is the OpenCV border flag to pass to stencil calls
  /// (the kernel's mode, plus BORDER_ISOLATED when running on a tile).
  std::function<void(std::span<const cv::Mat> in, cv::Mat& out, int cv_border)> apply{};
  /// Stencils only: apply() takes the pixels around a view from the image the view lies in,
  /// as OpenCV's filters do when `cv_border` lacks BORDER_ISOLATED. Each tile is then
  /// computed directly: apply() gets views of the tile's own pixels inside the regions
  /// grown by `halo`, and the tile's output to write, instead of computing the grown region
  /// and keeping its interior. Set it only for ops whose every call honours the surroundings
  /// with the same bits (cv::filter2D, sepFilter2D, blur, Sobel, Scharr, Laplacian, float
  /// GaussianBlur, a single erode or dilate; not cv::medianBlur, which always replicates the
  /// view's own edge, nor 8/16-bit GaussianBlur, which on a view leaves its bit-exact
  /// fixed-point code for a float one).
  bool reads_around_view = false;
};

/// Builds an immutable kernel from `spec`; throws UsageError if the spec is incomplete.
KernelPtr make_op_kernel(OpSpec spec);

/// A one-input pointwise kernel: out = apply(in) on each tile. `output_type` maps the
/// input type to the output type (default: unchanged).
KernelPtr make_pointwise(std::string name, TypeSet types, std::function<void(const cv::Mat&, cv::Mat&)> apply,
                         std::function<PixelType(const PixelType&)> output_type = {});

/// Throws UsageError unless the input's depth and channel count are among those listed,
/// e.g. "needs u8 input with 1, 3 or 4 channels, got f32x1".
void require_type(const PixelType& in, std::initializer_list<int> depths, std::initializer_list<int> channels);
void require_type(const PixelType& in, const TypeSet& types);

/// A kernel that forwards every call to another one: derive from it to change one aspect
/// of an existing kernel (its border, its row stages) and keep everything else.
class ForwardingKernel : public Kernel {
 public:
  explicit ForwardingKernel(KernelPtr base) : base_(std::move(base)) {}

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
  /// Only while this kernel extends its inputs as its base does: the base reads around its
  /// views with its own border, which a subclass that changes border() would not match. A
  /// subclass that replaces process() must override this too (false unless its own process
  /// reads around views).
  bool reads_around_view() const override {
    const Border mine = border(), theirs = base_->border();
    return base_->reads_around_view() && mine.mode == theirs.mode && mine.value == theirs.value;
  }
  void process(const TileIO& io) const override { base_->process(io); }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return base_->reference(in); }
  std::vector<RowStagePtr> row_stages(const PixelType& in, Size in_size) const override {
    return base_->row_stages(in, in_size);
  }

 protected:
  const Kernel& base() const { return *base_; }

 private:
  KernelPtr base_;
};

}  // namespace tessera
