// `tessera run --trace` and `tessera trace`: the real binary writes a valid trace, its summary
// adds up, the timeline is drawn, and bad paths and files are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <tiffio.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli/cli_run.hpp"
#include "temp_dir.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"
#include "tiff_test_util.hpp"
#include "trace_check.hpp"

namespace tessera {
namespace {

using test::Result;
using test::tessera_cli;
using Json = nlohmann::json;

class CliTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = test::random_image(300, 220, CV_8UC1, 3);
    tifftest::write_tiff(dir_.file("in.tif"), input_, {});
  }
  /// `tessera run` on in.tif to `out` with `pipeline` and `extra` options.
  Result run(const std::string& out, const std::string& pipeline, const std::string& extra) {
    return tessera_cli(dir_, "run -q " + dir_.file("in.tif") + " " + dir_.file(out) + " -p '" + pipeline + "' " + extra);
  }
  test::TempDir dir_;
  cv::Mat input_;
};

TEST_F(CliTrace, RunWritesAValidTraceAndTheSameImage) {
  const std::string spec = "gaussian sigma=2 | equalize | sobel_mag | threshold t=40";
  for (const char* backend : {"tbb", "omp", "serial"}) {
    SCOPED_TRACE(backend);
    const Result r = run("out.tif", spec, "--tile 64x48 --threads 3 --backend " + std::string(backend) + " --trace " +
                                              dir_.file("run.json"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(test::valid_trace(dir_.file("run.json")));
    const cv::Mat out = read_image(dir_.file("out.tif"));
    EXPECT_TRUE(test::identical(out, run_reference(Pipeline::parse(spec), input_)));
  }
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.tif", "out.tif", "run.json"}));  // no temporary files
}

TEST_F(CliTrace, TheSummaryAddsUp) {
  ASSERT_EQ(run("out.png", "gaussian sigma=2 | equalize | median ksize=3", "--tile 40 --threads 2 --trace " +
                                                                               dir_.file("run.json"))
                .code,
            0);
  const Result r = tessera_cli(dir_, "trace " + dir_.file("run.json") + " --json --top 3");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json s = Json::parse(r.out);
  const double wall = s["wall_ms"], busy = s["busy_ms"], idle = s["idle_ms"];
  const int threads = s["threads"];
  EXPECT_EQ(threads, 2);
  EXPECT_GT(busy, 0);
  // Busy and idle time are counted separately (idle from the gaps between a worker's events):
  // together they are the wall time on every worker.
  EXPECT_NEAR(busy + idle, wall * threads, 0.05 * wall * threads);
  EXPECT_NEAR(s["scheduling_overhead_ms"].get<double>(), wall * threads - busy, 1e-6 * wall);
  double worker_busy = 0;
  for (const Json& w : s["workers"]) {
    worker_busy += w["busy_ms"].get<double>();
    EXPECT_LE(w["busy_ms"].get<double>(), wall * 1.0001);
  }
  EXPECT_NEAR(worker_busy, busy, 1e-6 * busy);
  EXPECT_NEAR(s["read_ms"].get<double>() + s["compute_ms"].get<double>() + s["write_ms"].get<double>() +
                  s["close_ms"].get<double>(),
              busy, 1e-3 * busy + 1e-3);
  // Three passes (blur to equalize's statistics, equalize's map with the median), all tiles.
  const TileGrid grid({300, 220}, {40, 40});
  ASSERT_EQ(s["passes"].size(), 3u);
  std::int64_t tiles = 0;
  for (const Json& p : s["passes"]) {
    EXPECT_EQ(p["tiles"], grid.count());
    tiles += p["tiles"].get<std::int64_t>();
    EXPECT_GE(p["tail_ms"].get<double>(), 0);
    EXPECT_LE(p["tail_ms"].get<double>(), p["ms"].get<double>());
    EXPECT_LE(p["tail_idle_ms"].get<double>(), threads * p["ms"].get<double>());
  }
  EXPECT_EQ(s["tile_tasks"], tiles);
  EXPECT_LE(s["tail_idle_ms"].get<double>(), idle * 1.0001);  // the tails are part of the idle time
  ASSERT_EQ(s["slowest_tiles"].size(), 3u);
  double previous = INFINITY;
  for (const Json& t : s["slowest_tiles"]) {
    EXPECT_LE(t["ms"].get<double>(), previous);
    previous = t["ms"];
    EXPECT_LE(t["x"].get<std::int64_t>() + t["w"].get<std::int64_t>(), 300);
  }
  // The text form says the same.
  const Result text = tessera_cli(dir_, "trace " + dir_.file("run.json"));
  ASSERT_EQ(text.code, 0) << text.err;
  for (const char* what : {"wall ", "busy ", "scheduling overhead", "tail ", "slowest tiles", "worker  1", "pass 2"})
    EXPECT_NE(text.out.find(what), std::string::npos) << what << "\n" << text.out;
}

/// A trace written by hand, times in microseconds: one pass of three tiles on two workers.
///   worker 0: tile 0 read 0-10, compute 10-40, write 40-50; idle 50-52; tile 2 read 52-55,
///             compute 55-95, write 95-100
///   worker 1: tile 1 read 0-20, compute 20-60, write 60-70; idle 70-100
constexpr char kHandTrace[] = R"({"otherData":{"tool":"tessera","version":"0","format":1},"traceEvents":[
{"ph":"M","pid":1,"tid":0,"name":"thread_name","args":{"name":"worker 0"}},
{"ph":"M","pid":1,"tid":1,"name":"thread_name","args":{"name":"worker 1"}},
{"ph":"X","pid":1,"tid":0,"name":"read","ts":0,"dur":10,"args":{"pass":0,"tile":0,"x":0,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}},
{"ph":"X","pid":1,"tid":1,"name":"read","ts":0,"dur":20,"args":{"pass":0,"tile":1,"x":10,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}},
{"ph":"X","pid":1,"tid":0,"name":"compute","ts":10,"dur":30,"args":{"pass":0,"tile":0,"x":0,"y":0,"w":10,"h":10,"bytes":100,"attempt":1,"stage":"a"}},
{"ph":"X","pid":1,"tid":0,"name":"write","ts":40,"dur":10,"args":{"pass":0,"tile":0,"x":0,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}},
{"ph":"X","pid":1,"tid":0,"name":"read","ts":52,"dur":3,"args":{"pass":0,"tile":2,"x":20,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}},
{"ph":"X","pid":1,"tid":1,"name":"compute","ts":20,"dur":40,"args":{"pass":0,"tile":1,"x":10,"y":0,"w":10,"h":10,"bytes":100,"attempt":1,"stage":"a"}},
{"ph":"X","pid":1,"tid":1,"name":"write","ts":60,"dur":10,"args":{"pass":0,"tile":1,"x":10,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}},
{"ph":"X","pid":1,"tid":0,"name":"compute","ts":55,"dur":40,"args":{"pass":0,"tile":2,"x":20,"y":0,"w":10,"h":10,"bytes":100,"attempt":1,"stage":"a"}},
{"ph":"X","pid":1,"tid":0,"name":"write","ts":95,"dur":5,"args":{"pass":0,"tile":2,"x":20,"y":0,"w":10,"h":10,"bytes":100,"attempt":1}}
],"tessera":{"format":1,"runs":[{"pipeline":"invert","input":[30,10],"input_type":"u8x1","output":[30,10],
"output_type":"u8x1","tile":[10,10],"threads":2,"backend":"tbb","start_us":0,"end_us":100,"status":"ok"}],
"passes":[{"pass":0,"run":0,"kind":"tiled","label":"stage 1 'invert'","tiles":3,"image":[30,10],"tile":[10,10],
"fused":true,"start_us":0,"end_us":100}]}})";

