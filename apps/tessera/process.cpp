#include "process.hpp"

#include <csignal>
#include <fstream>
#include <string>

#include <unistd.h>

#include "tessera/cli_support.hpp"
#include "tessera/io.hpp"

namespace tessera::cli {

namespace {

// Read and written from the signal handler, which may run on any thread: lock-free only.
std::atomic<bool> g_cancel{false};
std::atomic<bool> g_defer{false};
static_assert(std::atomic<bool>::is_always_lock_free);

constexpr int kSignals[] = {SIGINT, SIGTERM};

/// The first signal asks the run to stop; a second one (outside a Defer) ends the process
/// now, with only async-signal-safe calls: unlink the temporary outputs, write, _exit.
extern "C" void on_signal(int) {
  if (!g_cancel.exchange(true) || g_defer.load()) return;
  remove_partial_outputs();
  static const char message[] = "tessera: cancelled\n";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(130);
}

struct sigaction g_previous[std::size(kSignals)];

}  // namespace

CancelOnSignal::CancelOnSignal() {
  g_cancel.store(false);
  g_defer.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &sa, &g_previous[i]);
}

CancelOnSignal::~CancelOnSignal() {
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

const std::atomic<bool>* CancelOnSignal::flag() const { return &g_cancel; }

CancelOnSignal::Defer::Defer() { g_defer.store(true); }

// From here on the next signal ends the process when one has come already.
CancelOnSignal::Defer::~Defer() { g_defer.store(false); }

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:   1234 kB"
  return 0.0;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace tessera::cli
