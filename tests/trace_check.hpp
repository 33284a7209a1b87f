// Checks a trace written by TraceWriter (`tessera run --trace`) against the Chrome Trace Event
// format as Perfetto reads it, and against what tessera promises of it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::test {

/// Microseconds as written (three decimals) to integer nanoseconds.
inline std::int64_t trace_ns(const nlohmann::json& us) { return std::llround(us.get<double>() * 1000.0); }

/// Succeeds when `path` holds a valid tessera trace:
/// - a JSON object with otherData.tool "tessera", a traceEvents array and a "tessera" object
///   listing runs and passes;
/// - every event has the fields its phase type needs (X: pid, tid, name, ts, dur, and for a tile
///   args pass, tile, x, y, w, h, bytes, attempt; C: a numeric args value; i: a scope; M: a name);
/// - every tid with slices has a thread_name; the slices of one tid never overlap;
/// - every tile of every pass appears exactly once as read and as write and at least once as
///   compute (once per stage), always with the tile's own rectangle, and no other tile appears;
/// - the count of tiles in flight is never negative, and ends at 0 when every run succeeded.
inline ::testing::AssertionResult valid_trace(const std::string& path) {
  using Json = nlohmann::json;
  std::ifstream in(path);
  if (!in) return ::testing::AssertionFailure() << "cannot open " << path;
  Json doc;
  try {
    doc = Json::parse(in);
  } catch (const Json::exception& e) {
    return ::testing::AssertionFailure() << path << " is not JSON: " << e.what();
  }
  const auto fail = [&](const std::string& why) { return ::testing::AssertionFailure() << path << ": " << why; };
  if (!doc.is_object() || !doc.contains("otherData") || doc["otherData"].value("tool", "") != "tessera")
    return fail("no otherData.tool = tessera");
  if (!doc.contains("traceEvents") || !doc["traceEvents"].is_array()) return fail("no traceEvents array");
  if (!doc.contains("tessera") || !doc["tessera"].contains("passes") || !doc["tessera"].contains("runs"))
    return fail("no tessera object with runs and passes");
  std::set<int> named;
  std::map<int, std::vector<std::pair<std::int64_t, std::int64_t>>> by_tid;
  // (pass, tile) -> counts of read and write, the compute stages, the rects seen
  struct Seen {
    int reads = 0, writes = 0;
    std::multiset<std::string> stages;
    std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> rects;
  };
  std::map<std::pair<int, std::int64_t>, Seen> tiles;
  std::pair<std::int64_t, std::int64_t> last_in_flight{-1, 0};  // time and value of the last count
  std::size_t index = 0;
  for (const Json& e : doc["traceEvents"]) {
    const std::string at = "event " + std::to_string(index++) + " " + e.dump().substr(0, 160) + ": ";
    if (!e.is_object() || !e.contains("ph") || !e.contains("pid") || !e.contains("name") || !e["name"].is_string() ||
        !e["pid"].is_number_integer())
      return fail(at + "lacks ph, pid or name");
    const std::string ph = e["ph"];
    if (ph == "M") {
      if (!e.contains("args") || (!e["args"].contains("name") && !e["args"].contains("sort_index")))
        return fail(at + "metadata without args");
      if (e["name"] == "thread_name") named.insert(e.at("tid").get<int>());
      continue;
    }
    if (!e.contains("ts") || !e["ts"].is_number() || e["ts"].get<double>() < 0) return fail(at + "no ts >= 0");
    if (ph == "C") {
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty() || !e["args"].begin()->is_number())
        return fail(at + "counter without a numeric value");
      if (e["name"] == "tiles in flight") {
        const std::int64_t n = e["args"].begin()->get<std::int64_t>();
        if (n < 0) return fail(at + "negative tiles in flight");
        if (trace_ns(e["ts"]) >= last_in_flight.first) last_in_flight = {trace_ns(e["ts"]), n};
      }
      continue;
    }
    if (ph == "i") {
      if (!e.contains("s")) return fail(at + "instant without a scope");
      continue;
    }
    if (ph != "X") return fail(at + "unexpected ph " + ph);
    if (!e.contains("tid") || !e["tid"].is_number_integer() || !e.contains("dur") || !e["dur"].is_number() ||
        e["dur"].get<double>() < 0 || !e.contains("args"))
      return fail(at + "slice without tid, dur >= 0 or args");
    const int tid = e["tid"];
    const std::int64_t ts = trace_ns(e["ts"]);
    by_tid[tid].push_back({ts, ts + trace_ns(e["dur"])});
    const Json& a = e["args"];
    if (!a.contains("tile")) {  // a step of a pass: closing its output
      if (e.value("cat", "") != "pass" || !a.contains("pass")) return fail(at + "a slice neither of a tile nor of a pass");
      continue;
    }
    for (const char* k : {"pass", "tile", "x", "y", "w", "h", "bytes", "attempt"})
      if (!a.contains(k) || !a[k].is_number_integer()) return fail(at + "tile slice without args." + k);
    Seen& s = tiles[{a["pass"].get<int>(), a["tile"].get<std::int64_t>()}];
    const std::string name = e["name"];
    if (name == "read") ++s.reads;
    else if (name == "write") ++s.writes;
    else if (name == "compute") s.stages.insert(a.value("stage", ""));
    else return fail(at + "tile slice named " + name);
    s.rects.insert({a["x"].get<std::int64_t>(), a["y"].get<std::int64_t>(), a["w"].get<std::int64_t>(),
                    a["h"].get<std::int64_t>()});
  }
  for (auto& [tid, spans] : by_tid) {
    if (!named.count(tid)) return fail("tid " + std::to_string(tid) + " has slices but no thread_name");
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i)
      if (spans[i].first < spans[i - 1].second)
        return fail("slices overlap on tid " + std::to_string(tid) + ": [" + std::to_string(spans[i - 1].first) + ", " +
                    std::to_string(spans[i - 1].second) + ") and one starting at " + std::to_string(spans[i].first));
  }
  bool ok = true;
  for (const Json& r : doc["tessera"]["runs"]) ok = ok && r.value("status", "") == "ok";
  if (ok && last_in_flight.second != 0)
    return fail("a finished run still has " + std::to_string(last_in_flight.second) + " tiles in flight at its end");
  std::int64_t expected = 0;
  for (const Json& p : doc["tessera"]["passes"]) {
    const int pass = p.at("pass");
    const std::int64_t n = p.at("tiles");
    expected += n;
    for (std::int64_t t = 0; t < n; ++t) {
      const auto it = tiles.find({pass, t});
      const std::string which = "pass " + std::to_string(pass) + " tile " + std::to_string(t);
      if (it == tiles.end()) return fail(which + " is missing");
      const Seen& s = it->second;
      if (s.reads != 1 || s.writes != 1)
        return fail(which + " has " + std::to_string(s.reads) + " reads and " + std::to_string(s.writes) + " writes");
      if (s.stages.empty()) return fail(which + " has no compute");
      for (const std::string& stage : s.stages)
        if (s.stages.count(stage) != 1) return fail(which + " computes " + stage + " more than once");
      if (s.rects.size() != 1) return fail(which + " has " + std::to_string(s.rects.size()) + " different rects");
    }
  }
  if (static_cast<std::int64_t>(tiles.size()) != expected)
    return fail(std::to_string(tiles.size()) + " tiles traced, the passes have " + std::to_string(expected));
  return ::testing::AssertionSuccess();
}

}  // namespace tessera::test
