// Execution plan: how a validated pipeline is cut into passes (tile_eval.hpp computes one
// tile of a tiled pass).
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

}  // namespace tessera::detail
