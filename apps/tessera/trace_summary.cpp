#include "trace_summary.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <queue>
#include <sstream>

#include "tessera/error.hpp"

namespace tessera::cli {

namespace {

using Json = nlohmann::json;

/// Microseconds (a JSON number, possibly fractional) to nanoseconds.
std::int64_t ns(const Json& us) { return std::llround(us.get<double>() * 1000.0); }

Size size_of(const Json& pair) { return {pair.at(0).get<std::int64_t>(), pair.at(1).get<std::int64_t>()}; }

TraceSlice slice_of(const Json& e) {
  TraceSlice s;
  s.worker = e.at("tid").get<int>();
  s.start = ns(e.at("ts"));
  s.dur = ns(e.at("dur"));
  s.name = e.at("name").get<std::string>();
  const Json& args = e.at("args");
  s.tile = args.contains("tile");
  s.pass = args.at("pass").get<int>();
  if (s.tile) {
    s.index = args.at("tile").get<std::int64_t>();
    s.rect = {args.at("x").get<std::int64_t>(), args.at("y").get<std::int64_t>(), args.at("w").get<std::int64_t>(),
              args.at("h").get<std::int64_t>()};
    s.stage = args.value("stage", "");
  }
  if (s.worker < 0 || s.worker > 4096 || s.dur < 0) throw std::out_of_range("tid not in 0..4096, or a negative dur");
  return s;
}

TraceHeader header_of(const Json& t) {
  TraceHeader h;
  const Json& runs = t.at("runs");
  h.runs = static_cast<int>(runs.size());
  if (runs.empty()) throw std::out_of_range("it records no run");
  h.status = "ok";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Json& r = runs[i];
    if (i == 0) {
      h.pipeline = r.at("pipeline").get<std::string>();
      h.backend = r.at("backend").get<std::string>();
      h.input = size_of(r.at("input"));
      h.input_type = r.at("input_type").get<std::string>();
      h.start = ns(r.at("start_us"));
    }
    h.threads = std::max(h.threads, r.at("threads").get<int>());
    h.end = ns(r.at("end_us"));
    const std::string status = r.at("status").get<std::string>();
    if (status != "ok" && h.status == "ok") {
      h.status = status;
      h.error = r.value("error", "");
    }
  }
  for (const Json& p : t.at("passes")) {
    TracePass tp;
    tp.pass = p.at("pass").get<int>();
    tp.kind = p.at("kind").get<std::string>();
    tp.label = p.at("label").get<std::string>();
    tp.tiles = p.at("tiles").get<std::int64_t>();
    tp.tile = size_of(p.at("tile"));
    tp.fused = p.at("fused").get<bool>();
    tp.start = ns(p.at("start_us"));
    tp.end = ns(p.at("end_us"));
    h.passes.push_back(std::move(tp));
  }
  return h;
}

}  // namespace

