/// Choosing a tile size: the cost model of DESIGN.md calibrated by a short timed run.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/io.hpp"
#include "tessera/pipeline.hpp"
#include "tessera/run.hpp"

namespace tessera {

/// One tile size the tuner considered.
struct TileCandidate {
  Size tile;
  double predicted_seconds = 0;  ///< whole run, from the calibrated model
  bool measured = false;         ///< calibrated on real tiles (else extrapolated)
};

/// The tuner's choice and how it got there.
struct TileChoice {
  Size tile;                       ///< the chosen tile size
  double predicted_seconds = 0;    ///< predicted time of the whole run with it
  double per_tile_seconds = 0;     ///< fitted fixed cost per tile task (o)
  double per_pixel_seconds = 0;    ///< fitted cost per computed pixel, halo included (c)
  double calibration_seconds = 0;  ///< time spent measuring
  std::vector<TileCandidate> candidates;
  std::string explain() const;     ///< a few lines for --verbose
};

/// Picks a tile size for running `pipeline` on `input` with `options` (threads, backend):
/// times a few tiles of several sizes (those whose working set best fills L2 first, within
/// a budget of ~10% of the predicted run), fits time(tile) = o + c * computed_pixels(tile),
/// predicts each candidate's run as ceil(tiles / threads) * time(tile), and picks the
/// fastest timed candidate.
TileChoice choose_tile(const Pipeline& pipeline, const cv::Mat& input, const RunOptions& options);
/// The same for a streamed image: tiles are timed on a sample read from the middle of the
/// source (at most 4096x4096); predictions are for the whole image.
TileChoice choose_tile(const Pipeline& pipeline, const Source& source, const RunOptions& options);

}  // namespace tessera
