// RunOptions::observer and TraceWriter: what an observer is told about passes and tiles, on
// every backend, for fused, tile-at-a-time, multi-pass and global pipelines; and the trace
// written from it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "tessera/tessera.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"
#include "trace_check.hpp"

namespace tessera {
namespace {

using test::TempDir;

/// Keeps every event, with the thread that delivered it.
class Recorder final : public RunObserver {
 public:
  struct Phase {
    TileEvent event;
    std::string stage;  // the event's view copied
  };
  void run_started(const RunInfo& r) override {
    const std::lock_guard lock(mutex_);
    runs.push_back(r);
    order.push_back("run");
  }
  void pass_started(const PassInfo& p) override {
    const std::lock_guard lock(mutex_);
    passes.push_back(p);
    order.push_back("pass " + std::to_string(p.index));
  }
  void tile_started(const TileEvent& e) override {
    const std::lock_guard lock(mutex_);
    open[e.worker].push_back(e);
  }
  void tile_finished(const TileEvent& e) override {
    const std::lock_guard lock(mutex_);
    std::vector<TileEvent>& o = open[e.worker];
    // The finish matches the worker's last start: nothing else ran on it in between.
    if (o.empty() || o.back().tile != e.tile || o.back().phase != e.phase || o.back().start != e.start) ++mismatched;
    else o.pop_back();
    phases.push_back({e, std::string(e.stage)});
  }
  void pass_finished(const PassInfo& p) override {
    const std::lock_guard lock(mutex_);
    order.push_back("end " + std::to_string(p.index));
  }
  void run_finished(const RunStats&) override {
    const std::lock_guard lock(mutex_);
    order.push_back("finished");
  }
  void run_failed(std::string_view what, bool cancelled) override {
    const std::lock_guard lock(mutex_);
    order.push_back(std::string(cancelled ? "cancelled: " : "failed: ") + std::string(what));
  }

  std::vector<RunInfo> runs;
  std::vector<PassInfo> passes;
  std::vector<Phase> phases;
  std::vector<std::string> order;
  std::map<int, std::vector<TileEvent>> open;
  int mismatched = 0;