TraceHeader read_trace(const std::string& path, const std::function<void(const TraceSlice&)>& on_slice) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read the trace '" + path + "': " + std::strerror(errno));
  const auto not_ours = [&](const std::string& why) {
    return IoError("'" + path + "' is not a tessera trace (" + why + "); 'tessera run --trace FILE' writes one");
  };
  std::string top_key;
  bool ours = false;
  std::int64_t events = 0;
  // The parser hands over each event object as it ends; they are used and dropped at once.
  const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& value) {
    if (depth == 1 && event == Json::parse_event_t::key) {
      top_key = value.get<std::string>();
      if (top_key == "traceEvents" && !ours) throw not_ours("no \"otherData\" naming tessera before the events");
      return true;
    }
    if (depth == 1 && event == Json::parse_event_t::object_end && top_key == "otherData") {
      ours = value.is_object() && value.contains("tool") && value["tool"] == "tessera";
      if (!ours) throw not_ours("its \"otherData\" does not name tessera as the tool");
      return true;
    }
    if (depth == 2 && event == Json::parse_event_t::object_end && top_key == "traceEvents") {
      ++events;
      if (value.is_object() && value.contains("ph") && value["ph"] == "X") {
        try {
          on_slice(slice_of(value));
        } catch (const Json::exception& e) {
          throw not_ours("event " + std::to_string(events) + " lacks a field tessera writes: " + e.what());
        } catch (const std::out_of_range& e) {
          throw not_ours("event " + std::to_string(events) + ": " + e.what());
        }
      }
      return false;
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(in, callback);
  } catch (const Json::parse_error& e) {
    if (!ours) throw not_ours(std::string("not JSON: ") + e.what());
    throw IoError("the trace '" + path + "' ends early or is damaged (" + e.what() +
                  "); a run killed while tracing leaves no complete trace");
  }
  if (!doc.is_object() || !ours) throw not_ours("no \"otherData\" naming tessera");
  if (!doc.contains("tessera"))
    throw IoError("the trace '" + path + "' has no \"tessera\" summary object at its end; was it cut short?");
  try {
    return header_of(doc.at("tessera"));
  } catch (const Json::exception& e) {
    throw not_ours(std::string("its \"tessera\" object is malformed: ") + e.what());
  } catch (const std::out_of_range& e) {
    throw IoError("the trace '" + path + "' " + e.what());
  }
}

std::int64_t TraceSummary::busy_total() const {
  std::int64_t t = 0;
  for (std::int64_t b : busy) t += b;
  return t;
}

std::int64_t TraceSummary::idle_total() const {
  std::int64_t t = 0;
  for (std::int64_t b : idle) t += b;
  return t;
}

TraceSummary summarize_trace(const std::string& path, std::size_t top) {
  TraceSummary s;
  std::vector<std::int64_t> last_end;  // per worker
  std::vector<TraceTile> current;      // per worker: the tile task being assembled
  std::map<int, std::vector<std::int64_t>> pass_last_end;  // per pass, per worker: its last event's end
  std::map<int, std::int64_t> pass_write;                  // per pass: time in its writes
  const auto slower = [](const TraceTile& a, const TraceTile& b) { return a.task.dur > b.task.dur; };
  std::priority_queue<TraceTile, std::vector<TraceTile>, decltype(slower)> fastest_first(slower);
  const auto grow = [&](std::size_t workers) {
    if (s.busy.size() >= workers) return;
    s.busy.resize(workers, 0);
    s.idle.resize(workers, 0);
    s.slices.resize(workers, 0);
    last_end.resize(workers, 0);
    current.resize(workers);
  };
  const auto done = [&](TraceTile& t) {
    if (t.task.name.empty()) return;
    ++s.tiles;
    fastest_first.push(t);
    if (fastest_first.size() > top) fastest_first.pop();
    t = TraceTile{};
  };
  s.header = read_trace(path, [&](const TraceSlice& e) {
    const auto w = static_cast<std::size_t>(e.worker);
    grow(w + 1);
    s.busy[w] += e.dur;
    s.idle[w] += std::max<std::int64_t>(0, e.start - last_end[w]);
    last_end[w] = std::max(last_end[w], e.end());
    ++s.slices[w];
    std::vector<std::int64_t>& ends = pass_last_end[e.pass];
    if (ends.size() <= w) ends.resize(w + 1, -1);
    ends[w] = std::max(ends[w], e.end());
    if (!e.tile) {
      s.steps += e.dur;
      return;
    }
    TraceTile& t = current[w];
    if (e.name == "write") {
      s.write += e.dur;
      pass_write[e.pass] += e.dur;
      done(t);
      return;
    }
    (e.name == "read" ? s.read : s.compute) += e.dur;
    if (t.task.name.empty() || t.task.pass != e.pass || t.task.index != e.index) {
      done(t);
      t.task = e;
      t.task.name = "task";
      t.task.dur = 0;
    }
    t.task.dur = e.end() - t.task.start;
    (e.name == "read" ? t.read : t.compute) += e.dur;
  });
  grow(static_cast<std::size_t>(std::max(0, s.header.threads)));
  for (TraceTile& t : current) done(t);
  s.wall = s.header.end - s.header.start;
  for (std::size_t w = 0; w < s.idle.size(); ++w) s.idle[w] += std::max<std::int64_t>(0, s.header.end - last_end[w]);
  for (const TracePass& p : s.header.passes) {
    TracePassSummary ps{p, 0, 0, pass_write[p.pass]};
    // The tail, over the workers that ran some of the pass: from the first of them running out
    // of work to the pass's end.
    std::int64_t first_out = p.end;
    for (const std::int64_t e : pass_last_end[p.pass]) {
      if (e < 0) continue;
      const std::int64_t last = std::clamp<std::int64_t>(e, p.start, p.end);
      ps.tail_idle += p.end - last;
      first_out = std::min(first_out, last);
    }
    ps.tail = p.end - first_out;
    s.passes.push_back(std::move(ps));
  }
  for (; !fastest_first.empty(); fastest_first.pop()) s.slowest.push_back(fastest_first.top());
  std::reverse(s.slowest.begin(), s.slowest.end());
  return s;
}

