// tessera embedded in an application: run() from the application's threads and from inside
// its own TBB parallelism, under its tbb::global_control, kernel errors as the caller sees
// them, progress and cancellation.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "test_util.hpp"
#include "tessera/error.hpp"
#include "tessera/kernel.hpp"
#include "tessera/pipeline.hpp"
#include "tessera/run.hpp"

namespace tessera {
namespace {

using namespace std::chrono_literals;

using test::kBackends;
const char* const kP1 = "gaussian sigma=2 | sobel_mag | threshold t=40";

/// Runs `fn` on another thread and waits at most `limit` for it: a deadlock fails the test
/// (and ends the process, since the stuck threads cannot be joined) instead of hanging it.
/// Rethrows what `fn` threw.
template <class F>
void within(std::chrono::seconds limit, const std::string& what, F&& fn) {
  std::packaged_task<void()> task(std::forward<F>(fn));
  std::future<void> done = task.get_future();
  std::thread worker(std::move(task));
  if (done.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << what << " did not finish within " << limit.count() << " s: deadlock";
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }
  worker.join();
  done.get();
}

/// What one run's tracking kernel saw: how many threads were inside process() at once, at
/// most, and which threads called it.
struct Concurrency {
  /// The first call waits up to `patience` for this many threads to be inside process() at
  /// once (0: no wait), so that a thread the run could use is certain to show up.
  int rendezvous = 0;
  std::chrono::milliseconds patience{0};

  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> calls{0};
  std::atomic<bool> waited{false};
  std::mutex mutex;
  std::set<std::thread::id> ids;

  void enter() {
    const int now = inside.fetch_add(1) + 1;
    int max = max_inside.load();
    while (now > max && !max_inside.compare_exchange_weak(max, now)) {
    }
    ++calls;
    {
      std::lock_guard lock(mutex);
      ids.insert(std::this_thread::get_id());
    }
    if (rendezvous > 0 && !waited.exchange(true)) {
      const auto deadline = std::chrono::steady_clock::now() + patience;
      while (inside.load() < rendezvous && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100us);
    }
  }
  void leave() { inside.fetch_sub(1); }

  std::size_t distinct_threads() {
    std::lock_guard lock(mutex);
    return ids.size();
  }
};

/// Pointwise bitwise NOT that records into a Concurrency how it is called; each call also
/// takes `work` (sleeping), so that concurrent calls overlap.
class TrackingKernel final : public Kernel {
 public:
  TrackingKernel(Concurrency* seen, std::chrono::microseconds work) : seen_(seen), work_(work) {}

  std::string name() const override { return "tracking_not"; }
  KernelClass kernel_class() const override { return KernelClass::Pointwise; }
  PixelType output_type(std::span<const PixelType> in) const override { return in[0]; }

  void process(const TileIO& io) const override {
    seen_->enter();
    std::this_thread::sleep_for(work_);
    cv::bitwise_not(io.in[0], io.out);
    seen_->leave();
  }

  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    cv::bitwise_not(in[0], out);
    return out;
  }

 private:
  Concurrency* seen_;
  std::chrono::microseconds work_;
};

/// Copies its input, except on the output tile that contains pixel `at`: there it throws
/// std::runtime_error, as application code would.
class FailingKernel final : public Kernel {
 public:
  explicit FailingKernel(Rect at) : at_(at) {}

  std::string name() const override { return "fails_at_pixel"; }
  KernelClass kernel_class() const override { return KernelClass::Pointwise; }
  PixelType output_type(std::span<const PixelType> in) const override { return in[0]; }

  void process(const TileIO& io) const override {
    if (io.out_rect.contains(at_)) throw std::runtime_error("application kernel gave up here");
    io.in[0].copyTo(io.out);
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return in[0].clone(); }

