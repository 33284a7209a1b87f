// A one-line progress bar on stderr for long runs: tiles done, percentage, MP/s, ETA.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace tessera::cli {

/// Feed it RunOptions::progress calls through callback(). It stays silent for the first
/// `delay` (short runs print nothing), then redraws at most every `interval` with '\r';
/// finish() (or the destructor) erases the line. Calls come from worker threads, but the
/// runtime serialises them, so the bar keeps no lock of its own.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  /// `megapixels`: size of the image one pass covers, for the MP/s figure.
  explicit ProgressBar(double megapixels, Clock::duration delay = std::chrono::seconds(1),
                       Clock::duration interval = std::chrono::milliseconds(100));
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// For RunOptions::progress; the bar must outlive the run.
  std::function<void(std::int64_t, std::int64_t)> callback();
  /// Erases the bar if it was drawn. Idempotent.
  void finish();

 private:
  void update(std::int64_t done, std::int64_t total);
  void draw(Clock::time_point now);

  double megapixels_;
  Clock::time_point pass_start_, next_draw_;
  Clock::duration interval_;
  std::int64_t done_ = 0, total_ = 0;
  int pass_ = 1;
  bool drawn_ = false;
};

}  // namespace tessera::cli
