// TraceWriter: Chrome Trace Event JSON, written as the run goes (tessera/trace.hpp).
#include "tessera/trace.hpp"

#include <cerrno>
#include <cinttypes>
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

constexpr std::size_t kFlushBytes = 256 << 10;
constexpr auto kSampleEvery = std::chrono::milliseconds(1);

/// `text` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_int(std::string& out, std::int64_t v) {
  char b[24];
  const int n = std::snprintf(b, sizeof b, "%" PRId64, v);
  out.append(b, static_cast<std::size_t>(n));
}

void append_size(std::string& out, Size s) {
  out += '[';
  append_int(out, s.w);
  out += ',';
  append_int(out, s.h);
  out += ']';
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
  buf_.reserve(kFlushBytes + 4096);
  buf_ += "{\"otherData\":{\"tool\":\"tessera\",\"version\":\"";
  buf_ += version();
  buf_ += "\",\"format\":1},\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  buf_ += "{\"ph\":\"M\",\"pid\":";
  append_int(buf_, pid_);
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

void TraceWriter::flush_if_full() {
  if (buf_.size() < kFlushBytes) return;
  write_out(buf_);
  buf_.clear();
}

void TraceWriter::append_time(Clock::time_point t) {
  const std::int64_t ns = std::max<std::int64_t>(0, ns_between(origin_, t));
  char b[40];
  const int n = std::snprintf(b, sizeof b, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
  buf_.append(b, static_cast<std::size_t>(n));
}

void TraceWriter::append_event_head(const char* ph, std::string_view name, int tid, Clock::time_point t) {
  buf_ += ",\n{\"ph\":\"";
  buf_ += ph;
  buf_ += "\",\"pid\":";
  append_int(buf_, pid_);
  buf_ += ",\"tid\":";
  append_int(buf_, tid);
  buf_ += ",\"name\":";
  append_json_string(buf_, name);
  buf_ += ",\"ts\":";
  append_time(t);
}

void TraceWriter::sample_counters(Clock::time_point now, bool force) {
  if (!force && now - last_sample_ < kSampleEvery) return;
  last_sample_ = now;
  append_event_head("C", "tiles in flight", 0, now);
  buf_ += ",\"args\":{\"tiles\":";
  append_int(buf_, in_flight_);
  buf_ += "}}";
  const double mib = resident_mib(statm_fd_);
  if (mib < 0) return;
  append_event_head("C", "resident memory", 0, now);
  char b[48];
  std::snprintf(b, sizeof b, ",\"args\":{\"MiB\":%.1f}}", mib);
  buf_ += b;
}

void TraceWriter::run_started(const RunInfo& run) {
  const std::lock_guard lock(mutex_);
  if (!started_) {
    origin_ = run.start;
    started_ = true;
  }
  if (!runs_.empty()) pass_offset_ += runs_.back().info.passes;
  runs_.push_back({run, run.start, "running", {}});
  for (; workers_named_ < run.threads; ++workers_named_) {
    buf_ += ",\n{\"ph\":\"M\",\"pid\":";
    append_int(buf_, pid_);
    buf_ += ",\"tid\":";
    append_int(buf_, workers_named_);
    buf_ += ",\"name\":\"thread_name\",\"args\":{\"name\":\"worker ";
    append_int(buf_, workers_named_);
    buf_ += "\"}},\n{\"ph\":\"M\",\"pid\":";
    append_int(buf_, pid_);
    buf_ += ",\"tid\":";
    append_int(buf_, workers_named_);
    buf_ += ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":";
    append_int(buf_, workers_named_);
    buf_ += "}}";
  }
  append_event_head("i", "run start", 0, run.start);
  buf_ += ",\"s\":\"g\",\"args\":{\"pipeline\":";
  append_json_string(buf_, run.pipeline);
  buf_ += ",\"threads\":";
  append_int(buf_, run.threads);
  buf_ += ",\"backend\":";
  append_json_string(buf_, run.backend);
  buf_ += "}}";
  flush_if_full();
}

void TraceWriter::pass_started(const PassInfo& pass) {
  const std::lock_guard lock(mutex_);
  const int index = pass_offset_ + pass.index;
  passes_.push_back({pass, static_cast<int>(runs_.size()) - 1, pass.time, pass.time, false});
  passes_.back().info.index = index;
  append_event_head("i", "pass " + std::to_string(index) + " start: " + pass.label, 0, pass.time);
  buf_ += ",\"s\":\"g\",\"args\":{\"pass\":";
  append_int(buf_, index);
  buf_ += ",\"kind\":";
  append_json_string(buf_, pass.kind);
  buf_ += ",\"tiles\":";
  append_int(buf_, pass.tiles);
  buf_ += ",\"fused\":";
  buf_ += pass.fused ? "true" : "false";
  buf_ += "}}";
  sample_counters(pass.time, true);
  flush_if_full();
}

void TraceWriter::tile_started(const TileEvent& event) {
  if (event.phase != Phase::Read) return;  // a tile is in flight from its read to its write's end
  const std::lock_guard lock(mutex_);
  ++in_flight_;
}

void TraceWriter::tile_finished(const TileEvent& event) {
  const std::lock_guard lock(mutex_);
  append_event_head("X", to_string(event.phase), event.worker, event.start);
  buf_ += ",\"dur\":";
  const std::int64_t ns = std::max<std::int64_t>(0, ns_between(event.start, event.end));
  char b[40];
  const int n = std::snprintf(b, sizeof b, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
  buf_.append(b, static_cast<std::size_t>(n));
  buf_ += ",\"cat\":\"tile\",\"args\":{\"pass\":";
  append_int(buf_, pass_offset_ + event.pass);
  buf_ += ",\"tile\":";
  append_int(buf_, event.tile);
  buf_ += ",\"x\":";
  append_int(buf_, event.rect.x);
  buf_ += ",\"y\":";
  append_int(buf_, event.rect.y);
  buf_ += ",\"w\":";
  append_int(buf_, event.rect.w);
  buf_ += ",\"h\":";
  append_int(buf_, event.rect.h);
  buf_ += ",\"bytes\":";
  append_int(buf_, event.bytes);
  buf_ += ",\"attempt\":";
  append_int(buf_, event.attempt);
  if (event.phase == Phase::Compute) {
    buf_ += ",\"stage\":";
    append_json_string(buf_, event.stage);
  }
  buf_ += "}}";
  if (event.phase == Phase::Write) --in_flight_;
  sample_counters(event.end, false);
  flush_if_full();
}

void TraceWriter::pass_step(const PassInfo& pass, std::string_view name, Clock::time_point start,
                            Clock::time_point end) {
  const std::lock_guard lock(mutex_);
  append_event_head("X", name, 0, start);
  buf_ += ",\"dur\":";
  const std::int64_t ns = std::max<std::int64_t>(0, ns_between(start, end));
  char b[80];
  std::snprintf(b, sizeof b, "%" PRId64 ".%03" PRId64 ",\"cat\":\"pass\",\"args\":{\"pass\":%d}}", ns / 1000, ns % 1000,
                pass_offset_ + pass.index);
  buf_ += b;
  flush_if_full();
}

void TraceWriter::pass_finished(const PassInfo& pass) {
  const std::lock_guard lock(mutex_);
  const int index = pass_offset_ + pass.index;
  for (PassRecord& p : passes_)
    if (p.info.index == index) {
      p.end = pass.time;
      p.ended = true;
    }
  sample_counters(pass.time, true);
  append_event_head("i", "pass " + std::to_string(index) + " end", 0, pass.time);
  buf_ += ",\"s\":\"g\",\"args\":{\"pass\":";
  append_int(buf_, index);
  buf_ += "}}";
  flush_if_full();
}

void TraceWriter::run_finished(const RunStats&) {
  const std::lock_guard lock(mutex_);
  if (runs_.empty()) return;
  runs_.back().end = Clock::now();
  runs_.back().status = "ok";
}

void TraceWriter::run_failed(std::string_view what, bool cancelled) {
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
}

void TraceWriter::finish() {
  const std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  buf_ += "\n],\n\"tessera\":{\"format\":1,\"runs\":[";
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const RunRecord& r = runs_[i];
    buf_ += i ? ",\n" : "\n";
    buf_ += "{\"pipeline\":";
    append_json_string(buf_, r.info.pipeline);
    buf_ += ",\"input\":";
    append_size(buf_, r.info.input);
    buf_ += ",\"input_type\":";
    append_json_string(buf_, r.info.input_type);
    buf_ += ",\"output\":";
    append_size(buf_, r.info.output);
    buf_ += ",\"output_type\":";
    append_json_string(buf_, r.info.output_type);
    buf_ += ",\"tile\":";
    append_size(buf_, r.info.tile);
    buf_ += ",\"threads\":";
    append_int(buf_, r.info.threads);
    buf_ += ",\"backend\":";
    append_json_string(buf_, r.info.backend);
    buf_ += ",\"start_us\":";
    append_time(r.info.start);
    buf_ += ",\"end_us\":";
    append_time(r.end);
    buf_ += ",\"status\":";
    append_json_string(buf_, r.status);
    if (!r.error.empty()) {
      buf_ += ",\"error\":";
      append_json_string(buf_, r.error);
    }
    buf_ += '}';
  }
  buf_ += "],\n\"passes\":[";
  for (std::size_t i = 0; i < passes_.size(); ++i) {
    const PassRecord& p = passes_[i];
    buf_ += i ? ",\n" : "\n";
    buf_ += "{\"pass\":";
    append_int(buf_, p.info.index);
    buf_ += ",\"run\":";
    append_int(buf_, p.run);
    buf_ += ",\"kind\":";
    append_json_string(buf_, p.info.kind);
    buf_ += ",\"label\":";
    append_json_string(buf_, p.info.label);
    buf_ += ",\"tiles\":";
    append_int(buf_, p.info.tiles);
    buf_ += ",\"image\":";
    append_size(buf_, p.info.image);
    buf_ += ",\"tile\":";
    append_size(buf_, p.info.tile);
    buf_ += ",\"fused\":";
    buf_ += p.info.fused ? "true" : "false";
    buf_ += ",\"start_us\":";
    append_time(p.start);
    buf_ += ",\"end_us\":";
    append_time(p.end);
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