 private:
  std::mutex mutex_;
};

/// Checks what `r` saw of a run with `options`: each tile of each pass read once, computed once
/// per stage, written once, with its grid rectangle; workers in range; a worker's phases
/// back to back without overlap.
void expect_every_tile_once_per_phase(const Recorder& r, const RunOptions& options) {
  EXPECT_EQ(r.mismatched, 0);
  for (const auto& [worker, o] : r.open) EXPECT_TRUE(o.empty()) << "worker " << worker << " has unfinished phases";
  std::map<std::pair<int, std::int64_t>, std::vector<const Recorder::Phase*>> by_tile;
  std::map<int, std::vector<const TileEvent*>> by_worker;
  for (const Recorder::Phase& p : r.phases) {
    by_tile[{p.event.pass, p.event.tile}].push_back(&p);
    by_worker[p.event.worker].push_back(&p.event);
    EXPECT_GE(p.event.worker, 0);
    EXPECT_LT(p.event.worker, effective_threads(options));
    EXPECT_EQ(p.event.attempt, 1);
    EXPECT_LE(p.event.start, p.event.end);
  }
  std::size_t tiles = 0;
  for (const PassInfo& pass : r.passes) {
    tiles += static_cast<std::size_t>(pass.tiles);
    const TileGrid grid(pass.image, pass.kind == "whole" ? pass.image : options.tile);
    ASSERT_EQ(grid.count(), pass.tiles) << pass.label;
    for (std::int64_t t = 0; t < pass.tiles; ++t) {
      const auto it = by_tile.find({pass.index, t});
      ASSERT_NE(it, by_tile.end()) << "pass " << pass.index << " tile " << t;
      int reads = 0, writes = 0;
      std::multiset<std::string> stages;
      for (const Recorder::Phase* p : it->second) {
        EXPECT_EQ(p->event.rect, grid.tile(t)) << "pass " << pass.index << " tile " << t;
        if (p->event.phase == Phase::Read) ++reads;
        if (p->event.phase == Phase::Write) ++writes;
        if (p->event.phase == Phase::Compute) stages.insert(p->stage);
      }
      EXPECT_EQ(reads, 1) << "pass " << pass.index << " tile " << t;
      EXPECT_EQ(writes, 1) << "pass " << pass.index << " tile " << t;
      EXPECT_FALSE(stages.empty());
      for (const std::string& s : stages) EXPECT_EQ(stages.count(s), 1u) << s;
      // Read, then compute, then write.
      const auto time_of = [&](Phase ph) {
        for (const Recorder::Phase* p : it->second)
          if (p->event.phase == ph) return p->event.start;
        return Clock::time_point{};
      };
      EXPECT_LE(time_of(Phase::Read), time_of(Phase::Compute));
      EXPECT_LE(time_of(Phase::Compute), time_of(Phase::Write));
    }
  }
  EXPECT_EQ(by_tile.size(), tiles);
  for (auto& [worker, events] : by_worker) {
    std::sort(events.begin(), events.end(), [](const TileEvent* a, const TileEvent* b) { return a->start < b->start; });
    for (std::size_t i = 1; i < events.size(); ++i)
      EXPECT_LE(events[i - 1]->end, events[i]->start) << "worker " << worker << ": phases overlap";
  }
}

struct Case {
  const char* spec;
  bool fused;
  std::vector<std::string> kinds;  // the passes, in order
};

const Case kCases[] = {
    {"gaussian sigma=2 | sobel_mag | threshold t=40", true, {"tiled"}},
    {"gaussian sigma=2 | sobel_mag | threshold t=40", false, {"tiled"}},
    {"gaussian sigma=1 | equalize | median ksize=3", true, {"tiled", "reduce", "tiled"}},
    {"box ksize=3 | canny low=50 high=120 | dilate ksize=3", true, {"tiled", "whole", "tiled"}},
};

TEST(Observer, EveryTileOfEveryPassOncePerPhaseOnEveryBackend) {
  const cv::Mat in = test::random_image(203, 157, CV_8UC1, 7);
  for (const Case& c : kCases)
    for (Backend b : test::kBackends) {
      SCOPED_TRACE(std::string(c.spec) + (c.fused ? "" : " (tile at a time)") + " on " + to_string(b));
      const Pipeline p = Pipeline::parse(c.spec);
      RunOptions o = test::options(b, {64, 48}, 3);
      o.fused = c.fused;
      Recorder rec;
      o.observer = &rec;
      const cv::Mat observed = run(p, in, o);
      o.observer = nullptr;
      EXPECT_TRUE(test::identical(observed, run(p, in, o)));  // watching changes nothing
      ASSERT_EQ(rec.runs.size(), 1u);
      EXPECT_EQ(rec.runs[0].pipeline, p.str());
      EXPECT_EQ(rec.runs[0].threads, effective_threads(o));
      EXPECT_EQ(rec.runs[0].backend, to_string(b));
      ASSERT_EQ(rec.passes.size(), c.kinds.size());
      for (std::size_t i = 0; i < c.kinds.size(); ++i) EXPECT_EQ(rec.passes[i].kind, c.kinds[i]);
      std::vector<std::string> order{"run"};
      for (std::size_t i = 0; i < c.kinds.size(); ++i) {
        order.push_back("pass " + std::to_string(i));
        order.push_back("end " + std::to_string(i));
      }
      order.push_back("finished");
      EXPECT_EQ(rec.order, order);
      expect_every_tile_once_per_phase(rec, o);
    }
}

TEST(Observer, ComputeStepsNameTheFusedChainOrEachStage) {
  const cv::Mat in = test::random_image(96, 64, CV_8UC1, 3);
  const Pipeline p = Pipeline::parse("gaussian sigma=2 | sobel_mag | threshold t=40");
  for (bool fused : {true, false}) {
    RunOptions o = test::options(Backend::Serial, {32, 32}, 1);
    o.fused = fused;
    Recorder rec;
    o.observer = &rec;
    run(p, in, o);
    std::set<std::string> stages;
    for (const Recorder::Phase& ph : rec.phases)
      if (ph.event.tile == 0 && ph.event.phase == Phase::Compute) stages.insert(ph.stage);
    if (fused) {
      EXPECT_EQ(stages, (std::set<std::string>{"fused: gaussian | sobel_mag | threshold"}));
      EXPECT_TRUE(rec.passes.at(0).fused);
    } else {
      EXPECT_EQ(stages, (std::set<std::string>{"stage 1 'gaussian'", "stage 2 'sobel_mag'", "stage 3 'threshold'"}));
      EXPECT_FALSE(rec.passes.at(0).fused);
    }
    // Bytes: a u8 tile of 32x32 writes 1024 bytes and reads at least that much.
    for (const Recorder::Phase& ph : rec.phases) {
      if (ph.event.tile != 0) continue;
      if (ph.event.phase == Phase::Write) {
        EXPECT_EQ(ph.event.bytes, 1024);
      } else if (ph.event.phase == Phase::Read) {
        EXPECT_GE(ph.event.bytes, 1024);
      }
    }
  }
}

/// Options (TBB, 16x16 tiles, 2 threads) for a run that raises `cancel` after `tiles` tiles.
RunOptions cancelled_after(std::int64_t tiles, std::atomic<bool>& cancel) {
  RunOptions o = test::options(Backend::Tbb, {16, 16}, 2);
  o.cancel = &cancel;
  o.progress = [&cancel, tiles](std::int64_t done, std::int64_t) {
    if (done == tiles) cancel = true;
  };
  return o;
}

TEST(Observer, AFailedOrCancelledRunIsReported) {
  const cv::Mat in = test::random_image(128, 128, CV_8UC1, 5);
  {
    Recorder rec;
    RunOptions o = test::options(Backend::Tbb, {32, 32}, 2);
    o.observer = &rec;
    // canny's memory check fails before anything runs: no events at all.
    o.memory_budget = 1024;
    const Pipeline canny = Pipeline::parse("canny low=50 high=150");
    EXPECT_THROW(run(canny, in, o), UsageError);
    EXPECT_TRUE(rec.order.empty());
  }
  {
    Recorder rec;
    std::atomic<bool> cancel{false};
    RunOptions o = cancelled_after(3, cancel);
    o.observer = &rec;
    EXPECT_THROW(run(Pipeline::parse("gaussian sigma=2"), in, o), Cancelled);
    ASSERT_FALSE(rec.order.empty());
    EXPECT_EQ(rec.order.back(), "cancelled: cancelled");
    EXPECT_EQ(rec.mismatched, 0);
  }
}

/// A kernel whose every tile runs its own tbb::parallel_for (as an application's kernel may):
/// a worker waiting in it must not start another tile meanwhile, whose phases would nest in
/// this one's.
KernelPtr kernel_with_its_own_tbb_loop() {
  return make_op_kernel({.name = "tbb_invert",
                         .kernel_class = KernelClass::Pointwise,
                         .apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) {
                           out.create(in[0].size(), in[0].type());
                           // One task per row, so that the worker waits for the others to steal them.
                           tbb::parallel_for(
                               tbb::blocked_range<int>(0, in[0].rows, 1),
                               [&](const tbb::blocked_range<int>& rows) {
                                 for (int y = rows.begin(); y < rows.end(); ++y)
                                   for (int x = 0; x < in[0].cols; ++x) out.at<uchar>(y, x) = 255 - in[0].at<uchar>(y, x);
                               },
                               tbb::simple_partitioner());
                         }});
}

TEST(Observer, AKernelsOwnTbbLoopDoesNotNestTilesOnAWorker) {
  Pipeline p;
  p.add(kernel_with_its_own_tbb_loop(), {Pipeline::kInput});
  // (Unobserved, such runs do start tiles inside tiles: dozens of times in a few runs of
  // this size.)
  const cv::Mat in = test::random_image(2048, 1024, CV_8UC1, 4);
  for (int i = 0; i < 3; ++i) {
    RunOptions o = test::options(Backend::Tbb, {64, 64}, 4);
    o.fused = false;
    Recorder rec;
    o.observer = &rec;
    const cv::Mat out = run(p, in, o);
    EXPECT_TRUE(test::identical(out, 255 - in));
    expect_every_tile_once_per_phase(rec, o);
  }
}

/// Throws, with a message that JSON must escape (quotes, a newline, bytes that are not UTF-8),
/// on the tile holding pixel (40, 40).
KernelPtr kernel_that_fails() {
  return make_op_kernel({.name = "fails",
                         .kernel_class = KernelClass::Pointwise,
                         .apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) {
                           in[0].copyTo(out);
                           if (in[0].cols == 8 && in[0].rows == 8 && in[0].at<uchar>(0, 0) == 77)
                             throw std::runtime_error("bad \"tile\"\n\xff\xfe here");
                         }});
}

