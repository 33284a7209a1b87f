// TraceWriter: Chrome Trace Event JSON, written as the run goes (tessera/trace.hpp).
#include "tessera/trace.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "io/temp_file.hpp"
#include "tessera/error.hpp"
#include "tessera/run.hpp"
#include "tessera/version.hpp"

namespace tessera {

namespace {

constexpr std::size_t kFlushBytes = 64 << 10;
constexpr std::int64_t kSampleNs = 1'000'000;  // counters at most once a millisecond

/// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned c = byte(i);
  const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return byte(k) >= lo && byte(k) <= hi; };
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;  // no overlong forms, no surrogates
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/// `text` as a JSON string, quotes included; bytes that are not UTF-8 (a path in another
/// encoding, in an error message) become U+FFFD, so that the file stays valid JSON.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t n = utf8_length(text, i);
      if (n == 0) {
        out += "\\ufffd";
      } else {
        out.append(text.substr(i, n));
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_int(std::string& out, std::int64_t v) {
  char b[24];
  out.append(b, std::to_chars(b, b + sizeof b, v).ptr);
}

/// Nanoseconds as microseconds with three decimals, exactly ("1234.567").
void append_us(std::string& out, std::int64_t ns) {
  append_int(out, ns / 1000);
  const auto frac = static_cast<int>(ns % 1000);
  const char digits[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                          static_cast<char>('0' + frac % 10)};
  out.append(digits, 4);
}

/// `key` (as written: `,"name":`) and a value: an integer, a JSON string, or a size [w,h].
void int_field(std::string& out, std::string_view key, std::int64_t v) {
  out += key;
  append_int(out, v);
}

void str_field(std::string& out, std::string_view key, std::string_view v) {
  out += key;
  append_json_string(out, v);
}

void append_size(std::string& out, Size s) {
  out += '[';
  append_int(out, s.w);
  out += ',';
  append_int(out, s.h);
  out += ']';
}

void size_field(std::string& out, std::string_view key, Size s) {
  out += key;
  append_size(out, s);
}

/// A metadata event ("ph":"M") `name` for thread `tid`, with `args` (a JSON object).
void append_metadata(std::string& out, int pid, int tid, std::string_view name, std::string_view args) {
  int_field(out, ",\n{\"ph\":\"M\",\"pid\":", pid);
  int_field(out, ",\"tid\":", tid);
  str_field(out, ",\"name\":", name);
  out += ",\"args\":";
  out += args;
  out += '}';
}

/// Resident memory in MiB from /proc/self/statm (open as `fd`), or a negative value.
double resident_mib(int fd) {
  if (fd < 0) return -1;
  char text[128];
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return -1;
  text[n] = '\0';
  long long size = 0, resident = 0;
  if (std::sscanf(text, "%lld %lld", &size, &resident) != 2) return -1;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGE_SIZE)) / (1024.0 * 1024.0);
}

std::int64_t ns_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

}  // namespace

struct TraceWriter::RunRecord {
  RunInfo info;
  Clock::time_point end;
  std::string status = "running", error;
};

struct TraceWriter::PassRecord {
  PassInfo info;
  int run = 0;
  Clock::time_point start, end;
  bool ended = false;
};

TraceWriter::TraceWriter(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw UsageError("the trace path is empty");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw UsageError("cannot write the trace to '" + path + "': it is a directory");
  temp_ = std::make_unique<detail::TempFile>(fs::path(path));
  file_ = std::fopen(temp_->path().c_str(), "wb");
  if (!file_) {
    const std::string why = std::strerror(errno);
    throw UsageError("cannot write the trace to '" + path + "': " + why);
  }
  statm_fd_ = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  pid_ = static_cast<int>(::getpid());
  slice_head_ = ",\n{\"ph\":\"X\",\"pid\":" + std::to_string(pid_) + ",\"tid\":";
  buf_.reserve(kFlushBytes + 4096);
  spare_.reserve(kFlushBytes + 4096);
  buf_ += "{\"otherData\":{\"tool\":\"tessera\",\"version\":\"";
  buf_ += version();
  buf_ += "\",\"format\":1},\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  int_field(buf_, "{\"ph\":\"M\",\"pid\":", pid_);
  buf_ += ",\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":\"tessera\"}}";
}

