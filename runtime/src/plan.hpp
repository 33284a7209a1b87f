// Execution plan: how a validated pipeline is cut into passes, and how one tile of a
// tiled pass is computed (backward region inference, forward evaluation).
#pragma once

#include <memory>
#include <vector>

#include "tessera/io.hpp"
#include "tessera/pipeline.hpp"

namespace tessera::detail {

/// One step of a run. A Tiled pass computes node `target` tile by tile from materialised
/// nodes (`inputs`); a Whole pass runs a Global kernel once on its materialised inputs; a
/// Reduce pass computes a ReduceThenMap kernel's merged statistics from the tiles of its
/// materialised input (its map then runs inside later tiled passes).
struct Pass {
  enum class Kind { Tiled, Whole, Reduce } kind = Kind::Tiled;
  NodeId target = 0;
  std::vector<NodeId> nodes;   ///< Tiled: nodes computed per tile, topological order, target last
  std::vector<NodeId> inputs;  ///< materialised nodes read by this pass
};

struct Plan {
  PipelineShape shape;
  std::vector<Pass> passes;
};

/// Cuts the pipeline into passes: Global kernels run whole, ReduceThenMap kernels get a
/// reduce pass over their input, and the maximal tileable regions between them run tiled.
/// Throws UsageError for a ReduceThenMap kernel that is not a ReduceKernel.
Plan make_plan(const Pipeline& pipeline, const PipelineShape& shape);

struct FusedPass;  // fused.hpp

/// Computes output tile `tile` of a Tiled pass. `values[id]` is the Source of each
/// materialised node the pass reads; `reduced[id]` the merged statistics of each
/// ReduceThenMap node. With `fused` (the pass's fuse() result), it runs row by row; the bits
/// are the same either way. Returns the tile's pixels: `dst` itself when it is given (a
/// view of the destination of the tile's size and type), which then holds them.
cv::Mat evaluate_tile(const Pipeline& pipeline, const Plan& plan, const Pass& pass,
                      const std::vector<const Source*>& values, const std::vector<cv::Mat>& reduced,
                      const Rect& tile, const FusedPass* fused = nullptr, cv::Mat dst = {});

/// Fills `out` with region `want` of an image whose pixels `have` (a rectangle of that
/// image, inside it) are in `pixels`; parts of `want` outside the image follow `border`.
/// `want` clipped to the image must lie inside `have`.
void extract_with_border(const cv::Mat& pixels, const Rect& have, const Rect& want, Size image,
                         const Border& border, cv::Mat& out);

}  // namespace tessera::detail
