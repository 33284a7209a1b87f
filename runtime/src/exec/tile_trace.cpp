#include "tile_trace.hpp"

namespace tessera::detail {

namespace {
thread_local TileTrace* t_current = nullptr;
}

TileTrace::TileTrace(RunObserver* observer, int pass, std::int64_t tile, const Rect& rect, int worker, Phase first)
    : observer_(observer) {
  if (!observer_) return;
  outer_ = t_current;
  t_current = this;
  event_.pass = pass;
  event_.tile = tile;
  event_.rect = rect;
  event_.worker = worker;
  event_.start = Clock::now();
  if (first == Phase::Write) open(Phase::Write, {}, event_.start);
}

TileTrace::~TileTrace() {
  if (!observer_) return;
  t_current = outer_;
  // Observers must not throw; one that does loses this event rather than end the process
  // (a destructor may run while an exception unwinds the tile task).
  try {
    const Clock::time_point now = Clock::now();
    if (!opened_) open(Phase::Compute, {}, event_.start);  // nothing marked: the task was one computation
    if (open_) close(now);
  } catch (...) {
  }
}

void TileTrace::open(Phase phase, std::string_view stage, Clock::time_point at) {
  event_.phase = phase;
  event_.stage = stage;
  event_.bytes = 0;
  event_.start = at;
  event_.end = at;
  open_ = opened_ = true;
  observer_->tile_started(event_);
}

void TileTrace::close(Clock::time_point at) {
  event_.end = at;
  open_ = false;
  observer_->tile_finished(event_);
}

void TileTrace::read_begin() {
  TileTrace* t = t_current;
  if (!t || t->opened_) return;
  t->open(Phase::Read, {}, t->event_.start);
}

void TileTrace::read_end(std::int64_t bytes) {
  if (TileTrace* t = t_current; t && t->open_ && t->event_.phase == Phase::Read) t->event_.bytes += bytes;
}

void TileTrace::compute_begin(std::string_view stage) {
  TileTrace* t = t_current;
  if (!t) return;
  if (!t->opened_) {
    t->open(Phase::Compute, stage, t->event_.start);
    return;
  }
  if (t->open_ && t->event_.phase == Phase::Compute && t->event_.stage == stage) return;
  const Clock::time_point now = Clock::now();
  if (t->open_) t->close(now);
  t->open(Phase::Compute, stage, now);
}

void TileTrace::add_bytes(std::int64_t bytes) {
  if (TileTrace* t = t_current; t && t->open_) t->event_.bytes += bytes;
}

}  // namespace tessera::detail

namespace tessera {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::Read: return "read";
    case Phase::Compute: return "compute";
    case Phase::Write: return "write";
  }
  return "?";
}

}  // namespace tessera
