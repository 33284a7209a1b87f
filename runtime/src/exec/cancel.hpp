// Cancellation inside a tile: the executor publishes the run's cancel flag to the thread that
// computes a tile, and loops that can run long within one tile (the fused row runtime, one
// output row at a time) poll it. A first Ctrl-C then stops a run within about a row's time,
// not a tile's (a bilateral d=101 tile of 2048² takes minutes).
#pragma once

#include <atomic>

#include "tessera/error.hpp"

namespace tessera::detail {

/// The cancel flag of the run whose tile this thread computes (null when none).
inline thread_local const std::atomic<bool>* t_cancel_flag = nullptr;

/// Throws Cancelled when the run this thread computes a tile for has been cancelled.
inline void poll_cancel() {
  if (t_cancel_flag && t_cancel_flag->load(std::memory_order_relaxed)) throw Cancelled();
}

/// Publishes `flag` to this thread while it lives.
class CancelScope {
 public:
  explicit CancelScope(const std::atomic<bool>* flag) : saved_(t_cancel_flag) { t_cancel_flag = flag; }
  ~CancelScope() { t_cancel_flag = saved_; }
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

 private:
  const std::atomic<bool>* saved_;
};

}  // namespace tessera::detail
