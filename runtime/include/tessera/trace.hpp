/// A schedule trace: every phase of every tile as Chrome Trace Event JSON, which Perfetto
/// (ui.perfetto.dev) and chrome://tracing open. `tessera run --trace` writes one with it and
/// `tessera trace` summarises and draws one.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera/observer.hpp"

namespace tessera {

namespace detail {
class TempFile;
}

/// A RunObserver that writes the trace of the runs it observes (usually one; more are laid
/// out one after another, their passes numbered on) to a JSON file:
///
/// - a complete event ("ph":"X") per tile and phase: name "read", "compute" or "write", `pid`
///   the process, `tid` the worker, `args` {pass, tile, x, y, w, h, bytes, attempt} (and
///   `stage` for compute); a worker's events never overlap; steps of a pass that belong to
///   no tile (closing the output) have "cat":"pass" and `args` {pass};
/// - "thread_name" metadata per worker; counters "tiles in flight" and "resident memory"
///   (sampled at most once a millisecond); instant events where passes start and end; a
///   "close" event where a pass closes its output;
/// - a "tessera" object after the events: the runs, their passes, and how each ended.
///
/// The file is written as the run goes (a buffer of 64 KiB is flushed when full), so memory
/// stays bounded whatever the number of tiles; a tile takes about 550 bytes (three events).
/// It is a temporary file beside the destination until finish() renames it into place.
/// Thread-safe, as an observer must be, for one run at a time: worker indices are per run.
class TraceWriter final : public RunObserver {
 public:
  /// Creates the temporary file; throws UsageError naming the problem when it cannot be
  /// written there (no such directory, no permission, `path` is a directory).
  explicit TraceWriter(const std::string& path);
  /// Removes the temporary file unless finish() succeeded.
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  /// Ends the JSON and renames the file into place; throws IoError when that fails. A run that
  /// failed or was cancelled is recorded as such ("status"), so its trace can be kept too.
  void finish();
  const std::string& path() const { return path_; }
  /// Whether a run has started: a trace of none tells nothing (the CLI drops it).
  bool has_run() const;

  void run_started(const RunInfo& run) override;
  void pass_started(const PassInfo& pass) override;
  void tile_started(const TileEvent& event) override;
  void tile_finished(const TileEvent& event) override;
  void pass_step(const PassInfo& pass, std::string_view name, Clock::time_point start, Clock::time_point end) override;
  void pass_finished(const PassInfo& pass) override;
  void run_finished(const RunStats& stats) override;
  void run_failed(std::string_view what, bool cancelled) override;

 private:
  struct RunRecord;
  struct PassRecord;

  /// Microseconds since the first run started, as exact decimal text (nanosecond digits).
  void append_time(std::string& out, Clock::time_point t) const;
  /// `key` (as written: `,"name":`) and the time `t`.
  void time_field(std::string& out, std::string_view key, Clock::time_point t) const;
  void append_event_head(std::string& out, const char* ph, std::string_view name, int tid, Clock::time_point t) const;
  /// Counter events, at most once a millisecond unless `force`d.
  void sample_counters(Clock::time_point now, bool force);
  /// Adds `text` to the buffer (under the lock held by `lock`), writing the buffer out when full.
  void append_locked(std::string_view text, std::unique_lock<std::mutex>& lock);
  void append(std::string_view text);
  void write_out(const std::string& text);
  /// Runs `fn`, keeping what it throws as the error finish() reports: an observer must not throw.
  template <class F>
  void guarded(F&& fn) noexcept;

  std::string path_;
  std::unique_ptr<detail::TempFile> temp_;
  std::FILE* file_ = nullptr;
  mutable std::mutex mutex_;  ///< guards buf_ and the records
  std::mutex io_mutex_;  ///< guards spare_ and the file; taken after mutex_
  std::string buf_, spare_;
  std::string error_;  ///< the first write error, reported by finish()
  bool started_ = false, finished_ = false;
  Clock::time_point origin_;
  int pid_ = 0;
  std::string slice_head_;  ///< the start of every tile's event, up to its tid
  int statm_fd_ = -1;
  int workers_named_ = 0;
  int pass_offset_ = 0;  ///< passes of the runs before this one
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> next_sample_ns_{0};
  std::atomic<int> samples_{0};
  std::vector<RunRecord> runs_;
  std::vector<PassRecord> passes_;
};

}  // namespace tessera
