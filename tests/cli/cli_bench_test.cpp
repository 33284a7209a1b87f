// `tessera bench`: the real binary on a small image: table, CSV and chart, and its errors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "temp_dir.hpp"
#include "tessera/tessera.hpp"
#include "cli/cli_run.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::istringstream is(text);
  for (std::string part; std::getline(is, part, sep);) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.push_back("");
  return parts;
}

bool is_number(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

using test::Result;
using test::slurp;

/// Runs `tessera bench` with `args` (a shell-quoted string).
Result bench(const test::TempDir& dir, const std::string& args) { return test::tessera_cli(dir, "bench " + args); }

class CliBench : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cv::imwrite(dir_.file("in.png"), test::random_image(300, 200, CV_8UC3, 5)));
  }
  std::string in() const { return dir_.file("in.png") + " -p 'gaussian sigma=2 | sobel_mag'"; }
  test::TempDir dir_;
};

TEST_F(CliBench, SweepPrintsTableAndWritesCsvAndChart) {
  const Result r = bench(dir_, in() + " --tiles 32,64,100x50 --threads 1,2 --repeat 2 --csv " + dir_.file("b.csv") +
                                   " --plot " + dir_.file("b.png"));
  ASSERT_EQ(r.code, 0) << r.err;

  // The table: one row per tile x threads, two auto rows, one best row marked '*'.
  std::set<std::pair<std::string, std::string>> swept;
  int auto_rows = 0, best = 0;
  for (const std::string& line : split(r.out, '\n')) {
    std::istringstream is(line);
    std::string first, tile, threads;
    is >> first;
    if (first == "*" && line.find("lowest median") == std::string::npos) ++best;
    tile = first == "*" ? "" : first;
    if (tile.empty()) is >> tile;
    if (tile == "auto") {
      is >> tile >> threads;
      auto_rows += threads == "1" || threads == "2";
    } else if (is >> threads && (threads == "1" || threads == "2")) {
      swept.insert({tile, threads});
    }
  }
  const std::set<std::pair<std::string, std::string>> expected{{"32x32", "1"},  {"32x32", "2"},  {"64x64", "1"},
                                                               {"64x64", "2"},  {"100x50", "1"}, {"100x50", "2"}};
  EXPECT_EQ(swept, expected) << r.out;
  EXPECT_EQ(auto_rows, 2) << r.out;
  EXPECT_EQ(best, 1) << r.out;
  for (const char* column : {"median s", "min s", "max s", "MP/s", "speedup", "peak MiB"})
    EXPECT_NE(r.out.find(column), std::string::npos) << column;
  EXPECT_NE(r.out.find("best swept"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[8/8]"), std::string::npos) << r.err;

  // The CSV: the header, then 6 swept and 2 auto rows of numbers.
  const std::vector<std::string> lines = split(slurp(dir_.file("b.csv")), '\n');
  ASSERT_GE(lines.size(), 9u);
  EXPECT_EQ(lines[0], "tile_w,tile_h,threads,backend,median_s,min_s,max_s,mpix_per_s,speedup,peak_rss_mib,auto");
  std::set<std::tuple<std::string, std::string, std::string>> csv_swept;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const std::vector<std::string> f = split(lines[i], ',');
    ASSERT_EQ(f.size(), 11u) << lines[i];
    EXPECT_EQ(f[3], "tbb");
    for (std::size_t c : {0, 1, 2, 4, 5, 6, 7, 9}) EXPECT_TRUE(is_number(f[c])) << c << ": " << lines[i];
    EXPECT_TRUE(f[8].empty() || is_number(f[8])) << lines[i];
    EXPECT_TRUE(f[10] == "0" || f[10] == "1") << lines[i];
    EXPECT_LE(std::stod(f[5]), std::stod(f[4]));
    EXPECT_LE(std::stod(f[4]), std::stod(f[6]));
    if (f[10] == "0") {
      EXPECT_TRUE(is_number(f[8])) << "swept rows have a speedup: " << lines[i];
      csv_swept.insert({f[0], f[1], f[2]});
    }
  }
  EXPECT_EQ(csv_swept.size(), 6u);
  EXPECT_TRUE(csv_swept.count({"100", "50", "2"}));

  // The chart decodes, at the documented size, and is not blank.
  const cv::Mat chart = cv::imread(dir_.file("b.png"), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(chart.empty());
  EXPECT_EQ(chart.cols, 900);
  EXPECT_EQ(chart.rows, 560);
  EXPECT_EQ(chart.channels(), 3);
  EXPECT_GT(cv::countNonZero(cv::Mat(255 - chart.reshape(1))), 1000);
  // Written atomically: no temporary file left beside them.
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "b.csv", "b.png"}));
}

TEST_F(CliBench, QuietNoAutoWithoutOneThread) {
  const Result r = bench(dir_, in() + " --tiles 64 --threads 2 --repeat 1 --warmup 0 --no-auto -q");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("auto"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("* 64x64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("speedup needs 1 thread"), std::string::npos) << r.out;
}

TEST_F(CliBench, Help) {
  const Result r = bench(dir_, "--help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"--tiles", "--threads", "--repeat", "--csv", "--plot", "--no-auto", "--page", "Examples"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  const std::vector<std::string> examples = test::example_pipelines(r.out);
  EXPECT_EQ(examples.size(), 3u) << r.out;
  for (const std::string& spec : examples) EXPECT_NO_THROW(Pipeline::parse(spec)) << spec;
}

TEST_F(CliBench, ErrorsExitNonZeroWithOneLineAndNoFiles) {
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  // Reports are asked for, so that a file left behind would show.
  const std::string in_r = in() + " --csv " + dir_.file("b.csv") + " --plot " + dir_.file("b.png");
  const Case cases[] = {
      {in_r + " --tiles 64,12q", 2, "tile size '12q'"},
      {in_r + " --tiles 64,0", 2, "tile size '0'"},
      {in_r + " --threads 0", 2, "threads '0' is not an integer >= 1"},
      {in_r + " --threads 1,-2", 2, "threads '-2'"},
      {in_r + " --repeat 0", 2, "--repeat 0 must be >= 1"},
      {in_r + " --warmup -1", 2, "--warmup -1 must be >= 0"},
      {in_r + " --backend gpu", 2, "backend 'gpu'"},
      {in() + " --plot " + dir_.file("b.xyz"), 2, "unknown image format"},
      {in() + " --csv " + dir_.file("nodir/b.csv"), 3, "does not exist"},
      {dir_.file("in.png") + " -p 'gausian'", 2, "unknown kernel"},
      {dir_.file("in.png"), 2, "--pipeline is required"},
      {dir_.file("missing.png") + " -p invert", 3, "missing.png': no such file"},
      {in() + " --page 1", 2, "pages are only for TIFF files"},
      {in() + " --bogus", 2, "the following argument was not expected: --bogus (see 'tessera bench --help')"},
  };
  for (const Case& c : cases) {
    const Result r = bench(dir_, c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("tessera: error: ", 0), 0u) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png"}));
}

}  // namespace
}  // namespace tessera