 private:
  Rect at_;
};

// --- 1. several application threads call run() at once -------------------------------------

TEST(Embedding, ConcurrentRunsFromApplicationThreads) {
  struct Job {
    cv::Mat input, expected;
  };
  // Different sizes, seeds and channel counts, so that a result handed to the wrong caller,
  // or state shared between runs, shows as wrong bits.
  const std::vector<std::pair<cv::Size, int>> shapes = {
      {{700, 500}, CV_8UC1}, {{640, 480}, CV_8UC3}, {{517, 389}, CV_8UC1}, {{333, 611}, CV_8UC3}};
  const Pipeline p = Pipeline::parse(kP1);
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& [size, type] = shapes[i];
    Job job;
    job.input = test::random_image(size.width, size.height, type, 100 + static_cast<unsigned>(i));
    job.expected = run_reference(p, job.input);
    jobs.push_back(job);
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<cv::Mat> got(jobs.size());
    std::vector<std::string> errors(jobs.size());
    within(60s, "4 concurrent run() calls", [&] {
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < jobs.size(); ++i)
        threads.emplace_back([&, i] {
          try {
            RunOptions o;
            o.threads = 2;
            o.tile = {96 + 32 * static_cast<std::int64_t>(i), 80};
            got[i] = run(p, jobs[i].input, o);
          } catch (const std::exception& e) {
            errors[i] = e.what();
          }
        });
      for (std::thread& t : threads) t.join();
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      EXPECT_EQ(errors[i], "") << "round " << round << ", image " << i;
      EXPECT_TRUE(test::identical(got[i], jobs[i].expected)) << "round " << round << ", image " << i;
    }
  }
}

// --- 2. run() from inside the application's own tbb::parallel_for ---------------------------

/// 8 runs with threads=2 from the iterations of a tbb::parallel_for, in `arena` (nullptr:
/// the default one); each run's kernel must never see more than 2 threads inside it at
/// once, and every result must equal the reference.
void nested_runs(const std::string& what, tbb::task_arena* arena) {
  constexpr int kImages = 8, kThreads = 2;
  const Pipeline base = Pipeline::parse(kP1);
  std::vector<cv::Mat> inputs, expected(kImages), got(kImages);
  std::vector<std::unique_ptr<Concurrency>> seen;
  std::vector<Pipeline> pipelines;
  for (int i = 0; i < kImages; ++i) {
    inputs.push_back(test::random_image(700 - 20 * i, 500, i % 3 == 2 ? CV_8UC3 : CV_8UC1, 200 + static_cast<unsigned>(i)));
    seen.push_back(std::make_unique<Concurrency>());
    // Give a third thread, were the run to use one, time to show up.
    seen.back()->rendezvous = kThreads + 1;
    seen.back()->patience = 30ms;
    Pipeline p = base;
    p.add(std::make_shared<TrackingKernel>(seen.back().get(), 300us));
    expected[static_cast<std::size_t>(i)] = run_reference(p, inputs.back());
    pipelines.push_back(std::move(p));
  }
  std::vector<RunStats> stats(kImages);
  const auto loop = [&] {
    tbb::parallel_for(0, kImages, [&](int i) {
      const auto k = static_cast<std::size_t>(i);
      RunOptions o;
      o.threads = kThreads;
      o.tile = {128, 128};
      got[k] = run(pipelines[k], inputs[k], o, &stats[k]);
    });
  };
  within(60s, what, [&] {
    if (arena) arena->execute(loop);
    else loop();
  });
  for (std::size_t k = 0; k < kImages; ++k) {
    EXPECT_TRUE(test::identical(got[k], expected[k])) << what << ", image " << k;
    EXPECT_EQ(stats[k].threads, kThreads);
    EXPECT_GT(seen[k]->calls.load(), 0);
    EXPECT_LE(seen[k]->max_inside.load(), kThreads)
        << what << ", image " << k << ": more threads inside one run's kernel than RunOptions::threads ("
        << seen[k]->distinct_threads() << " distinct threads in all)";
  }
}

TEST(Embedding, RunInsideApplicationParallelForDefaultParallelism) {
  nested_runs("tbb::parallel_for in the default arena", nullptr);
}

TEST(Embedding, RunInsideApplicationParallelForOfEightThreads) {
  // Allow TBB 8 threads whatever the core count, and run the application's loop in an
  // 8-thread arena: a run that executed its tiles in the caller's arena instead of its own
  // 2-thread one would be seen with up to 8 threads inside its kernel.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  tbb::task_arena application(8);
  // Control: the application's own parallel_for there does get more than 2 threads at once.
  Concurrency control;
  control.rendezvous = 3;
  control.patience = 2s;
  within(60s, "control loop", [&] {
    application.execute([&] {
      tbb::parallel_for(0, 16, [&](int) {
        control.enter();
        std::this_thread::sleep_for(1ms);
        control.leave();
      });
    });
  });
  ASSERT_GE(control.max_inside.load(), 3) << "the 8-thread arena never ran 3 iterations at once";
  nested_runs("tbb::parallel_for in an 8-thread arena", &application);
}

// --- 3. the application's tbb::global_control ----------------------------------------------

