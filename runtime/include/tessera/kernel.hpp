/// Kernel: a named image operation, its class (how tiling treats it), its region mapping and its implementations.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/geometry.hpp"

namespace tessera {

/// Element depth and channel count of an image, e.g. 8-bit 3-channel.
struct PixelType {
  int depth = 0;     ///< OpenCV depth: CV_8U, CV_16U, CV_16S, CV_32F, ...
  int channels = 1;  ///< 1..4

  int cv_type() const;                  ///< CV_MAKETYPE(depth, channels)
  static PixelType of(const cv::Mat& m);
  std::string str() const;              ///< e.g. "u8x3", "s16x1", "f32x1"
  /// The depth alone, e.g. "u8", "f32" ("?" for a depth tessera does not name).
  static std::string depth_name(int depth);
  friend bool operator==(const PixelType&, const PixelType&) = default;
};

/// `r` as a cv::Rect, to crop the cv::Mats of a tile (whose coordinates fit in int).
inline cv::Rect to_cv_rect(const Rect& r) {
  return {static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.w), static_cast<int>(r.h)};
}

/// How the runtime tiles a kernel (DESIGN.md, "Kernel classes").
enum class KernelClass {
  Pointwise,     ///< output pixel depends on the same input pixel
  Stencil,       ///< output pixel depends on a (2rx+1)x(2ry+1) neighbourhood
  Geometric,     ///< output rect maps to an input rect through the kernel's own mapping
  ReduceThenMap, ///< per-tile partials, merged, then a per-tile map with the merged result
  Global,        ///< output may depend on the whole image: input is materialised whole
};
std::string to_string(KernelClass c);

/// What a kernel sees when it processes one output region.
///
/// in[i] holds exactly the region `in_rect[i]` of input i (the rectangle returned by
/// Kernel::input_region for `out_rect`); parts of it outside the input image are already
/// filled according to Kernel::border(). The kernel writes `out`, of size out_rect.
/// A kernel whose reads_around_view() is true may instead get in_rect[i] clipped to the
/// image (see there).
struct TileIO {
  std::span<const cv::Mat> in;
  std::span<const Rect> in_rect;
  std::span<const Size> in_size;  ///< full size of each input image
  Rect out_rect;                  ///< in the output image's coordinates
  Size out_size;                  ///< full size of the output image
  cv::Mat& out;
};

/// One step of row-wise (fused) execution (DESIGN.md, "Execution"): computes one output row
/// from the 2*ry+1 input rows centred on it. Immutable and thread-safe.
class RowStage {
 public:
  virtual ~RowStage() = default;
  /// Window radius: output row y, columns [x, x+w) reads input rows y-ry..y+ry, columns
  /// [x-rx, x+w+rx). The runtime resolves rows and columns outside the image by the kernel's
  /// border() relative to the true image edge, so a stage never tests for edges.
  virtual Halo halo() const = 0;
  /// OpenCV depth of the output elements (the input depth is the previous stage's output,
  /// or the kernel's input type for the first stage).
  virtual int out_depth() const = 0;
  /// Channels of the output for input pixels of `in_channels` (default: the same, as for
  /// every stencil; a colour conversion such as gray changes them).
  virtual int out_channels(int in_channels) const { return in_channels; }
  /// rows[j] points at input row y-ry+j, column x-rx (channels interleaved); writes
  /// `width` pixels (width*out_channels(channels) elements) to `out`. `channels` are the
  /// input's.
  virtual void run(const void* const* rows, void* out, int width, int channels) const = 0;
  /// The border this stage's input must be extended by past the image edge where it is not
  /// its kernel's border() (erosion of floats needs OpenCV's constant +FLT_MAX, while its
  /// integer stages read the kernel's reflection or replication); empty for the kernel's.
  virtual std::optional<Border> border() const { return std::nullopt; }
};
using RowStagePtr = std::shared_ptr<const RowStage>;

/// A configured operation (parameters already bound). Immutable and thread-safe:
/// process() is called concurrently from many tile tasks.
class Kernel {
 public:
  virtual ~Kernel() = default;

