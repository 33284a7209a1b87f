#include "executor.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include <omp.h>
#include <tbb/flow_graph.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include "cancel.hpp"
#include "recycled.hpp"
#include "tessera/error.hpp"
#include "tile_trace.hpp"

namespace tessera::detail {

namespace {

/// Shared state of one execution: first error, stop flag, progress.
class Control {
 public:
  Control(const TileJob& job, const RunOptions& options) : job_(job), options_(options) {}

  bool stopped() const {
    if (stop_.load(std::memory_order_relaxed)) return true;
    if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) {
      cancelled_.store(true);
      stop_.store(true);
      return true;
    }
    return false;
  }

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = e;
    stop_.store(true);
  }

  /// Runs `fn` unless stopped, capturing any exception.
  template <class F>
  void guarded(F&& fn) {
    if (stopped()) return;
    const CancelScope scope(options_.cancel);  // long loops inside the tile poll it (cancel.hpp)
    try {
      fn();
    } catch (...) {
      fail(std::current_exception());
    }
  }

  /// Runs `fn` (one tile's compute or write), adding its duration to the busy time.
  template <class F>
  auto timed(F&& fn) {
    const auto start = std::chrono::steady_clock::now();
    struct Add {
      std::atomic<std::int64_t>& busy;
      std::chrono::steady_clock::time_point start;
      ~Add() {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
        busy.fetch_add(ns.count(), std::memory_order_relaxed);
      }
    } add{busy_ns_, start};
    return fn();
  }

  double busy_seconds() const { return static_cast<double>(busy_ns_.load()) * 1e-9; }

  /// Computes tile i, traced (RunOptions::observer) as the calling worker's.
  cv::Mat compute(std::int64_t i) const {
    if (!options_.observer) return job_.compute(i);
    return observed([&] {
      const TileTrace trace(options_.observer, job_.pass, i, rect(i), worker(), Phase::Read);
      return job_.compute(i);
    });
  }

  /// Writes tile i, traced as the calling worker's.
  void write(std::int64_t i, const cv::Mat& pixels) const {
    if (!options_.observer) return job_.write(i, pixels);
    observed([&] {
      const TileTrace trace(options_.observer, job_.pass, i, rect(i), worker(), Phase::Write);
      TileTrace::add_bytes(bytes_of(pixels));
      job_.write(i, pixels);
    });
  }