TraceWriter::~TraceWriter() {
  if (file_) std::fclose(file_);
  if (statm_fd_ >= 0) ::close(statm_fd_);
}  // temp_ removes the file unless committed

void TraceWriter::write_out(const std::string& text) {
  if (!file_ || text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() && error_.empty())
    error_ = std::strerror(errno);
}

template <class F>
void TraceWriter::guarded(F&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    const std::lock_guard io(io_mutex_);
    if (error_.empty()) error_ = e.what();
  } catch (...) {
    const std::lock_guard io(io_mutex_);
    if (error_.empty()) error_ = "an unknown error while tracing";
  }
}

void TraceWriter::append_locked(std::string_view text, std::unique_lock<std::mutex>& lock) {
  if (finished_) return;  // events after finish() have nowhere to go
  buf_.append(text);
  if (buf_.size() < kFlushBytes) return;
  // The full buffer is written while other threads go on appending to the (empty) spare one;
  // the I/O lock, taken before the buffer lock is let go, keeps the chunks in order.
  const std::lock_guard io(io_mutex_);
  buf_.swap(spare_);
  lock.unlock();
  write_out(spare_);
  spare_.clear();
}

void TraceWriter::append(std::string_view text) {
  std::unique_lock lock(mutex_);
  append_locked(text, lock);
}

void TraceWriter::append_time(std::string& out, Clock::time_point t) const {
  append_us(out, std::max<std::int64_t>(0, ns_between(origin_, t)));
}

void TraceWriter::time_field(std::string& out, std::string_view key, Clock::time_point t) const {
  out += key;
  append_time(out, t);
}

void TraceWriter::append_event_head(std::string& out, const char* ph, std::string_view name, int tid,
                                    Clock::time_point t) const {
  out += ",\n{\"ph\":\"";
  out += ph;
  int_field(out, "\",\"pid\":", pid_);
  int_field(out, ",\"tid\":", tid);
  str_field(out, ",\"name\":", name);
  time_field(out, ",\"ts\":", t);
}

void TraceWriter::sample_counters(Clock::time_point now, bool force) {
  const std::int64_t at = ns_between(origin_, now);
  std::int64_t next = next_sample_ns_.load(std::memory_order_relaxed);
  if (!force && (at < next || !next_sample_ns_.compare_exchange_strong(next, at + kSampleNs))) return;
  if (force) next_sample_ns_.store(at + kSampleNs, std::memory_order_relaxed);
  std::string text;
  append_event_head(text, "C", "tiles in flight", 0, now);
  int_field(text, ",\"args\":{\"tiles\":", in_flight_.load(std::memory_order_relaxed));
  text += "}}";
  // Resident memory every tenth sample (reading /proc costs microseconds).
  if (force || samples_.fetch_add(1, std::memory_order_relaxed) % 10 == 0) {
    const double mib = resident_mib(statm_fd_);
    if (mib >= 0) {
      append_event_head(text, "C", "resident memory", 0, now);
      int_field(text, ",\"args\":{\"MiB\":", std::llround(mib));
      text += "}}";
    }
  }
  append(text);
}

void TraceWriter::run_started(const RunInfo& run) {
  guarded([&] {
    std::unique_lock lock(mutex_);
    if (!started_) {
      origin_ = run.start;
      started_ = true;
    }
    if (!runs_.empty()) pass_offset_ += runs_.back().info.passes;
    runs_.push_back({run, run.start, "running", {}});
    std::string text;
    for (; workers_named_ < run.threads; ++workers_named_) {
      const std::string w = std::to_string(workers_named_);
      append_metadata(text, pid_, workers_named_, "thread_name", "{\"name\":\"worker " + w + "\"}");
      append_metadata(text, pid_, workers_named_, "thread_sort_index", "{\"sort_index\":" + w + "}");
    }
    append_event_head(text, "i", "run start", 0, run.start);
    str_field(text, ",\"s\":\"g\",\"args\":{\"pipeline\":", run.pipeline);
    int_field(text, ",\"threads\":", run.threads);
    str_field(text, ",\"backend\":", run.backend);
    text += "}}";
    append_locked(text, lock);
  });
}

