// Fused row-wise execution of a tiled pass (DESIGN.md, "Execution"): a chain of kernels that
// all offer row stages runs inside one tile task with a small rolling row buffer per stage.
#pragma once

#include <optional>
#include <vector>

#include "plan.hpp"

namespace tessera::detail {

/// The row stages of a fusable pass, in execution order, with what each needs of its input.
struct FusedChain {
  struct Step {
    RowStagePtr stage;
    BorderMode border;  ///< the owning kernel's border, for this stage's input
  };
  std::vector<Step> steps;
  NodeId input = 0;  ///< the materialised node the chain reads
  Size size;         ///< image size, the same for every stage (pointwise and stencil only)
  int channels = 1;
  int in_depth = 0;
};

/// The chain for `pass` when every node of it is a one-input pointwise or stencil kernel
/// fed by the previous one, offers row stages for its input, and extends its input by
/// replication or reflection; nullopt otherwise (the pass then runs tile at a time).
std::optional<FusedChain> fused_chain(const Pipeline& pipeline, const Plan& plan, const Pass& pass);

/// Computes output tile `tile` of the pass with the chain, row by row: the same bits as
/// evaluate_tile. `input` is the chain's materialised input. The rows go straight into
/// `dst` when it is given (a view of the tile's size and type), else into a new image.
cv::Mat evaluate_tile_fused(const FusedChain& chain, const Source& input, const Rect& tile, cv::Mat dst = {});

}  // namespace tessera::detail