  /// Registry name, e.g. "gaussian".
  virtual std::string name() const = 0;
  virtual KernelClass kernel_class() const = 0;
  /// Number of input images (1 for most kernels).
  virtual int arity() const { return 1; }

  /// Output pixel type for the given input types; throws UsageError naming the
  /// unsupported type (the pipeline adds the stage name).
  virtual PixelType output_type(std::span<const PixelType> in) const = 0;
  /// Output image size for the given input sizes (same as input 0 unless geometric).
  virtual Size output_size(std::span<const Size> in) const { return in[0]; }

  /// Stencil radius (zero for pointwise kernels).
  virtual Halo halo() const { return {}; }
  /// The region of input `input` needed to produce `out`. May extend beyond the
  /// input image; the runtime clips it and fills the rest with border().
  virtual Rect input_region(const Rect& out, int input, Size in_size) const;
  /// How this kernel's inputs are extended beyond their image edge.
  virtual Border border() const { return {}; }
  /// True when process() computes the output from the pixels around its input views, as
  /// OpenCV's filters do without BORDER_ISOLATED: it may then get an input region clipped
  /// to the image instead of a padded copy, as a view whose memory holds the image's pixels
  /// around it and ends at the image's edges where it was clipped (OpenCV extends it there by
  /// border(), as on the whole image). It finds its output's pixels at out_rect relative to
  /// in_rect. Default false: inputs are always the whole region, padded.
  virtual bool reads_around_view() const { return false; }

  /// Computes io.out from io.in (see TileIO). For Global kernels it is called once
  /// with the whole input images.
  virtual void process(const TileIO& io) const = 0;

  /// The operation on whole images, as the OpenCV call that defines it: the oracle
  /// every tiled result is compared with.
  virtual cv::Mat reference(std::span<const cv::Mat> in) const = 0;

  /// Optional row-wise implementation for fused execution: stages that, applied one after
  /// another row by row, give exactly the bits of process() for input type `in` in an image
  /// of size `in_size`. Empty (the default): this kernel runs tile at a time only.
  virtual std::vector<RowStagePtr> row_stages(const PixelType& in, Size in_size) const {
    (void)in, (void)in_size;
    return {};
  }
};

using KernelPtr = std::shared_ptr<const Kernel>;

/// Memory for a kernel's temporaries while it computes one tile (Kernel::process): a rows x
/// cols image of `type` that the run reuses from tile to tile, so that tiles do not pay for
/// fresh pages. Valid until the runtime has evaluated the current tile (a tile output that is
/// a view of it is copied first); outside a run, a new image.
cv::Mat tile_scratch(int rows, int cols, int type);

/// A reduce-then-map kernel (equalize, normalize, stats). The runtime runs it in two
/// passes: pass 1 computes partial() on every tile of its input, merged pairwise in a
/// reduction tree; pass 2 maps every output tile with the merged result. merge() must be
/// exact, associative and commutative (integer histograms, min/max), so the result does
/// not depend on the tiling.
class ReduceKernel : public Kernel {
 public:
  KernelClass kernel_class() const final { return KernelClass::ReduceThenMap; }

  /// Statistics of one tile of input 0 (pixels inside the image only).
  virtual cv::Mat partial(const cv::Mat& tile) const = 0;
  /// Folds `part` into `acc` (`acc` starts empty: then it becomes `part`).
  virtual void merge(cv::Mat& acc, const cv::Mat& part) const = 0;
  /// Writes io.out (io.in[0] is the same region of the input) using the merged statistics.
  virtual void map(const TileIO& io, const cv::Mat& merged) const = 0;
  /// The merged statistics as a JSON object, for kernels whose result is data (stats);
  /// empty for the others.
  virtual std::string result_json(const cv::Mat& merged) const { (void)merged; return {}; }

  /// The whole image in one go: partial, then map.
  void process(const TileIO& io) const override {
    cv::Mat acc;
    merge(acc, partial(io.in[0]));
    map(io, acc);
  }
};

}  // namespace tessera
