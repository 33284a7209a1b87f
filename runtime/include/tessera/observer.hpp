/// Watching a run: the RunObserver interface the runtime calls as passes and tiles start and
/// finish (the trace writer, tessera/trace.hpp, is one). Set RunOptions::observer to use it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/geometry.hpp"

namespace tessera {

struct RunStats;

/// The steps of one tile task, in the order they run. Each tile of each pass goes through
/// Read, then Compute (one step per stage when the pass runs tile at a time, one for the
/// fused chain or a fused segment), then Write, which for a TIFF output includes encoding.
enum class Phase { Read, Compute, Write };
/// "read", "compute", "write".
std::string_view to_string(Phase phase);

using Clock = std::chrono::steady_clock;

/// What a run is about to do.
struct RunInfo {
  std::string pipeline;  ///< the normalised spec
  Size input, output;
  std::string input_type, output_type;  ///< "u8x3", ...
  Size tile;
  int threads = 0;      ///< worker indices are 0 .. threads - 1
  std::string backend;  ///< "tbb", "omp", "serial"
  int passes = 0;
  Clock::time_point start;
};

/// One pass of a run (DESIGN.md, "Execution"): tiled, a reduce pass, or a whole-image pass.
struct PassInfo {
  int index = 0;          ///< 0-based, in run order
  std::string kind;       ///< "tiled", "reduce" or "whole"
  std::string label;      ///< the node it computes, e.g. "stage 2 'gaussian'"
  std::int64_t tiles = 0; ///< tile tasks; 1 for a whole-image pass
  Size image;             ///< the size of the image its tiles cover
  Size tile;              ///< tile size (the image's size for a whole-image pass)
  bool fused = false;     ///< every tile runs fused, row by row
  Clock::time_point time; ///< when it started (pass_started) or ended (pass_finished)
};

/// One phase of one tile. tile_started and tile_finished for it come from the same thread,
/// which runs nothing else in between: a worker's phases never overlap.
struct TileEvent {
  int pass = 0;
  std::int64_t tile = 0;  ///< index in the pass's tile grid, row-major
  Rect rect;              ///< the tile in the pass's image
  Phase phase = Phase::Read;
  std::string_view stage;  ///< Compute: the stage(s) computed, e.g. "gaussian" or "gaussian|sobel_mag"
  int worker = 0;          ///< 0 .. threads - 1: the TBB arena slot, OpenMP thread, or 0
  int attempt = 1;         ///< 1 (tiles are not retried yet)
  std::int64_t bytes = 0;  ///< pixel bytes read (Read), produced (Compute) or written (Write); 0 in tile_started
  Clock::time_point start;
  Clock::time_point end;  ///< == start in tile_started
};

/// Receives a run's events. The tile callbacks are called concurrently from the worker
/// threads and must be thread-safe; the others come from the thread that called run(), in
/// order: run_started, then per pass pass_started, its tiles, pass_finished; then
/// run_finished or run_failed (a run refused before it starts, e.g. by its memory check, makes
/// no calls). An observer must not throw. Without one (the default) a run makes no calls and
/// reads no clocks for it. Worker indices are per run: runs going on at the same time (from
/// several application threads) should each have their own observer.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void run_started(const RunInfo&) {}
  virtual void pass_started(const PassInfo&) {}
  virtual void tile_started(const TileEvent&) {}
  virtual void tile_finished(const TileEvent&) {}
  /// Work of the pass that belongs to no tile, e.g. closing the output (name: "close").
  virtual void pass_step(const PassInfo&, std::string_view /*name*/, Clock::time_point /*start*/,
                         Clock::time_point /*end*/) {}
  virtual void pass_finished(const PassInfo&) {}
  virtual void run_finished(const RunStats&) {}
  /// The run stopped with an error (or was cancelled: `cancelled`); `what` is the message.
  virtual void run_failed(std::string_view /*what*/, bool /*cancelled*/) {}
};

}  // namespace tessera
