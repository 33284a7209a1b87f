#include "process.hpp"

#include <csignal>
#include <fstream>
#include <string>

#include <unistd.h>

namespace tessera::cli {

namespace {

// Written from the signal handler, which may run on any thread: it must be lock-free.
std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free);

constexpr int kSignals[] = {SIGINT, SIGTERM};

extern "C" void on_signal(int) { g_cancel.store(true); }

/// Installs on_signal for SIGINT and SIGTERM; `once`: reset to the default after one signal.
void install(bool once, struct sigaction* previous) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = once ? SA_RESETHAND : 0;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &sa, previous ? &previous[i] : nullptr);
}

struct sigaction g_previous[std::size(kSignals)];

}  // namespace

CancelOnSignal::CancelOnSignal() {
  g_cancel.store(false);
  install(true, g_previous);
}

CancelOnSignal::~CancelOnSignal() {
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

const std::atomic<bool>* CancelOnSignal::flag() const { return &g_cancel; }

CancelOnSignal::Defer::Defer() { install(false, nullptr); }

CancelOnSignal::Defer::~Defer() {
  // Back to "first signal cancels, second kills", or straight to the default when one came.
  if (g_cancel.load()) {
    for (int s : kSignals) std::signal(s, SIG_DFL);
  } else {
    install(true, nullptr);
  }
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:   1234 kB"
  return 0.0;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace tessera::cli