TEST(TraceWriter, AFailedRunIsRecordedWithItsErrorAsValidJson) {
  const TempDir dir;
  Pipeline p;
  p.add(kernel_that_fails(), {Pipeline::kInput});
  cv::Mat in(64, 64, CV_8UC1, cv::Scalar(1));
  in.at<uchar>(40, 40) = 77;
  for (Backend b : test::kBackends) {
    SCOPED_TRACE(to_string(b));
    const std::string path = dir.file(to_string(b) + ".json");
    TraceWriter trace(path);
    Recorder rec;
    RunOptions o = test::options(b, {8, 8}, 2);
    o.observer = &trace;
    EXPECT_THROW(run(p, in, o), KernelError);
    o.observer = &rec;
    EXPECT_THROW(run(p, in, o), KernelError);
    ASSERT_FALSE(rec.order.empty());
    EXPECT_EQ(rec.order.back().rfind("failed: ", 0), 0u) << rec.order.back();
    EXPECT_NE(rec.order.back().find("bad \"tile\""), std::string::npos) << rec.order.back();
    trace.finish();
    std::ifstream is(path);
    const nlohmann::json doc = nlohmann::json::parse(is);  // throws if not valid JSON (UTF-8)
    const auto& r = doc["tessera"]["runs"][0];
    EXPECT_EQ(r["status"], "failed");
    EXPECT_NE(r["error"].get<std::string>().find("bad \"tile\"\n\xEF\xBF\xBD\xEF\xBF\xBD here"), std::string::npos)
        << r["error"];
  }
}