void TraceWriter::pass_started(const PassInfo& pass) {
  guarded([&] {
    std::string text;
    {
      std::unique_lock lock(mutex_);
      const int index = pass_offset_ + pass.index;
      passes_.push_back({pass, static_cast<int>(runs_.size()) - 1, pass.time, pass.time, false});
      passes_.back().info.index = index;
      append_event_head(text, "i", "pass " + std::to_string(index) + " start: " + pass.label, 0, pass.time);
      int_field(text, ",\"s\":\"g\",\"args\":{\"pass\":", index);
      str_field(text, ",\"kind\":", pass.kind);
      int_field(text, ",\"tiles\":", pass.tiles);
      text += ",\"fused\":";
      text += pass.fused ? "true" : "false";
      text += "}}";
      append_locked(text, lock);
    }
    sample_counters(pass.time, true);
  });
}

void TraceWriter::tile_started(const TileEvent& event) {
  // A tile is in flight from the start of its read to the end of its write.
  if (event.phase == Phase::Read) in_flight_.fetch_add(1, std::memory_order_relaxed);
}

void TraceWriter::tile_finished(const TileEvent& event) {
  guarded([&] {
    // Formatted into this thread's own line, outside the lock; appended under it. The stage's
    // JSON text is kept from the thread's last event: a worker computes the same stages over
    // and over.
    static constexpr std::string_view kNames[] = {"\"read\",\"ts\":", "\"compute\",\"ts\":", "\"write\",\"ts\":"};
    thread_local std::string line, stage, stage_json;
    line.clear();
    line += slice_head_;
    append_int(line, event.worker);
    line += ",\"name\":";
    line += kNames[static_cast<int>(event.phase)];
    append_time(line, event.start);
    line += ",\"dur\":";
    append_us(line, std::max<std::int64_t>(0, ns_between(event.start, event.end)));
    int_field(line, ",\"args\":{\"pass\":", pass_offset_ + event.pass);
    int_field(line, ",\"tile\":", event.tile);
    int_field(line, ",\"x\":", event.rect.x);
    int_field(line, ",\"y\":", event.rect.y);
    int_field(line, ",\"w\":", event.rect.w);
    int_field(line, ",\"h\":", event.rect.h);
    int_field(line, ",\"bytes\":", event.bytes);
    int_field(line, ",\"attempt\":", event.attempt);
    if (event.phase == Phase::Compute) {
      if (stage != event.stage || stage_json.empty()) {
        stage = event.stage;
        stage_json.clear();
        append_json_string(stage_json, stage);
      }
      line += ",\"stage\":";
      line += stage_json;
    }
    line += "}}";
    append(line);
    if (event.phase == Phase::Write) in_flight_.fetch_sub(1, std::memory_order_relaxed);
    sample_counters(event.end, false);
  });
}

void TraceWriter::pass_step(const PassInfo& pass, std::string_view name, Clock::time_point start,
                            Clock::time_point end) {
  guarded([&] {
    std::string text;
    append_event_head(text, "X", name, 0, start);
    text += ",\"dur\":";
    append_us(text, std::max<std::int64_t>(0, ns_between(start, end)));
    int_field(text, ",\"cat\":\"pass\",\"args\":{\"pass\":", pass_offset_ + pass.index);
    text += "}}";
    append(text);
  });
}