TEST_F(CliTrace, TheSummaryOfAKnownTraceHasItsFigures) {
  std::ofstream(dir_.file("hand.json")) << kHandTrace;
  ASSERT_TRUE(test::valid_trace(dir_.file("hand.json")));
  const Result r = tessera_cli(dir_, "trace " + dir_.file("hand.json") + " --json --top 3");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json s = Json::parse(r.out);
  const auto near = [](const Json& v, double want) { EXPECT_NEAR(v.get<double>(), want, 1e-9) << want; };
  near(s["wall_ms"], 0.100);
  EXPECT_EQ(s["threads"], 2);
  near(s["busy_ms"], 0.168);
  near(s["idle_ms"], 0.032);  // 2 us between worker 0's tiles, 30 us after worker 1's last
  near(s["tail_idle_ms"], 0.030);
  near(s["scheduling_overhead_ms"], 0.032);
  near(s["read_ms"], 0.033);
  near(s["compute_ms"], 0.110);
  near(s["write_ms"], 0.025);
  near(s["workers"][0]["busy_ms"], 0.098);
  near(s["workers"][1]["busy_ms"], 0.070);
  near(s["workers"][1]["idle_ms"], 0.030);
  near(s["passes"][0]["tail_ms"], 0.030);
  near(s["passes"][0]["write_pct"], 25.0);
  EXPECT_EQ(s["tile_tasks"], 3);
  ASSERT_EQ(s["slowest_tiles"].size(), 3u);
  const int order[] = {1, 2, 0};                // read + compute: 60, 43 and 40 us
  const double task_ms[] = {0.060, 0.043, 0.040};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s["slowest_tiles"][i]["tile"], order[i]);
    near(s["slowest_tiles"][i]["ms"], task_ms[i]);
  }
  EXPECT_EQ(s["slowest_tiles"][0]["x"], 10);
  EXPECT_EQ(s["slowest_tiles"][0]["worker"], 1);
  near(s["slowest_tiles"][1]["read_ms"], 0.003);
}

