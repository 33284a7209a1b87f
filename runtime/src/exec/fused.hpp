// Fused row-wise execution of a tiled pass (DESIGN.md, "Execution"): the kernels of a pass
// that all offer row stages run inside one tile task, row by row, each stage keeping only a
// small rolling window of rows, so intermediates stay in cache. The stages form a DAG (a
// two-input stage reads two earlier levels, as unsharp's combine reads the image and its
// blur), not only a chain.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan.hpp"

namespace tessera::detail {

/// The row stages of a fusable pass. Level 0 holds the pass's input; step s computes level
/// s + 1 from the levels it reads; the last level is the pass's output.
struct FusedPass {
  struct Step {
    RowStagePtr stage;
    std::vector<int> inputs;  ///< levels read, one window of 2*ry+1 rows each, in kernel input order
  };
  std::vector<Step> steps;
  /// Per level: the border its readers extend it by past the image edge (they agree).
  std::vector<Border> borders;
  NodeId input = 0;   ///< the node the pass reads: materialised, or computed tile at a time
  NodeId output = 0;  ///< the node the last level is
  std::vector<NodeId> nodes;  ///< the nodes it computes, in order
  std::string label;          ///< "fused: gaussian | sobel_mag", how a trace names its computation
  Size size;         ///< image size, the same for every level (pointwise and stencil only)
  std::vector<int> channels;  ///< per level
  int in_depth = 0;

  /// OpenCV depth of level `l`'s elements.
  int depth(std::size_t l) const { return l == 0 ? in_depth : steps[l - 1].stage->out_depth(); }
  /// The most channels of any level.
  int max_channels() const;
};

/// The fused form of `pass` when every node of it is a pointwise or stencil kernel of the
/// input's size, offers row stages for its input type, reads only the pass's
/// one materialised input or earlier nodes of the pass, and extends its inputs by
/// replication or reflection (readers of one node agreeing on which); nullopt otherwise
/// (the pass then runs tile at a time).
std::optional<FusedPass> fuse(const Pipeline& pipeline, const Plan& plan, const Pass& pass);

/// For a pass that does not fuse whole: its runs of nodes that do, each read from one node
/// of the pass (or its input) and read by others only through its last node. Tile-at-a-time
/// evaluation computes each run row by row from its input's region, and every other node
/// by its kernel's process().
std::vector<FusedPass> fuse_segments(const Pipeline& pipeline, const Plan& plan, const Pass& pass);

/// How a tiled pass runs: wholly fused, or tile at a time with fused segments (or none).
struct PassFusion {
  std::optional<FusedPass> whole;
  std::vector<FusedPass> segments;
};

/// Bytes a fused tile task keeps per pixel of tile width: the rings of rows of every level
/// but the input (read in place) and the output (the destination): the working set that
/// should fit in L2, whatever the tile's height.
double fused_bytes_per_column(const FusedPass& fused);

/// Computes output tile `tile` of the pass row by row: the same bits as tile-at-a-time
/// evaluation. `input` is the pass's materialised input. The rows go straight into `dst`
/// when it is given (a view of the tile's size and type), else into a new image.
cv::Mat evaluate_tile_fused(const FusedPass& fused, const Source& input, const Rect& tile, cv::Mat dst = {});

}  // namespace tessera::detail