namespace {

double ms(std::int64_t nanos) { return static_cast<double>(nanos) / 1e6; }
double pct(std::int64_t part, std::int64_t whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

std::string rect_text(const Rect& r) {
  return "x=" + std::to_string(r.x) + " y=" + std::to_string(r.y) + " " + std::to_string(r.w) + "x" + std::to_string(r.h);
}

}  // namespace

std::string to_text(const TraceSummary& s) {
  const TraceHeader& h = s.header;
  const std::int64_t capacity = s.wall * static_cast<std::int64_t>(s.busy.size());
  std::int64_t tail_idle = 0;
  for (const TracePassSummary& p : s.passes) tail_idle += p.tail_idle;
  std::ostringstream os;
  os << std::fixed << std::setprecision(2);
  os << h.pipeline << "\n  on " << to_string(h.input) << " " << h.input_type << ", " << s.busy.size() << " worker"
     << (s.busy.size() == 1 ? "" : "s") << " (" << h.backend << ")" << (h.runs > 1 ? ", " + std::to_string(h.runs) + " runs" : "")
     << ", status " << h.status << (h.error.empty() ? "" : ": " + h.error) << "\n";
  os << "wall " << ms(s.wall) << " ms x " << s.busy.size() << " workers = " << ms(capacity) << " ms: busy "
     << ms(s.busy_total()) << " ms (" << std::setprecision(1) << pct(s.busy_total(), capacity) << "%), idle "
     << std::setprecision(2) << ms(s.idle_total()) << " ms, of which " << ms(tail_idle) << " at the ends of passes\n";
  os << "scheduling overhead (wall x workers - busy): " << ms(capacity - s.busy_total()) << " ms (" << std::setprecision(1)
     << pct(capacity - s.busy_total(), capacity) << "%)\n"
     << std::setprecision(2);
  os << "time by phase: read " << ms(s.read) << " ms, compute " << ms(s.compute) << " ms, write " << ms(s.write)
     << " ms, closing outputs " << ms(s.steps) << " ms\n";
  os << "workers:\n";
  for (std::size_t w = 0; w < s.busy.size(); ++w)
    os << "  worker " << std::setw(2) << w << "  busy " << std::setw(9) << ms(s.busy[w]) << " ms ("
       << std::setprecision(1) << std::setw(5) << pct(s.busy[w], s.wall) << "%)" << std::setprecision(2) << "  "
       << s.slices[w] << " events\n";
  os << "passes:\n";
  for (const TracePassSummary& p : s.passes)
    os << "  pass " << p.pass.pass << "  " << p.pass.kind << "  " << p.pass.label << ": " << p.pass.tiles << " tile"
       << (p.pass.tiles == 1 ? "" : "s") << " of " << to_string(p.pass.tile) << (p.pass.fused ? ", fused" : "") << ", "
       << ms(p.pass.end - p.pass.start) << " ms; writing " << ms(p.write) << " ms (" << std::setprecision(1)
       << pct(p.write, p.pass.end - p.pass.start) << "% of the pass: one tile at a time for a TIFF output)"
       << std::setprecision(2) << "; tail " << ms(p.tail) << " ms (idle at the end " << ms(p.tail_idle)
       << " ms over the workers)\n";
  os << "slowest tiles (read + compute):\n";
  for (std::size_t i = 0; i < s.slowest.size(); ++i) {
    const TraceTile& t = s.slowest[i];
    os << "  " << std::setw(2) << i + 1 << ". pass " << t.task.pass << " tile " << t.task.index << " ("
       << rect_text(t.task.rect) << "): " << ms(t.task.dur) << " ms on worker " << t.task.worker << " (read "
       << ms(t.read) << ", compute " << ms(t.compute) << ")\n";
  }
  return os.str();
}

nlohmann::ordered_json to_json(const TraceSummary& s) {
  using J = nlohmann::ordered_json;
  const std::int64_t capacity = s.wall * static_cast<std::int64_t>(s.busy.size());
  J workers = J::array();
  for (std::size_t w = 0; w < s.busy.size(); ++w)
    workers.push_back({{"worker", w}, {"busy_ms", ms(s.busy[w])}, {"idle_ms", ms(s.idle[w])},
                       {"busy_pct", pct(s.busy[w], s.wall)}, {"events", s.slices[w]}});
  J passes = J::array();
  std::int64_t tail_idle = 0;
  for (const TracePassSummary& p : s.passes) {
    tail_idle += p.tail_idle;
    passes.push_back({{"pass", p.pass.pass}, {"kind", p.pass.kind}, {"label", p.pass.label}, {"tiles", p.pass.tiles},
                      {"tile", {p.pass.tile.w, p.pass.tile.h}}, {"fused", p.pass.fused},
                      {"ms", ms(p.pass.end - p.pass.start)}, {"write_ms", ms(p.write)},
                      {"write_pct", pct(p.write, p.pass.end - p.pass.start)}, {"tail_ms", ms(p.tail)},
                      {"tail_idle_ms", ms(p.tail_idle)}});
  }
  J slowest = J::array();
  for (const TraceTile& t : s.slowest)
    slowest.push_back({{"pass", t.task.pass}, {"tile", t.task.index}, {"x", t.task.rect.x}, {"y", t.task.rect.y},
                       {"w", t.task.rect.w}, {"h", t.task.rect.h}, {"ms", ms(t.task.dur)}, {"read_ms", ms(t.read)},
                       {"compute_ms", ms(t.compute)}, {"worker", t.task.worker}});
  const TraceHeader& h = s.header;
  return {{"pipeline", h.pipeline},
          {"input", {h.input.w, h.input.h}},
          {"input_type", h.input_type},
          {"backend", h.backend},
          {"runs", h.runs},
          {"status", h.status},
          {"error", h.error},
          {"wall_ms", ms(s.wall)},
          {"threads", s.busy.size()},
          {"busy_ms", ms(s.busy_total())},
          {"idle_ms", ms(s.idle_total())},
          {"tail_idle_ms", ms(tail_idle)},
          {"scheduling_overhead_ms", ms(capacity - s.busy_total())},
          {"read_ms", ms(s.read)},
          {"compute_ms", ms(s.compute)},
          {"write_ms", ms(s.write)},
          {"close_ms", ms(s.steps)},
          {"tile_tasks", s.tiles},
          {"workers", std::move(workers)},
          {"passes", std::move(passes)},
          {"slowest_tiles", std::move(slowest)}};
}

}  // namespace tessera::cli
