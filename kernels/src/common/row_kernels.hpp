// The adapter that attaches row stages (fused row-wise execution, DESIGN.md "Execution") to a
// kernel. Each family declares its own row stages beside them (e.g. filters/gaussian_rows.hpp).
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "tessera/kernel_adapters.hpp"

namespace tessera::detail {

/// Row stages for an input type and image size; empty when that input has none.
using RowFactory = std::function<std::vector<RowStagePtr>(const PixelType& in, Size in_size)>;

/// A kernel that behaves exactly as `base` and also offers the row stages of `rows`.
KernelPtr with_row_stages(KernelPtr base, RowFactory rows);

/// Rows for 8-bit inputs only: {stage} for u8 (when `stage` is not null), none otherwise.
RowFactory u8_rows(RowStagePtr stage);

/// The stages of each input depth (none for a depth not in the map, or with no stages).
RowFactory depth_rows(std::map<int, std::vector<RowStagePtr>> stages);

/// One stage for each input depth: `u8` for 8-bit inputs (when not null), `other(depth)` for
/// the rest (none where it gives null).
RowFactory pointwise_rows(RowStagePtr u8, std::function<RowStagePtr(int depth)> other);

}  // namespace tessera::detail
