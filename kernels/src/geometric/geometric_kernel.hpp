// Shared base of the geometric kernels (geometric.cpp, resize.cpp): type checks, process() and
// reference() expressed through one compute() on a region.
#pragma once

#include <span>
#include <string>

#include <opencv2/core.hpp>

#include "tessera/kernel_adapters.hpp"

namespace tessera {

/// Registers resize (resize.cpp); called by register_geometric.
void register_resize(Registry& r);

namespace detail {

/// u8, u16, f32 with 1, 3 or 4 channels.
inline TypeSet geometric_types() { return {{CV_8U, CV_16U, CV_32F}, {1, 3, 4}}; }

/// Asks for row `row` of `m` (if it has one) ahead of its turn: a tile reads short pieces of
/// rows far apart, which the hardware prefetchers do not see coming (bench/RESULTS.md, issue
/// 12 fourth session: resize f32 1.6x at 512² tiles 21 -> 18-19.7 ms, pyrdown f32x3 13 -> 10.7 ms).
inline void prefetch_row(const cv::Mat& m, int row) {
  if (row < 0 || row >= m.rows) return;
  const uchar* p = m.ptr(row);
  for (std::size_t b = 0; b < m.cols * m.elemSize(); b += 64) __builtin_prefetch(p + b);
}

/// A geometric kernel of one input whose output type is its input type. Subclasses give the
/// output size, the input region and compute(); process() and, by default, reference() (the
/// same computation on the whole image) follow.
class GeometricKernel : public Kernel {
 public:
  KernelClass kernel_class() const override { return KernelClass::Geometric; }
  PixelType output_type(std::span<const PixelType> in) const override;
  void process(const TileIO& io) const override;
  cv::Mat reference(std::span<const cv::Mat> in) const override;

 protected:
  /// Writes `out` (already allocated, the region `out_rect` of an `out_size` output) from
  /// `in`, which holds the region `in_rect` of an `in_size` input.
  virtual void compute(const cv::Mat& in, const Rect& in_rect, Size in_size, const Rect& out_rect, Size out_size,
                       cv::Mat& out) const = 0;
};

}  // namespace detail
}  // namespace tessera