TEST_F(CliTrace, PlotDrawsTheTimeline) {
  ASSERT_EQ(run("out.tif", "box ksize=5 | canny low=50 high=150", "--tile 64 --trace " + dir_.file("run.json")).code, 0);
  const Result r = tessera_cli(dir_, "trace " + dir_.file("run.json") + " --plot " + dir_.file("timeline.png") +
                                         " --width 900");
  ASSERT_EQ(r.code, 0) << r.err;
  const cv::Mat png = cv::imread(dir_.file("timeline.png"), cv::IMREAD_COLOR);
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 900);
  // Bars in the compute colour (the chart palette's second, BGR 14,127,255) are drawn.
  cv::Mat compute;
  cv::inRange(png, cv::Scalar(14, 127, 255), cv::Scalar(14, 127, 255), compute);
  EXPECT_GT(cv::countNonZero(compute), 100);
}

TEST_F(CliTrace, AnUnwritableTracePathIsRefusedBeforeTheRun) {
  for (const std::string& bad : {dir_.file("no/such/dir/run.json"), dir_.file(""), dir_.file("in.tif")}) {
    SCOPED_TRACE(bad);
    const Result r = run("out.tif", "invert", "--trace " + bad);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("tessera: error: "), std::string::npos) << r.err;
    EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.tif"}));  // no output, no trace
  }
  const Result same = run("out.tif", "invert", "--trace " + dir_.file("out.tif"));
  EXPECT_EQ(same.code, 2);
  EXPECT_NE(same.err.find("is the output image"), std::string::npos) << same.err;
}

TEST_F(CliTrace, AFailedRunKeepsItsTraceWithTheError) {
  // canny needs its whole image in memory: with 100 KiB it is refused before anything runs,
  // and there is nothing to trace ...
  TiffWriteOptions small;
  small.tile = {16, 16};
  tifftest::write_tiff(dir_.file("small.tif"), input_, small);
  Result r = tessera_cli(dir_, "run -q " + dir_.file("small.tif") + " " + dir_.file("out.tif") +
                                   " -p 'canny low=50 high=150' --memory 100K --trace " + dir_.file("run.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("a global kernel needs its whole input and output in memory"), std::string::npos) << r.err;
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.tif", "small.tif"}));
  // ... while a damaged tile fails the run in the middle: the trace says what ran, and how it ended.
  const std::string path = dir_.file("corrupt.tif");
  tifftest::write_corrupt_tile3(path);
  r = tessera_cli(dir_, "run -q " + path + " " + dir_.file("o.tif") + " -p invert --tile 16 --trace " +
                            dir_.file("failed.json"));
  ASSERT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // the error, one line, as always
  EXPECT_FALSE(std::filesystem::exists(dir_.file("o.tif")));
  std::ifstream is(dir_.file("failed.json"));
  const Json doc = Json::parse(is);
  EXPECT_EQ(doc["tessera"]["runs"][0]["status"], "failed");
  EXPECT_FALSE(doc["tessera"]["runs"][0]["error"].get<std::string>().empty());
  const Result summary = tessera_cli(dir_, "trace " + dir_.file("failed.json"));
  EXPECT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("status failed"), std::string::npos) << summary.out;
}

TEST_F(CliTrace, WhatIsNotATesseraTraceExits3) {
  ASSERT_EQ(run("out.tif", "invert", "--trace " + dir_.file("run.json")).code, 0);
  const std::string whole = test::slurp(dir_.file("run.json"));
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
    return dir_.file(name);
  };
  const std::pair<std::string, std::string> cases[] = {
      {write("cut.json", whole.substr(0, whole.size() / 2)), "ends early"},
      {write("other.json", R"({"traceEvents":[{"ph":"X","pid":1,"tid":1,"ts":0,"dur":1,"name":"x"}]})"),
       "not a tessera trace"},
      {write("array.json", "[1, 2, 3]"), "not a tessera trace"},
      {write("text.json", "hello"), "not a tessera trace"},
      {write("empty.json", ""), "not a tessera trace"},
      {write("tool.json", R"({"otherData":{"tool":7},"traceEvents":[]})"), "not a tessera trace"},
      {write("dur.json", std::string(kHandTrace).replace(std::string(kHandTrace).find("\"dur\":10"), 8, "\"dur\":\"ten\"")),
       "not a tessera trace"},
      {write("tid.json", std::string(kHandTrace).replace(std::string(kHandTrace).find("\"tid\":1,\"name\":\"read\""), 7,
                                                         "\"tid\":99999")),
       "not a tessera trace"},
      {write("norun.json", R"({"otherData":{"tool":"tessera"},"traceEvents":[],"tessera":{"runs":[],"passes":[]}})"),
       "records no run"},
      {dir_.file("in.tif"), "not a tessera trace"},
      {dir_.file("missing.json"), "cannot read"},
  };
  for (const auto& [path, words] : cases) {
    SCOPED_TRACE(path);
    const Result r = tessera_cli(dir_, "trace " + path);
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_EQ(r.err.rfind("tessera: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace tessera