  /// Counts a finished tile and reports it. The count is taken under the lock that
  /// serialises the callback, so the callback sees 1, 2, ..., count in order.
  void tile_done() {
    if (!options_.progress) {
      done_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::lock_guard lock(mutex_);
    options_.progress(++done_, job_.count);
  }

  void finish() const {
    if (error_) std::rethrow_exception(error_);
    if (cancelled_.load()) throw Cancelled();
  }

 private:
  /// Runs `fn`, on the Tbb backend isolated: a thread that waits inside it (a kernel's own
  /// tbb::parallel_for) then takes no other tile task meanwhile, whose phases would nest
  /// inside this one's on the same worker. Only observed runs pay for it.
  template <class F>
  std::invoke_result_t<F&> observed(F&& fn) const {
    if (options_.backend == Backend::Tbb) return tbb::this_task_arena::isolate(fn);
    return fn();
  }

  /// The calling thread's worker index: its slot in the run's TBB arena, its OpenMP thread
  /// number (0 outside a parallel region: one-tile passes run serially), or 0.
  int worker() const {
    switch (options_.backend) {
      case Backend::Tbb: return std::max(0, tbb::this_task_arena::current_thread_index());
      case Backend::Omp: return omp_get_thread_num();
      case Backend::Serial: return 0;
    }
    return 0;
  }

  Rect rect(std::int64_t i) const { return job_.rect ? job_.rect(i) : Rect{}; }

  const TileJob& job_;
  const RunOptions& options_;
  mutable std::atomic<bool> stop_{false};
  mutable std::atomic<bool> cancelled_{false};
  std::atomic<std::int64_t> done_{0};
  std::atomic<std::int64_t> busy_ns_{0};
  std::mutex mutex_;
  std::exception_ptr error_;
};

struct TileOut {
  std::int64_t index = -1;
  cv::Mat pixels;
};

/// A task arena of `threads` slots, kept per calling thread and reused by its later runs:
/// making and joining a new arena for every run cost more than a small image's whole run.
tbb::task_arena& arena_for(int threads) {
  thread_local std::map<int, std::unique_ptr<tbb::task_arena>> arenas;
  std::unique_ptr<tbb::task_arena>& a = arenas[threads];
  if (!a) a = std::make_unique<tbb::task_arena>(threads);
  return *a;
}

void run_tbb(const TileJob& job, const RunOptions& options, int threads, Control& ctl) {
  namespace flow = tbb::flow;
  const int in_flight = options.max_tiles_in_flight > 0 ? options.max_tiles_in_flight : 4 * threads;
  // TBB caps its worker pool at the core count; asking for more threads than cores
  // (to study oversubscription, or in tests) raises the cap for this run only.
  std::optional<tbb::global_control> raise_cap;
  if (threads > tbb::info::default_concurrency())
    raise_cap.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  arena_for(threads).execute([&] {
    flow::graph g;
    std::int64_t next = 0;  // touched only by the serial input node
    flow::input_node<std::int64_t> ids(g, [&](tbb::flow_control& fc) -> std::int64_t {
      if (next >= job.count || ctl.stopped()) {
        fc.stop();
        return 0;
      }
      return next++;
    });
    flow::limiter_node<std::int64_t> limiter(g, static_cast<std::size_t>(in_flight));
    flow::function_node<std::int64_t, TileOut> work(g, flow::unlimited, [&](std::int64_t i) {
      TileOut t;
      ctl.guarded([&] {
        t.pixels = ctl.timed([&] { return ctl.compute(i); });
        t.index = i;
      });
      return t;
    });
    auto store = [&](const TileOut& t) {
      if (t.index >= 0) ctl.guarded([&] {
          ctl.timed([&] { ctl.write(t.index, t.pixels); });
          ctl.tile_done();
        });
      return flow::continue_msg();
    };
    flow::function_node<TileOut, flow::continue_msg> sink(
        g, job.concurrent_write ? flow::unlimited : flow::serial, store);
    flow::make_edge(ids, limiter);
    flow::make_edge(limiter, work);
    flow::make_edge(work, sink);
    flow::make_edge(sink, limiter.decrementer());
    ids.activate();
    g.wait_for_all();
  });
}

void run_omp(const TileJob& job, int threads, Control& ctl) {
  std::mutex write_mutex;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t i = 0; i < job.count; ++i) {
    ctl.guarded([&] {
      const cv::Mat pixels = ctl.timed([&] { return ctl.compute(i); });
      if (job.concurrent_write) {
        ctl.timed([&] { ctl.write(i, pixels); });
      } else {
        std::lock_guard lock(write_mutex);
        ctl.timed([&] { ctl.write(i, pixels); });
      }
      ctl.tile_done();
    });
  }
}

void run_serial(const TileJob& job, Control& ctl) {
  for (std::int64_t i = 0; i < job.count && !ctl.stopped(); ++i)
    ctl.guarded([&] {
      ctl.timed([&] { ctl.write(i, ctl.compute(i)); });
      ctl.tile_done();
    });
}

}  // namespace

double execute(const TileJob& job, const RunOptions& options) {
  const RecyclingScope recycling;  // the tiles' buffers are reused until the pass ends
  Control ctl(job, options);
  const int threads = effective_threads(options.threads);
  // One tile has nothing to share out: no task graph or thread team to set up for it (TBB: in
  // the run's arena all the same, which bounds the threads OpenCV's own loops inside the tile
  // may take).
  const bool one_tile = job.count <= 1;
  switch (options.backend) {
    case Backend::Tbb:
      if (one_tile && threads <= tbb::info::default_concurrency()) arena_for(threads).execute([&] { run_serial(job, ctl); });
      else run_tbb(job, options, threads, ctl);
      break;
    case Backend::Omp:
      if (one_tile) run_serial(job, ctl);
      else run_omp(job, threads, ctl);
      break;
    case Backend::Serial: run_serial(job, ctl); break;
  }
  ctl.finish();
  return ctl.busy_seconds();
}

}  // namespace tessera::detail
