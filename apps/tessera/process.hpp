// What the CLI needs from the process it runs in: Ctrl-C as a cancel flag, and peak memory.
#pragma once

#include <atomic>

#include "tessera/cli_support.hpp"

namespace tessera::cli {

/// While alive, SIGINT and SIGTERM set a flag instead of killing the process; pass flag()
/// as RunOptions::cancel. A second signal ends the process at once: the handler removes
/// the temporary files of outputs being written (remove_partial_outputs), prints
/// "tessera: cancelled" and calls _exit(130). The previous handlers come back on destruction.
class CancelOnSignal {
 public:
  CancelOnSignal();
  ~CancelOnSignal();
  CancelOnSignal(const CancelOnSignal&) = delete;
  CancelOnSignal& operator=(const CancelOnSignal&) = delete;

  const std::atomic<bool>* flag() const;
  bool cancelled() const { return flag()->load(); }

  /// The output is in place: from now on signals are ignored (the process exits 0 with its
  /// output). Returns whether one came before, in which case the caller undoes the output
  /// and exits 130: exit 130 always means "no output".
  bool finish();

  /// While a Defer lives, every SIGINT/SIGTERM only sets the flag (a second one does not
  /// end the process): for committing the output file, which is then undone if cancelled.
  class Defer {
   public:
    Defer();
    ~Defer();
    Defer(const Defer&) = delete;
    Defer& operator=(const Defer&) = delete;
  };
};

/// Peak resident set size of this process in MiB (VmHWM in /proc/self/status); 0 if unknown.
double peak_rss_mib();

/// True when stderr is a terminal (a progress bar makes sense there).
bool stderr_is_terminal();

}  // namespace tessera::cli
