// Short constructors for OpSpec kernels, shared by the kernel family files.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <utility>

#include <opencv2/core/mat.hpp>

#include "tessera/kernel_adapters.hpp"

namespace tessera::detail {

using ApplyFn = std::function<void(std::span<const cv::Mat> in, cv::Mat& out, int cv_border)>;
using OutputTypeFn = std::function<PixelType(std::span<const PixelType>)>;

/// Whether a stencil's apply() reads the pixels around a view (OpSpec::reads_around_view).
enum class Surroundings { Isolated, Read };

/// A stencil kernel of the given halo: `apply` gets the tile grown by `halo`, filled per
/// `border` (or, with Surroundings::Read, views of the tile inside it). `types` is checked
/// first, then `output_type` (default: the input type).
inline KernelPtr stencil_kernel(std::string name, Halo halo, TypeSet types, ApplyFn apply,
                                OutputTypeFn output_type = {}, Border border = {},
                                Surroundings surroundings = Surroundings::Isolated) {
  OpSpec s;
  s.name = std::move(name);
  s.kernel_class = KernelClass::Stencil;
  s.halo = halo;
  s.border = border;
  s.types = std::move(types);
  s.output_type = std::move(output_type);
  s.apply = std::move(apply);
  s.reads_around_view = surroundings == Surroundings::Read;
  return make_op_kernel(std::move(s));
}

/// A pointwise kernel with `arity` inputs (input 0's type is checked against `types`).
inline KernelPtr pointwise_kernel(std::string name, TypeSet types, ApplyFn apply, OutputTypeFn output_type = {},
                                  int arity = 1) {
  OpSpec s;
  s.name = std::move(name);
  s.kernel_class = KernelClass::Pointwise;
  s.arity = arity;
  s.types = std::move(types);
  s.output_type = std::move(output_type);
  s.apply = std::move(apply);
  return make_op_kernel(std::move(s));
}

/// `t` with its depth replaced (same channel count).
inline PixelType with_depth(PixelType t, int depth) {
  t.depth = depth;
  return t;
}

}  // namespace tessera::detail
