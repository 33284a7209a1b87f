// Reading a trace written by `tessera run --trace` (TraceWriter): its events streamed one at a
// time, and the summary `tessera trace` prints.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/geometry.hpp"

namespace tessera::cli {

/// A complete event ("ph":"X") of a trace, times in nanoseconds since the first run started.
struct TraceSlice {
  int worker = 0;
  std::int64_t start = 0, dur = 0;
  std::string name;  ///< "read", "compute", "write", or a pass step ("close")
  bool tile = false; ///< a tile's phase (args.tile is there), else a step of its pass
  int pass = 0;
  std::int64_t index = 0;  ///< the tile's index in its pass
  Rect rect;
  std::string stage;  ///< compute: the stage(s)
  std::int64_t end() const { return start + dur; }
};

struct TracePass {
  int pass = 0;
  std::string kind, label;
  std::int64_t tiles = 0;
  Size tile;
  bool fused = false;
  std::int64_t start = 0, end = 0;  ///< ns
};

/// The "tessera" object at the end of a trace.
struct TraceHeader {
  std::string pipeline, backend, status, error;  ///< of the first run; status "ok" unless one failed
  Size input;
  std::string input_type;
  int threads = 0;                  ///< the most any run used
  std::int64_t start = 0, end = 0;  ///< ns: the first run's start, the last one's end
  int runs = 0;
  std::vector<TracePass> passes;
};

/// Reads the trace at `path`, calling `on_slice` for each complete event in file order (each
/// worker's in time order), then returns its header. Memory stays bounded whatever the size.
/// Throws IoError when the file cannot be read, is not JSON, is not a tessera trace, or ends
/// before its "tessera" object (a run killed while tracing).
TraceHeader read_trace(const std::string& path, const std::function<void(const TraceSlice&)>& on_slice);

struct TraceTile {
  TraceSlice task;  ///< the tile's read and compute as one span (name "task")
  std::int64_t read = 0, compute = 0;
};

struct TracePassSummary {
  TracePass pass;
  std::int64_t tail = 0;       ///< ns from the first worker (of those that ran some of it) running out of work to its end
  std::int64_t tail_idle = 0;  ///< ns idle at the end of the pass (after each worker's last event), summed
  std::int64_t write = 0;      ///< ns writing its tiles (one at a time for a TIFF output: the serial writer)
};

/// What `tessera trace` reports. Times in ns.
struct TraceSummary {
  TraceHeader header;
  std::int64_t wall = 0;
  std::vector<std::int64_t> busy;  ///< per worker: time inside its events
  std::vector<std::int64_t> idle;  ///< per worker: the gaps between its events, and before and after them
  std::vector<std::int64_t> slices;
  std::int64_t read = 0, compute = 0, write = 0, steps = 0;  ///< per phase, and pass steps (close)
  std::int64_t tiles = 0;  ///< tile tasks seen (read or compute spans)
  std::vector<TracePassSummary> passes;
  std::vector<TraceTile> slowest;  ///< the slowest tile tasks (read + compute), slowest first
  std::int64_t busy_total() const;
  std::int64_t idle_total() const;
};

/// Summarises the trace at `path`; `top` slowest tiles are kept.
TraceSummary summarize_trace(const std::string& path, std::size_t top = 10);

/// The summary as text (what `tessera trace FILE` prints) and as JSON (`--json`).
std::string to_text(const TraceSummary& s);
nlohmann::ordered_json to_json(const TraceSummary& s);

}  // namespace tessera::cli
