// The three scheduler backends behind one interface: run N tile tasks, hand each result
// to a writer, bound the tiles in flight, stop on the first error or on cancellation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include <opencv2/core/mat.hpp>

#include "tessera/run.hpp"

namespace tessera::detail {

struct TileJob {
  std::int64_t count = 0;
  /// Computes tile i. Called concurrently.
  std::function<cv::Mat(std::int64_t)> compute;
  /// Stores tile i. Called concurrently only if `concurrent_write`.
  std::function<void(std::int64_t, const cv::Mat&)> write;
  bool concurrent_write = false;
  /// For RunOptions::observer: the pass's index and tile i's rectangle.
  int pass = 0;
  std::function<Rect(std::int64_t)> rect;
};

/// Runs every tile of `job` on the backend chosen in `options`. Rethrows the first
/// exception a tile threw; throws Cancelled if options.cancel was raised. Returns the time
/// spent inside compute and write, summed over all threads (seconds).
double execute(const TileJob& job, const RunOptions& options);

}  // namespace tessera::detail
