#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace tessera::cli {

namespace {

constexpr int kBarWidth = 24;

double seconds(ProgressBar::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// "0:07", "12:34", "1:02:03".
std::string clock_text(double s) {
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(double megapixels, Clock::duration delay, Clock::duration interval)
    : megapixels_(megapixels), pass_start_(Clock::now()), next_draw_(pass_start_ + delay),
      interval_(interval) {}

ProgressBar::~ProgressBar() { finish(); }

std::function<void(std::int64_t, std::int64_t)> ProgressBar::callback() {
  return [this](std::int64_t done, std::int64_t total) { update(done, total); };
}

void ProgressBar::update(std::int64_t done, std::int64_t total) {
  // The counter is taken before the runtime's lock, so calls of one pass may arrive
  // slightly out of order: keep the maximum. A pass restarts the count: a new total, or
  // a small count after the previous pass completed.
  if (total != total_ || (done_ == total_ && done <= total / 2)) {
    if (total_ != 0) ++pass_;
    total_ = total;
    done_ = 0;
    pass_start_ = Clock::now();
  }
  done_ = std::max(done_, done);
  const Clock::time_point now = Clock::now();
  if (now < next_draw_) return;
  next_draw_ = now + interval_;
  draw(now);
}

void ProgressBar::draw(Clock::time_point now) {
  const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 0.0;
  const double elapsed = seconds(now - pass_start_);
  const double mps = elapsed > 0 ? fraction * megapixels_ / elapsed : 0.0;
  const std::string eta = done_ > 0 ? clock_text(elapsed * (1.0 - fraction) / fraction) : "?";
  const int filled = static_cast<int>(fraction * kBarWidth);
  const std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '.');
  const std::string pass = pass_ > 1 ? "pass " + std::to_string(pass_) + " " : "";
  // \033[K erases what a longer previous line left to the right.
  std::fprintf(stderr, "\r%s[%s] %lld/%lld tiles %5.1f%% %7.1f MP/s ETA %s\033[K", pass.c_str(), bar.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), 100.0 * fraction, mps, eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace tessera::cli