struct Observed {
  int stats_threads = 0;
  int max_inside = 0;
  std::size_t distinct = 0;
};

Observed observe(Backend backend, int threads, int rendezvous) {
  Concurrency seen;
  seen.rendezvous = rendezvous;
  seen.patience = 300ms;
  Pipeline p;
  p.add(std::make_shared<TrackingKernel>(&seen, 200us));
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 7);
  RunOptions o;
  o.threads = threads;
  o.backend = backend;
  o.tile = {100, 100};
  RunStats stats;
  cv::Mat out;
  within(60s, "run under global_control", [&] { out = run(p, in, o, &stats); });
  EXPECT_TRUE(test::identical(out, run_reference(p, in)));
  return {stats.threads, seen.max_inside.load(), seen.distinct_threads()};
}

TEST(Embedding, ApplicationGlobalControlLimitsTheTbbBackend) {
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    // With threads=4 on a machine of fewer cores, tessera raises TBB's cap with a
    // global_control of its own; the smaller limit wins (and TBB prints a warning that its
    // request for workers is ignored).
    for (int threads : {0, 2, 4}) {
      const Observed o = observe(Backend::Tbb, threads, 2);
      // The limit holds for tile tasks: only the calling thread works.
      EXPECT_EQ(o.max_inside, 1) << "threads=" << threads;
      EXPECT_EQ(o.distinct, 1u) << "threads=" << threads;
      // RunStats::threads reports the arena size asked for, not what TBB granted.
      EXPECT_EQ(o.stats_threads, effective_threads(threads)) << "threads=" << threads;
    }
    // The OpenMP backend does not use TBB's thread pool: global_control does not limit it.
    if (test::runs(Backend::Omp)) {
      const Observed omp = observe(Backend::Omp, 2, 2);
      EXPECT_EQ(omp.max_inside, 2);
      EXPECT_EQ(omp.stats_threads, 2);
    }
  }
  // The limit ends with the application's global_control object.
  const Observed after = observe(Backend::Tbb, 2, 2);
  EXPECT_EQ(after.max_inside, 2);
}

// --- 4. an application kernel throws --------------------------------------------------------

TEST(Embedding, KernelExceptionReachesCallerAsKernelErrorWithTile) {
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 3);
  const Rect pixel{300, 200, 1, 1};
  const Rect tile{256, 192, 128, 96};  // the 128x96 tile containing (300, 200)
  for (const bool after_stencil : {false, true}) {
    Pipeline p = after_stencil ? Pipeline::parse("gaussian sigma=2") : Pipeline();
    const NodeId id = p.add(std::make_shared<FailingKernel>(pixel));
    const std::string label = p.node(id).label;
    for (Backend be : kBackends) {
      const std::string where = to_string(be) + (after_stencil ? ", after gaussian" : ", alone");
      RunOptions o;
      o.backend = be;
      o.threads = 2;
      o.tile = {128, 96};
      try {
        run(p, in, o);
        ADD_FAILURE() << where << ": no exception";
      } catch (const KernelError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(label), std::string::npos) << where << ": " << msg << " does not name " << label;
        EXPECT_NE(msg.find("fails_at_pixel"), std::string::npos) << where << ": " << msg;
        EXPECT_NE(msg.find("application kernel gave up here"), std::string::npos) << where << ": " << msg;
        ASSERT_TRUE(e.tile().has_value()) << where;
        EXPECT_EQ(*e.tile(), tile) << where << ": tile " << to_string(*e.tile());
      } catch (const std::exception& e) {
        ADD_FAILURE() << where << ": not a KernelError: " << e.what();
      }
    }
  }
}

// --- 5. progress and cancel -----------------------------------------------------------------

