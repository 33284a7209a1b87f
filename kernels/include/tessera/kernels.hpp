/// Built-in kernel families, their registration, and OpKernel: a kernel made from a whole-image function.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <string>

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
  TypeSet types;
  /// Output type for the input types; throw UsageError for an unsupported input.
  /// Default: the type of input 0.
  std::function<PixelType(std::span<const PixelType>)> output_type;
  /// out = op(in). `cv_border` is the OpenCV border flag to pass to stencil calls
  /// (the kernel's mode, plus BORDER_ISOLATED when running on a tile).
  std::function<void(std::span<const cv::Mat> in, cv::Mat& out, int cv_border)> apply;
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

// Kernel families (one file each under kernels/src), and all of them.
void register_filters(Registry& r);    ///< gaussian, box, median, bilateral, filter, sharpen, unsharp
void register_edges(Registry& r);      ///< sobel, scharr, laplacian, sobel_mag, abs
void register_pointwise(Registry& r);  ///< threshold, invert, gamma, convert, clamp
void register_color(Registry& r);      ///< gray, hsv, lab, bgr2rgb
void register_arith(Registry& r);      ///< absdiff, addw (two inputs; C++ pipelines)
void register_morphology(Registry& r); ///< erode, dilate, open, close, tophat, blackhat, morph_gradient
void register_geometric(Registry& r);  ///< crop, resize, pad, pyrdown, flip, rotate90
void register_reduce(Registry& r);     ///< equalize, normalize, stats (reduce-then-map)
void register_global(Registry& r);     ///< canny
void register_builtin_kernels(Registry& r);

}  // namespace tessera
