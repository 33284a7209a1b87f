// How one tile of a tiled pass is computed: backward region inference, then forward
// evaluation of each node, tile at a time or fused row by row.
#pragma once

#include <vector>

#include <opencv2/core/mat.hpp>

#include "plan.hpp"

namespace tessera::detail {

struct PassFusion;   // fused.hpp
class ScratchPool;  // scratch.hpp

/// Computes output tile `tile` of a Tiled pass. `values[id]` is the Source of each
/// materialised node the pass reads; `reduced[id]` the merged statistics of each
/// ReduceThenMap node. With `fusion`, the pass runs row by row when it fuses whole, else tile
/// at a time with its fused segments row by row; the bits are the same either way. Returns the tile's pixels: `dst` itself when it is given (a
/// view of the destination of the tile's size and type), which then holds them. The tile's
/// intermediates use buffers from `scratch` when it is given.
cv::Mat evaluate_tile(const Pipeline& pipeline, const Plan& plan, const Pass& pass,
                      const std::vector<const Source*>& values, const std::vector<cv::Mat>& reduced,
                      const Rect& tile, const PassFusion* fusion = nullptr, cv::Mat dst = {},
                      ScratchPool* scratch = nullptr);

/// Fills `out` with region `want` of an image whose pixels `have` (a rectangle of that
/// image, inside it) are in `pixels`; parts of `want` outside the image follow `border`.
/// `want` clipped to the image must lie inside `have`. `out` is a view of `pixels` when `want`
/// lies inside the image, else scratch memory (scratch_mat) holding a padded copy.
void extract_with_border(const cv::Mat& pixels, const Rect& have, const Rect& want, Size image,
                         const Border& border, cv::Mat& out);

}  // namespace tessera::detail