/// One run's progress calls: exactly 1, 2, ..., total, each with the same total.
::testing::AssertionResult progress_counts_up(const Pipeline& p, const cv::Mat& in, Backend be) {
  std::mutex mutex;
  std::vector<std::int64_t> done;
  std::set<std::int64_t> totals;
  std::set<std::thread::id> callers;
  RunOptions o;
  o.backend = be;
  o.threads = 2;
  o.tile = {16, 16};  // 1408 tiles
  o.progress = [&](std::int64_t d, std::int64_t total) {
    {
      std::lock_guard lock(mutex);
      done.push_back(d);
      totals.insert(total);
      callers.insert(std::this_thread::get_id());
    }
    // Now and then the application takes its time (redraws, logs), as real callbacks do;
    // meanwhile the other threads finish tiles and queue up to report them.
    if (d % 16 == 0) std::this_thread::sleep_for(500us);
  };
  RunStats stats;
  run(p, in, o, &stats);
  if (stats.passes != 1) return ::testing::AssertionFailure() << stats.passes << " passes (counts restart with each)";
  if (totals != std::set<std::int64_t>{stats.tiles})
    return ::testing::AssertionFailure() << totals.size() << " different totals, expected only " << stats.tiles;
  if (done.size() != static_cast<std::size_t>(stats.tiles))
    return ::testing::AssertionFailure() << done.size() << " calls for " << stats.tiles << " tiles";
  const auto bad = std::adjacent_find(done.begin(), done.end(), [](std::int64_t a, std::int64_t b) { return b != a + 1; });
  if (done.front() != 1 || bad != done.end())
    return ::testing::AssertionFailure() << "counts not 1, 2, ..., " << stats.tiles << ": first call progress("
                                         << done.front() << "), then progress(" << *bad << ") followed by progress("
                                         << *(bad + 1) << "); last call progress(" << done.back() << ", " << stats.tiles
                                         << ")";
  if (be == Backend::Serial && callers != std::set{std::this_thread::get_id()})
    return ::testing::AssertionFailure() << "the serial backend called progress from another thread";
  return ::testing::AssertionSuccess();
}

TEST(Embedding, ProgressCountsUpOneByOneToTotal) {
  // Many cheap tiles, so that threads often finish tiles at the same moment.
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 5);
  const Pipeline p = Pipeline::parse("threshold t=40");
  for (Backend be : kBackends)
    for (int round = 0; round < 5; ++round) {
      const ::testing::AssertionResult ok = progress_counts_up(p, in, be);
      if (!ok) {
        ADD_FAILURE() << to_string(be) << ", round " << round << ": " << ok.message();
        break;
      }
    }
}

TEST(Embedding, CancelFromProgressThrowsCancelled) {
  const cv::Mat in = test::random_image(700, 500, CV_8UC1, 6);
  const Pipeline p = Pipeline::parse(kP1);
  for (Backend be : kBackends) {
    std::atomic<bool> cancel{false};
    std::atomic<std::int64_t> calls{0}, total{0};
    RunOptions o;
    o.backend = be;
    o.threads = 2;
    o.tile = {32, 32};  // 352 tiles
    o.cancel = &cancel;
    o.progress = [&](std::int64_t done, std::int64_t n) {
      ++calls;
      total = n;
      if (done >= 3) cancel = true;
    };
    EXPECT_THROW(run(p, in, o), Cancelled) << to_string(be);
    // Tiles already running finish (a few per thread), nothing new starts.
    EXPECT_GE(calls.load(), 3) << to_string(be);
    EXPECT_LT(calls.load(), total.load() / 4) << to_string(be) << ": " << calls.load() << " of " << total.load()
                                              << " tiles reported after cancelling at 3";
  }
}


// A Global kernel's process() and a reduce kernel's partial() run outside tile tasks; their
// exceptions reach the caller as KernelError too.
class ThrowingGlobal final : public tessera::Kernel {
 public:
  std::string name() const override { return "gfail"; }
  tessera::KernelClass kernel_class() const override { return tessera::KernelClass::Global; }
  tessera::PixelType output_type(std::span<const tessera::PixelType> in) const override { return in[0]; }
  void process(const tessera::TileIO&) const override { throw std::runtime_error("global boom"); }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return in[0]; }
};
class ThrowingReduce final : public tessera::ReduceKernel {
 public:
  std::string name() const override { return "rfail"; }
  tessera::PixelType output_type(std::span<const tessera::PixelType> in) const override { return in[0]; }
  cv::Mat partial(const cv::Mat&) const override { throw std::runtime_error("partial boom"); }
  void merge(cv::Mat& acc, const cv::Mat& part) const override { acc = part; }
  void map(const tessera::TileIO& io, const cv::Mat&) const override { io.in[0].copyTo(io.out); }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return in[0]; }
};

TEST(Embedding, GlobalAndReduceKernelExceptionsAreKernelErrors) {
  const cv::Mat in(50, 60, CV_8UC1, cv::Scalar(1));
  tessera::Pipeline g, r;
  g.add(std::make_shared<ThrowingGlobal>());
  r.add(std::make_shared<ThrowingReduce>());
  EXPECT_THROW(tessera::run(g, in), tessera::KernelError);
  EXPECT_THROW(tessera::run(r, in), tessera::KernelError);
}

}  // namespace
}  // namespace tessera
