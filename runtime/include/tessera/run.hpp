/// Running a pipeline: tiling options, the three scheduler backends, and the entry points.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "tessera/io.hpp"
#include "tessera/observer.hpp"
#include "tessera/pipeline.hpp"

namespace tessera {

/// Which scheduler executes the tile tasks.
enum class Backend {
  Tbb,     ///< a tbb::flow::graph in a task_arena owned by the run (default)
  Omp,     ///< an OpenMP dynamic parallel loop
  Serial,  ///< one tile after another on the calling thread
};
std::string to_string(Backend b);

/// How a run is executed. Any choice gives the same output bits.
struct RunOptions {
  Size tile{256, 256};       ///< output tile size (clipped to the image)
  int threads = 0;           ///< 0 = all cores
  Backend backend = Backend::Tbb;
  int max_tiles_in_flight = 0;  ///< 0 = 4 x threads (bounds memory in the TBB graph)
  /// Called after each finished tile with (tiles done, tiles total) for the pass running.
  std::function<void(std::int64_t, std::int64_t)> progress;
  /// Polled between tiles; when it becomes true the run stops and throws Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  /// Bytes a run may hold at once. A Global kernel (canny) whose whole input and output do
  /// not fit is refused with a UsageError before anything runs. When set (> 0), it also
  /// bounds the tiles in flight (unless max_tiles_in_flight is given) to a quarter of it.
  /// 0 = default_memory_budget() for the global check, no extra tile limit.
  std::int64_t memory_budget = 0;
  /// Fused row-wise execution for passes whose kernels all offer row stages (DESIGN.md,
  /// "Execution"); false forces tile-at-a-time execution. Same bits either way.
  bool fused = true;
  /// Told when each pass and each phase of each tile starts and finishes (tessera/observer.hpp;
  /// TraceWriter in tessera/trace.hpp writes a trace from it). Not owned; null = not observed.
  RunObserver* observer = nullptr;
};

/// Half of the machine's physical memory.
std::int64_t default_memory_budget();

/// A stage whose result is data rather than pixels (e.g. stats), as a JSON object.
struct StageResult {
  std::string stage;  ///< the node's label, e.g. "stage 2 'stats'"
  std::string json;
};

/// What a run did.
struct RunStats {
  std::int64_t tiles = 0;   ///< tile tasks executed, over all passes
  int passes = 0;           ///< tiled passes plus whole-image (global) passes
  int threads = 0;
  double seconds = 0.0;
  /// Time spent computing and writing tiles, summed over the threads: busy_seconds /
  /// (threads * seconds) is how busy the workers were; the rest is scheduling, waiting on
  /// the serial writer, and idle time at the end of each pass.
  double busy_seconds = 0.0;
  std::vector<StageResult> results;  ///< from reduce kernels that report data, in pipeline order
};

/// Runs `pipeline` on an in-memory image and returns the output image.
cv::Mat run(const Pipeline& pipeline, const cv::Mat& input, const RunOptions& options = {},
            RunStats* stats = nullptr);

/// Runs `pipeline` on an in-memory image into `output`, reusing output's buffer when it
/// already has the output's size and type and shares no memory with `input` (as an OpenCV
/// output array does; `output` may be a view into a larger image); otherwise `output` gets a
/// new buffer. For repeated runs (frames of a video, benchmarks) this saves allocating, and
/// first touching, a new image every call. If the run fails, a reused buffer may hold part
/// of the new result.
RunStats run(const Pipeline& pipeline, const cv::Mat& input, cv::Mat& output, const RunOptions& options = {});

/// Runs `pipeline` from `source` to `sink` tile by tile.
RunStats run(const Pipeline& pipeline, const Source& source, Sink& sink, const RunOptions& options = {});

/// Runs `pipeline` without tiling: each kernel's reference() (the OpenCV call that
/// defines it) once on whole images. The oracle that tiled runs are compared with.
cv::Mat run_reference(const Pipeline& pipeline, const cv::Mat& input);

/// The invariant's comparison: true when `a` and `b` have the same size and type and the same
/// bytes, row by row (NaNs with the same bits are equal, -0 and +0 are not).
bool same_bits(const cv::Mat& a, const cv::Mat& b);

/// True when every pass of `pipeline` on an input of `type` and `size` runs fused, row by row
/// (DESIGN.md, "Execution"): each is tiled, and each of its kernels has row stages for the
/// type reaching it. Throws UsageError as Pipeline::validate does.
bool runs_fused(const Pipeline& pipeline, PixelType type, Size size);

/// Threads a run with `threads` (0 = default) will use: all cores unless limited.
int effective_threads(int threads);
/// Threads a run with `options` asks for: 1 on the serial backend, else
/// effective_threads(options.threads). (An application's tbb::global_control may grant the
/// Tbb backend fewer: README, "Embedding".)
int effective_threads(const RunOptions& options);

}  // namespace tessera
