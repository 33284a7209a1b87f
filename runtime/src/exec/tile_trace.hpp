// The phases of the tile task a thread is running, for RunOptions::observer: the executor
// opens a TileTrace around each tile's compute and write; the code that reads and computes
// the tile marks where its phases begin (read_begin, compute_begin). Without an observer
// no TileTrace is active and every mark is one thread-local load.
#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "tessera/observer.hpp"

namespace tessera::detail {

/// The pixel bytes of `m`, as a phase counts them.
inline std::int64_t bytes_of(const cv::Mat& m) { return static_cast<std::int64_t>(m.total() * m.elemSize()); }

/// The tile task running on this thread, while it lives (RAII; nests, restoring the outer
/// one). Phases are contiguous: each begins where the previous one ended, the first where
/// the TileTrace began, the last ends where it is destroyed. (Observed TBB runs isolate each
/// tile task, executor.cpp, so that a task waiting inside a kernel's own TBB loop never runs
/// another tile on the same thread: a worker's phases never nest.)
class TileTrace {
 public:
  /// With a null observer, does nothing. `first` = Phase::Write opens the write at once;
  /// Phase::Read (for a compute task) waits for read_begin or compute_begin, and a task that
  /// marks neither is one Compute step.
  TileTrace(RunObserver* observer, int pass, std::int64_t tile, const Rect& rect, int worker, Phase first);
  ~TileTrace();
  TileTrace(const TileTrace&) = delete;
  TileTrace& operator=(const TileTrace&) = delete;

  /// The tile starts reading its inputs (ignored once a phase is open: reads inside a
  /// computation, such as a fused segment's, belong to the computation).
  static void read_begin();
  /// The tile has read `bytes` of input (counted when the open phase is its Read).
  static void read_end(std::int64_t bytes);
  /// The tile starts computing `stage` (which must outlive the tile task); closes the open
  /// phase unless it is the same stage.
  static void compute_begin(std::string_view stage);
  /// Adds to the bytes of the open phase.
  static void add_bytes(std::int64_t bytes);

 private:
  void open(Phase phase, std::string_view stage, Clock::time_point at);
  void close(Clock::time_point at);

  RunObserver* observer_;
  TileTrace* outer_ = nullptr;
  TileEvent event_;
  bool open_ = false;    ///< a phase is open (started, not finished)
  bool opened_ = false;  ///< some phase was opened
};

}  // namespace tessera::detail