void TraceWriter::pass_finished(const PassInfo& pass) {
  guarded([&] {
    sample_counters(pass.time, true);
    std::unique_lock lock(mutex_);
    const int index = pass_offset_ + pass.index;
    for (PassRecord& p : passes_)
      if (p.info.index == index) {
        p.end = pass.time;
        p.ended = true;
      }
    std::string text;
    append_event_head(text, "i", "pass " + std::to_string(index) + " end", 0, pass.time);
    int_field(text, ",\"s\":\"g\",\"args\":{\"pass\":", index);
    text += "}}";
    append_locked(text, lock);
  });
}

void TraceWriter::run_finished(const RunStats&) {
  guarded([&] {
    const std::lock_guard lock(mutex_);
    if (runs_.empty()) return;
    runs_.back().end = Clock::now();
    runs_.back().status = "ok";
  });
}

void TraceWriter::run_failed(std::string_view what, bool cancelled) {
  guarded([&] {
    const std::lock_guard lock(mutex_);
    if (runs_.empty()) return;
    RunRecord& r = runs_.back();
    r.end = Clock::now();
    r.status = cancelled ? "cancelled" : "failed";
    r.error = what;
    for (PassRecord& p : passes_)
      if (!p.ended) {
        p.end = r.end;
        p.ended = true;
      }
  });
}

bool TraceWriter::has_run() const {
  const std::lock_guard lock(mutex_);
  return !runs_.empty();
}

void TraceWriter::finish() {
  const std::lock_guard lock(mutex_);
  const std::lock_guard io(io_mutex_);
  if (finished_) return;
  finished_ = true;
  buf_ += "\n],\n\"tessera\":{\"format\":1,\"runs\":[";
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const RunRecord& r = runs_[i];
    buf_ += i ? ",\n" : "\n";
    str_field(buf_, "{\"pipeline\":", r.info.pipeline);
    size_field(buf_, ",\"input\":", r.info.input);
    str_field(buf_, ",\"input_type\":", r.info.input_type);
    size_field(buf_, ",\"output\":", r.info.output);
    str_field(buf_, ",\"output_type\":", r.info.output_type);
    size_field(buf_, ",\"tile\":", r.info.tile);
    int_field(buf_, ",\"threads\":", r.info.threads);
    str_field(buf_, ",\"backend\":", r.info.backend);
    time_field(buf_, ",\"start_us\":", r.info.start);
    time_field(buf_, ",\"end_us\":", r.end);
    str_field(buf_, ",\"status\":", r.status);
    if (!r.error.empty()) {
      str_field(buf_, ",\"error\":", r.error);
    }
    buf_ += '}';
  }
  buf_ += "],\n\"passes\":[";
  for (std::size_t i = 0; i < passes_.size(); ++i) {
    const PassRecord& p = passes_[i];
    buf_ += i ? ",\n" : "\n";
    int_field(buf_, "{\"pass\":", p.info.index);
    int_field(buf_, ",\"run\":", p.run);
    str_field(buf_, ",\"kind\":", p.info.kind);
    str_field(buf_, ",\"label\":", p.info.label);
    int_field(buf_, ",\"tiles\":", p.info.tiles);
    size_field(buf_, ",\"image\":", p.info.image);
    size_field(buf_, ",\"tile\":", p.info.tile);
    buf_ += ",\"fused\":";
    buf_ += p.info.fused ? "true" : "false";
    time_field(buf_, ",\"start_us\":", p.start);
    time_field(buf_, ",\"end_us\":", p.end);
    buf_ += '}';
  }
  buf_ += "]}}\n";
  write_out(buf_);
  buf_.clear();
  if (std::fflush(file_) != 0 && error_.empty()) error_ = std::strerror(errno);
  if (std::fclose(file_) != 0 && error_.empty()) error_ = std::strerror(errno);
  file_ = nullptr;
  if (!error_.empty()) throw IoError("cannot write the trace '" + path_ + "': " + error_);
  if (const std::error_code ec = temp_->commit()) throw IoError("cannot write the trace '" + path_ + "': " + ec.message());
}

}  // namespace tessera
