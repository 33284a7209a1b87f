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
std::atomic<bool> g_finished{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// Ctrl-C, kill, a closed terminal (SIGHUP), Ctrl-\ (SIGQUIT) and a closed output pipe
// (SIGPIPE) all stop the run the same way: no output, no temporary file, exit 130.
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

/// The first signal asks the run to stop; a second one (outside a Defer) ends the process
/// now, with only async-signal-safe calls: unlink the temporary outputs, write, _exit.
/// After finish() the output is in place and every signal is too late: ignored.
extern "C" void on_signal(int) {
  if (g_finished.load()) return;
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
  g_finished.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // A signal ignored when tessera started stays ignored (nohup, a shell's background job).
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    sigaction(kSignals[i], nullptr, &g_previous[i]);
    if (g_previous[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &sa, nullptr);
  }
}

CancelOnSignal::~CancelOnSignal() {
  // After finish() the handler stays, ignoring signals until the process exits 0: restoring
  // the default actions here let a late Ctrl-C kill the process with its output in place,
  // exit 130 over a complete file.
  if (g_finished.load()) return;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

const std::atomic<bool>* CancelOnSignal::flag() const { return &g_cancel; }

bool CancelOnSignal::finish() {
  g_finished.store(true);
  return g_cancel.load();
}

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