TEST(TraceWriter, ATraceLargerThanItsBufferIsWrittenInOrder) {
  // 4096 tiles on 4 threads: about 2 MB of events, so the 64 KiB buffer is written out
  // several times while workers go on adding to it.
  const TempDir dir;
  const std::string path = dir.file("big.json");
  TraceWriter trace(path);
  RunOptions o = test::options(Backend::Tbb, {8, 8}, 4);
  o.observer = &trace;
  const cv::Mat in = test::random_image(512, 512, CV_8UC1, 9);
  const Pipeline p = Pipeline::parse("gaussian sigma=1 | threshold t=100");
  EXPECT_TRUE(test::identical(run(p, in, o), run_reference(p, in)));
  trace.finish();
  EXPECT_GT(std::filesystem::file_size(path), 16u * 64 * 1024);
  EXPECT_TRUE(test::valid_trace(path));
}

TEST(TraceWriter, WritesAValidTraceOfEveryPass) {
  const TempDir dir;
  const cv::Mat in = test::random_image(203, 157, CV_8UC3, 11);
  for (const Case& c : kCases)
    for (Backend b : test::kBackends) {
      SCOPED_TRACE(std::string(c.spec) + " on " + to_string(b));
      const std::string path = dir.file("run.json");
      std::filesystem::remove(path);
      {
        TraceWriter trace(path);
        RunOptions o = test::options(b, {64, 48}, 3);
        o.fused = c.fused;
        o.observer = &trace;
        run(Pipeline::parse(std::string("gray | ") + c.spec), in, o);
        EXPECT_FALSE(std::filesystem::exists(path)) << "renamed into place before finish()";
        trace.finish();
      }
      EXPECT_TRUE(test::valid_trace(path));
      EXPECT_EQ(dir.files(), std::set<std::string>{"run.json"});  // no temporary file left
    }
}

TEST(TraceWriter, TwoRunsNumberTheirPassesOn) {
  const TempDir dir;
  const std::string path = dir.file("two.json");
  TraceWriter trace(path);
  RunOptions o = test::options(Backend::Tbb, {50, 50}, 2);
  o.observer = &trace;
  const cv::Mat in = test::random_image(120, 90, CV_8UC1, 2);
  run(Pipeline::parse("equalize"), in, o);
  run(Pipeline::parse("invert"), in, o);
  trace.finish();
  ASSERT_TRUE(test::valid_trace(path));
  std::ifstream is(path);
  const nlohmann::json doc = nlohmann::json::parse(is);
  ASSERT_EQ(doc["tessera"]["runs"].size(), 2u);
  std::vector<int> passes;
  for (const auto& p : doc["tessera"]["passes"]) passes.push_back(p["pass"].get<int>());
  EXPECT_EQ(passes, (std::vector<int>{0, 1, 2}));
}

TEST(TraceWriter, AnUnwritablePathIsAUsageErrorAndAnUnfinishedTraceLeavesNothing) {
  const TempDir dir;
  EXPECT_THROW(TraceWriter(dir.file("no/such/dir/run.json")), UsageError);
  EXPECT_THROW(TraceWriter(dir.file("")), UsageError);  // the directory itself
  EXPECT_THROW(TraceWriter(""), UsageError);
  {
    TraceWriter trace(dir.file("dropped.json"));
    RunOptions o = test::options(Backend::Serial, {32, 32}, 1);
    o.observer = &trace;
    run(Pipeline::parse("invert"), test::random_image(64, 64, CV_8UC1, 1), o);
  }  // never finished: nothing stays
  EXPECT_TRUE(dir.files().empty());
}

TEST(TraceWriter, ACancelledRunIsRecordedAsSuch) {
  const TempDir dir;
  const std::string path = dir.file("failed.json");
  TraceWriter trace(path);
  std::atomic<bool> cancel{false};
  RunOptions o = cancelled_after(5, cancel);
  o.observer = &trace;
  EXPECT_THROW(run(Pipeline::parse("gaussian sigma=2"), test::random_image(128, 128, CV_8UC1, 5), o), Cancelled);
  trace.finish();
  std::ifstream is(path);
  const nlohmann::json doc = nlohmann::json::parse(is);
  EXPECT_EQ(doc["tessera"]["runs"][0]["status"], "cancelled");
  EXPECT_EQ(doc["tessera"]["passes"][0]["pass"], 0);
}

}  // namespace
}  // namespace tessera
