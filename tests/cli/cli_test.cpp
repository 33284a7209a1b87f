// The tessera binary: happy paths checked against the library, and each error's exit code and message.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "temp_dir.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"
#include "cli/cli_run.hpp"
#include "tiff_test_util.hpp"

namespace tessera {
namespace {

using test::Result;
using test::slurp;
using test::tessera_cli;

/// The tessera binary started with `args`, stdout and stderr both to `fd`, the progress
/// bar (on a terminal) from the start.
pid_t spawn(const std::vector<std::string>& args, int fd) {
  std::vector<char*> argv{const_cast<char*>(TESSERA_CLI)}, envp;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  static char no_delay[] = "TESSERA_PROGRESS_DELAY_MS=0";
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(no_delay);
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

/// Appends what `fd` has to `text`, waiting up to `ms`; false at end of file (or EIO, a
/// pty's end) and when nothing came in time.
bool read_some(int fd, std::string& text, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return false;
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  text.append(buf, static_cast<std::size_t>(n));
  return true;
}

/// Reads `fd` to its end, then reaps `pid`: its exit code, or 128 + the signal that killed it.
int finish(pid_t pid, int fd, std::string& text) {
  while (read_some(fd, text, 20000)) {
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// An error as tessera reports it: one line on stderr, "tessera: error: ...", nothing on stdout.
void expect_one_error_line(const Result& r, const std::string& what) {
  EXPECT_EQ(r.err.rfind("tessera: error: ", 0), 0u) << what << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << "\n" << r.err;
  EXPECT_EQ(r.err.back(), '\n') << what;
  EXPECT_EQ(r.out, "") << what;
}

/// Whether a run's arguments name an image file other than a TIFF (so that it loads OpenCV's
/// codecs module, ~50 MiB of libraries).
bool loads_codecs(const std::string& args) {
  std::istringstream words(args);
  for (std::string w; words >> w;) {
    const std::size_t dot = w.rfind('.');
    if (dot == std::string::npos || w.find('/') == std::string::npos) continue;
    const std::string ext = w.substr(dot);
    if (ext != ".tif" && ext != ".tiff" && ext.find('/') == std::string::npos) return true;
  }
  return false;
}

/// The peak resident memory of a run that does next to nothing: a 1x1 TIFF to TIFF, or a 1x1
/// PNG to PNG with the codecs module loaded. What a process costs before it holds any pixels.
std::int64_t baseline_rss(bool codecs) {
  static const std::int64_t rss[2] = {[] {
                                        test::TempDir dir;
                                        tifftest::write_tiff(dir.file("one.tif"), cv::Mat(1, 1, CV_8UC1), {});
                                        return tessera_cli(dir, "run -q " + dir.file("one.tif") + " " +
                                                                    dir.file("out.tif") + " -p invert")
                                            .peak_rss;
                                      }(),
                                      [] {
                                        test::TempDir dir;
                                        cv::imwrite(dir.file("one.png"), cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(9)));
                                        return tessera_cli(dir, "run -q " + dir.file("one.png") + " " +
                                                                    dir.file("out.png") + " -p invert")
                                            .peak_rss;
                                      }()};
  return rss[codecs ? 1 : 0];
}

/// What a run may hold at its peak: 1 GiB, or less under `--memory M` -- the baseline process of
/// its kind plus twice M (the bound; a process cannot fit in a --memory of kilobytes).
std::int64_t allowed_rss(const std::string& args) {
  constexpr std::int64_t kGiB = std::int64_t{1} << 30;
  const std::size_t at = args.find("--memory ");
  if (at == std::string::npos) return kGiB;
  const std::size_t from = at + 9, to = args.find(' ', from);
  try {
    return std::min(kGiB, baseline_rss(loads_codecs(args)) + 2 * parse_memory_size(args.substr(from, to - from)));
  } catch (const UsageError&) {
    return kGiB;  // a bad --memory value: the run only prints its error
  }
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::cli_runs().clear();
    input_ = test::random_image(211, 157, CV_8UC3, 17);
    ASSERT_TRUE(cv::imwrite(dir_.file("in.png"), input_));
  }
  /// Prints the peak resident memory of every run of the test, and holds it to allowed_rss:
  /// the suite's record that no input -- the crafted bad files above all -- makes tessera
  /// take more memory than it was given.
  void TearDown() override {
    auto runs = std::move(test::cli_runs());
    test::cli_runs().clear();
    for (const test::CliRun& run : runs) {
      // A budget below one tile: tessera says it may use more, and runs one tile at a time.
      const std::int64_t allowed = run.warned_over_budget ? std::int64_t{1} << 30 : allowed_rss(run.args);
      std::printf("peak RSS %7.1f MiB (allowed %6.1f MiB%s): tessera %.160s\n", double(run.peak_rss) / (1 << 20),
                  double(allowed) / (1 << 20), run.warned_over_budget ? ", warned" : "", run.args.c_str());
      EXPECT_LE(run.peak_rss, allowed) << "tessera " << run.args;
    }
  }
  test::TempDir dir_;
  cv::Mat input_;
};

TEST_F(Cli, RunWritesWhatTheLibraryComputes) {
  const std::string spec = "gray | gaussian sigma=2 | sobel_mag | threshold t=40";
  const Result r = tessera_cli(dir_, "run " + dir_.file("in.png") + " " + dir_.file("out.png") + " --pipeline '" +
                                         spec + "' --tile 50x30 --threads 3 --backend omp");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + dir_.file("out.png")), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" s: "), std::string::npos) << r.out;
  const cv::Mat got = cv::imread(dir_.file("out.png"), cv::IMREAD_UNCHANGED);
  EXPECT_TRUE(test::identical(got, run_reference(Pipeline::parse(spec), input_)));
}

TEST_F(Cli, QuietPrintsNothing) {
  const Result r = tessera_cli(dir_, "run -q " + dir_.file("in.png") + " " + dir_.file("o.png") + " -p invert");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, KernelsListsTheRegistry) {
  const Result all = tessera_cli(dir_, "kernels");
  ASSERT_EQ(all.code, 0);
  for (const KernelInfo* k : Registry::builtin().entries())
    EXPECT_NE(all.out.find(k->name), std::string::npos) << k->name;
  const Result one = tessera_cli(dir_, "kernels gaussian");
  ASSERT_EQ(one.code, 0);
  EXPECT_NE(one.out.find("class: stencil"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("sigma"), std::string::npos);
  const Result bad = tessera_cli(dir_, "kernels gausian");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("did you mean 'gaussian'"), std::string::npos) << bad.err;
}

TEST_F(Cli, HelpAndVersion) {
  const Result h = tessera_cli(dir_, "run --help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("--pipeline"), std::string::npos);
  EXPECT_NE(h.out.find("Examples"), std::string::npos);
  for (const char* option : {"--page", "a quarter of it", "--trace"}) EXPECT_NE(h.out.find(option), std::string::npos) << option;
  const std::vector<std::string> examples = test::example_pipelines(h.out);
  EXPECT_EQ(examples.size(), 7u) << h.out;
  for (const std::string& spec : examples) EXPECT_NO_THROW(Pipeline::parse(spec)) << spec;
  const Result v = tessera_cli(dir_, "--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find(version()), std::string::npos);
}

TEST_F(Cli, ErrorsExitNonZeroWithOneLineAndNoOutputFile) {
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::string in = dir_.file("in.png"), out = dir_.file("out.png");
  std::ofstream(dir_.file("junk.png")) << "not an image";
  const Case cases[] = {
      {"run " + in + " " + out + " -p 'gausian sigma=2'", 2, "stage 1 'gausian': unknown kernel"},
      {"run " + in + " " + out + " -p 'gaussian sigma=-1'", 2, "sigma=-1 is out of range"},
      {"run " + in + " " + out + " -p 'gray | gray'", 2, "stage 2 'gray': needs"},
      {"run " + in + " " + out + " -p invert --tile 0", 2, "tile size '0'"},
      {"run " + in + " " + out + " -p invert --backend gpu", 2, "backend 'gpu'"},
      {"run " + in + " " + out + " -p invert --threads -2", 2, "threads=-2"},
      {"run " + in + " " + out, 2, "--pipeline is required"},
      {"run " + dir_.file("missing.png") + " " + out + " -p invert", 3, "missing.png': no such file"},
      {"run " + dir_.file("junk.png") + " " + out + " -p invert", 3, "cannot decode"},
      {"run " + in + " " + dir_.file("out.xyz") + " -p invert", 2, "unknown image format '.xyz'"},
      // The output is checked before the input is read, or anything runs.
      {"run " + dir_.file("missing.png") + " " + dir_.file("out.xyz") + " -p invert", 2, "unknown image format"},
      {"run " + in + " " + dir_.file("nodir/out.png") + " -p invert", 3, "does not exist"},
      {"run " + in + " " + out + " -p invert --bogus", 2,
       "the following argument was not expected: --bogus (see 'tessera run --help')"},
      {"info", 2, "file is required (see 'tessera info --help')"},
      {"run " + in + " " + out + " -p invert --quality 300", 2, "--quality: Value 300 not in range"},
      {"frobnicate", 2, "unknown command 'frobnicate' (commands: run, kernels, info, bench, trace)"},
      {"", 2, "no command given"},
      {"run " + in + " " + out + " -p invert --page 1", 2, "pages are only for TIFF files"},
      {"run " + in + " " + out + " -p invert --memory 16K", 2, "does not fit the memory budget of 16.0 KiB"},
      // A format that cannot hold the output's type is refused before the run (OpenCV would
      // convert it without a word: u16 to .bmp saturated to u8, f32 to .png as 0 and 1).
      {"run " + in + " " + dir_.file("out.bmp") + " -p 'convert to=u16'", 2,
       ".bmp cannot hold u16x3 pixels (OpenCV would write them as u8x3, converted without a word); formats that "
       "hold them: .tif, .png"},
      {"run " + in + " " + out + " -p 'convert to=f32'", 2, ".png cannot hold f32x3 pixels"},
      {"run " + in + " " + dir_.file("out.jpg") + " -p 'sobel dx=1 dy=0'", 2, ".jpg cannot hold s16x3 pixels"},
      {"run " + in + " " + dir_.file("out.ppm") + " -p gray", 2, "OpenCV's .ppm encoder refuses u8x1 pixels"},
      {"run " + in + " " + dir_.file("out.pbm") + " -p gray", 2, ".pbm does not keep the values of u8x1 pixels"},
      {"run " + in + " " + dir_.file("out.jpg") + " -p 'pad bottom=65400'", 2,
       "the output (211x65557 u8x3) is wider or taller than the 65500 pixels a .jpg file is read back at"},
  };
  for (const Case& c : cases) {
    const Result r = tessera_cli(dir_, c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    expect_one_error_line(r, c.args);
  }
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "junk.png"}));
}

TEST_F(Cli, RunJsonMatchesTheLibrary) {
  const std::string spec = "gray | gaussian sigma=2", in = dir_.file("in.png"), out = dir_.file("out.png");
  const Result r = tessera_cli(dir_, "run " + in + " " + out + " -p '" + spec + "' --tile 50x30 -j 2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // the whole of stdout is one JSON object
  const Pipeline pipeline = Pipeline::parse(spec);
  EXPECT_EQ(j["input"], in);
  EXPECT_EQ(j["output"], out);
  EXPECT_EQ(j["pipeline"], pipeline.str());
  EXPECT_EQ(j["width"], input_.cols);
  EXPECT_EQ(j["height"], input_.rows);
  EXPECT_EQ(j["type"], PixelType::of(input_).str());
  EXPECT_EQ(j["output_type"], "u8x1");
  EXPECT_EQ(j["tile"], nlohmann::json({50, 30}));
  EXPECT_EQ(j["tile_auto"], false);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["backend"], "tbb");
  EXPECT_EQ(j["tiles"], TileGrid({input_.cols, input_.rows}, {50, 30}).count());
  EXPECT_EQ(j["passes"], 1);
  EXPECT_GT(j["seconds"].get<double>(), 0);
  EXPECT_GT(j["megapixels_per_s"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 1);
  EXPECT_EQ(j["results"], nlohmann::json::array());
  EXPECT_TRUE(test::identical(cv::imread(out, cv::IMREAD_UNCHANGED), run_reference(pipeline, input_)));
}

TEST_F(Cli, RunJsonCarriesStageResults) {
  const std::string spec = "gray | stats";
  const Result r = tessera_cli(dir_, "run " + dir_.file("in.png") + " " + dir_.file("o.png") + " -p '" + spec + "' --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  RunStats stats;
  run(Pipeline::parse(spec), input_, {}, &stats);
  ASSERT_EQ(stats.results.size(), 1u);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["stage"], stats.results[0].stage);
  EXPECT_EQ(j["results"][0]["result"], nlohmann::json::parse(stats.results[0].json));
}

TEST_F(Cli, TileAutoGivesTheSameBitsAndExplainsItself) {
  const std::string in = dir_.file("in.png"), p = " -p 'gaussian sigma=3 | sobel_mag'";
  const Result fixed = tessera_cli(dir_, "run -q " + in + " " + dir_.file("fixed.png") + p + " --tile 64");
  ASSERT_EQ(fixed.code, 0) << fixed.err;
  const Result tuned = tessera_cli(dir_, "run " + in + " " + dir_.file("auto.png") + p + " --tile auto --verbose --json");
  ASSERT_EQ(tuned.code, 0) << tuned.err;
  EXPECT_EQ(slurp(dir_.file("auto.png")), slurp(dir_.file("fixed.png")));
  const auto j = nlohmann::json::parse(tuned.out);
  EXPECT_EQ(j["tile_auto"], true);
  EXPECT_GT(j["autotune"]["predicted_seconds"].get<double>(), 0);
  EXPECT_NE(tuned.err.find("auto tile: "), std::string::npos) << tuned.err;
  EXPECT_NE(tuned.err.find("measured "), std::string::npos) << tuned.err;
  EXPECT_NE(tuned.err.find("(predicted "), std::string::npos) << tuned.err;
}

TEST_F(Cli, InfoDescribesAnImage) {
  const cv::Mat image = test::random_image(200, 120, CV_16UC3, 5);
  const std::string path = dir_.file("deep.png");
  ASSERT_TRUE(cv::imwrite(path, image));
  const Result text = tessera_cli(dir_, "info " + path);
  ASSERT_EQ(text.code, 0) << text.err;
  // "label:" then the value after any padding.
  const auto has = [&](const std::string& label, const std::string& value) {
    const auto at = text.out.find(label + ":");
    return at != std::string::npos && text.out.find_first_not_of(' ', at + label.size() + 1) ==
                                          text.out.find(value, at + label.size() + 1);
  };
  EXPECT_TRUE(has("format", "PNG")) << text.out;
  EXPECT_TRUE(has("size", "200x120")) << text.out;
  EXPECT_TRUE(has("channels", "3")) << text.out;
  EXPECT_TRUE(has("depth", "u16")) << text.out;
  const Result json = tessera_cli(dir_, "info --json " + path);
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["path"], path);
  EXPECT_EQ(j["format"], "PNG");
  EXPECT_EQ(j["width"], 200);
  EXPECT_EQ(j["height"], 120);
  EXPECT_EQ(j["channels"], 3);
  EXPECT_EQ(j["depth"], "u16");
  EXPECT_EQ(j["pages"], 1);
  EXPECT_EQ(j["file_bytes"], std::filesystem::file_size(path));
}

TEST_F(Cli, InfoErrors) {
  std::ofstream(dir_.file("junk.png")) << "not an image";
  for (const auto& [file, message] : {std::pair{"missing.png", "no such file"}, {"junk.png", "cannot decode"}}) {
    const Result r = tessera_cli(dir_, "info " + dir_.file(file));
    EXPECT_EQ(r.code, 3) << file;
    EXPECT_EQ(r.err.rfind("tessera: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const Result help = tessera_cli(dir_, "info --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
}

TEST_F(Cli, PagesByNameOrOption) {
  const std::string multi = dir_.file("multi.tif");
  tifftest::write_raw(multi, 3, 40, 30, [](TIFF*, int) {});  // page p: (40 + 10p) x 30
  const cv::Mat page2 = 255 - tifftest::expected_gray(60, 30, 2);
  const Result named = tessera_cli(dir_, "run -q '" + multi + "[page=2]' " + dir_.file("a.png") + " -p invert");
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_TRUE(test::identical(cv::imread(dir_.file("a.png"), cv::IMREAD_UNCHANGED), page2));
  const Result option = tessera_cli(dir_, "run -q " + multi + " " + dir_.file("b.png") + " -p invert --page 2");
  ASSERT_EQ(option.code, 0) << option.err;
  EXPECT_TRUE(test::identical(cv::imread(dir_.file("b.png"), cv::IMREAD_UNCHANGED), page2));
  // Both, agreeing, is fine; disagreeing is a usage error.
  EXPECT_EQ(tessera_cli(dir_, "run -q '" + multi + "[page=2]' " + dir_.file("c.png") + " -p invert --page 2").code, 0);
  const Result conflict = tessera_cli(dir_, "run '" + multi + "[page=1]' " + dir_.file("d.png") + " -p invert --page 2");
  EXPECT_EQ(conflict.code, 2);
  EXPECT_NE(conflict.err.find("names page 1 but --page says 2"), std::string::npos) << conflict.err;
  expect_one_error_line(conflict, "conflicting pages");
  const Result info = tessera_cli(dir_, "info --json --page 1 " + multi);
  ASSERT_EQ(info.code, 0) << info.err;
  const auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["width"], 50);
  EXPECT_EQ(j["page"], "1");
  EXPECT_EQ(j["pages"], 3);
  const Result missing = tessera_cli(dir_, "run " + multi + " " + dir_.file("e.png") + " -p invert --page 3");
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.err.find("page 3 does not exist"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("d.png")) || std::filesystem::exists(dir_.file("e.png")));
}

TEST_F(Cli, InfoDescribesWhatItCannotProcess) {
  const std::string s32 = dir_.file("s32.tif");
  tifftest::write_raw(
      s32, 1, 16, 8, [](TIFF* tif, int) { TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_INT); }, 32);
  const Result text = tessera_cli(dir_, "info " + s32);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("16x8"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("32-bit int"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tessera:      cannot process this page: unsupported samples: 32-bit int"), std::string::npos)
      << text.out;
  const Result json = tessera_cli(dir_, "info --json " + s32);
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["supported"], false);
  EXPECT_NE(std::string(j["unsupported"]).find("32-bit int"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(tessera_cli(dir_, "info --json " + dir_.file("in.png")).out)["supported"], true);
  const Result run = tessera_cli(dir_, "run " + s32 + " " + dir_.file("o.png") + " -p invert");
  EXPECT_EQ(run.code, 3);
  EXPECT_NE(run.err.find("unsupported samples"), std::string::npos) << run.err;

  // Three pages, the third directory cut off: two described, and a warning.
  const std::string cut = dir_.file("cut.tif");
  tifftest::write_raw(cut, 3, 16, 8, [](TIFF*, int) {});
  TIFF* tif = TIFFOpen(cut.c_str(), "r");
  ASSERT_EQ(TIFFSetDirectory(tif, 2), 1);
  const std::uint64_t third = TIFFCurrentDirOffset(tif);
  TIFFClose(tif);
  std::filesystem::resize_file(cut, third + 1);
  const Result broken = tessera_cli(dir_, "info " + cut);
  ASSERT_EQ(broken.code, 0) << broken.err;
  EXPECT_NE(broken.out.find("pages:        2"), std::string::npos) << broken.out;
  EXPECT_EQ(broken.err.rfind("tessera: warning: '" + cut + "': the file ends early or is damaged", 0), 0u) << broken.err;
  EXPECT_EQ(std::count(broken.err.begin(), broken.err.end(), '\n'), 1) << broken.err;
  EXPECT_EQ(tessera_cli(dir_, "info " + s32).err, "") << "no warning for an intact file";
}

TEST_F(Cli, CorruptTiffExits3WithOneLineNamingTheFileAndTile) {
  const std::string path = dir_.file("corrupt.tif");
  tifftest::write_corrupt_tile3(path);
  const Result r = tessera_cli(dir_, "run " + path + " " + dir_.file("out.tif") + " -p invert");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot read '" + path + "': tile 3 at (x=0, y=32)"), std::string::npos) << r.err;
  expect_one_error_line(r, "corrupt tile");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.tif")));
}

TEST_F(Cli, MemoryBudget) {
  // A streamed TIFF with a budget below one tile: a warning, once, and the right result.
  const std::string tif = dir_.file("in.tif");
  // TIFF tiles of 32x32 (3 KiB decoded): within the source's share of even a tiny budget.
  ASSERT_EQ(tessera_cli(dir_, "run -q " + dir_.file("in.png") + " " + tif + " -p 'invert | invert' --out-tile 32").code, 0);
  const Result small = tessera_cli(dir_, "run -q " + tif + " " + dir_.file("o.tif") + " -p gray --memory 64K --tile 128");
  ASSERT_EQ(small.code, 0) << small.err;
  EXPECT_EQ(small.err.rfind("tessera: warning: --memory 64.0 KiB leaves 16.0 KiB for tiles in flight, less than one "
                            "128x128 tile needs (at least 64.0 KiB)", 0),
            0u)
      << small.err;
  EXPECT_EQ(std::count(small.err.begin(), small.err.end(), '\n'), 1) << small.err;
  cv::Mat gray;
  cv::cvtColor(input_, gray, cv::COLOR_BGR2GRAY);
  EXPECT_TRUE(test::identical(cv::imread(dir_.file("o.tif"), cv::IMREAD_UNCHANGED), gray));
  const Result enough = tessera_cli(dir_, "run -q " + tif + " " + dir_.file("o.tif") + " -p gray --memory 1G --tile 128");
  EXPECT_EQ(enough.code, 0);
  EXPECT_EQ(enough.err, "");
}

TEST_F(Cli, ImagesTooLargeForOpenCvSuggestATiledTiff) {
  const Result r = tessera_cli(dir_, "run " + dir_.file("in.png") + " " + dir_.file("o.png") + " -p invert",
                               "OPENCV_IO_MAX_IMAGE_PIXELS=10000");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("in.png': the image is too large for an in-memory format"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("convert it to a tiled TIFF, which tessera streams"), std::string::npos) << r.err;
  expect_one_error_line(r, "too large");
}

TEST_F(Cli, DamagedJpegAndPngExit3WithOneLineCarryingTheDecodersWords) {
  // Made here: a JPEG and a PNG, then cut in half, or with bytes of the scan data (or a
  // chunk's CRC) changed. libjpeg decodes the damaged JPEGs with grey areas after a warning
  // of its own, which tessera used to let through (exit 0).
  std::vector<uchar> jpeg, png;
  ASSERT_TRUE(cv::imencode(".jpg", input_, jpeg));
  ASSERT_TRUE(cv::imencode(".png", input_, png));
  const auto save = [&](const std::string& name, std::vector<uchar> bytes) {
    std::ofstream(dir_.file(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                           static_cast<std::streamsize>(bytes.size()));
  };
  std::vector<uchar> corrupt = jpeg;
  for (std::size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 64; ++i) corrupt[i] = 0xFF;
  std::vector<uchar> bad_crc = png;
  bad_crc[29] ^= 0xFF;  // IHDR's CRC
  save("cut.jpg", {jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2)});
  save("corrupt.jpg", corrupt);
  save("cut.png", {png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2)});
  save("crc.png", bad_crc);
  const std::pair<std::string, std::string> cases[] = {{"cut.jpg", "Premature end of JPEG file"},
                                                       {"corrupt.jpg", "Corrupt JPEG data"},
                                                       {"cut.png", "libpng error"},
                                                       {"crc.png", "libpng error: IHDR: CRC error"}};
  for (const auto& [name, words] : cases) {
    for (const std::string& cmd : {"run " + dir_.file(name) + " " + dir_.file("out.png") + " -p invert",
                                   "info " + dir_.file(name)}) {
      const Result r = tessera_cli(dir_, cmd);
      EXPECT_EQ(r.code, 3) << cmd << "\n" << r.err;
      EXPECT_NE(r.err.find("cannot decode '" + dir_.file(name) + "': the file is damaged or truncated"), std::string::npos)
          << r.err;
      EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
      expect_one_error_line(r, cmd);
    }
  }
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "cut.jpg", "corrupt.jpg", "cut.png", "crc.png"}));
}

TEST_F(Cli, TiffWarningsAreOneLineOrAnError) {
  const TiffWriteOptions one_strip = tifftest::one_strip(TiffCompression::None, 157);
  tifftest::write_tiff(dir_.file("odd.tif"), input_, one_strip);
  tifftest::patch_entry(dir_.file("odd.tif"), TIFFTAG_SOFTWARE, 0, 65000);  // an unknown tag: harmless
  Result r = tessera_cli(dir_, "run " + dir_.file("odd.tif") + " " + dir_.file("out.tif") + " -p invert --quiet");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("tessera: warning: '" + dir_.file("odd.tif") + "': ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("Unknown field with tag 65000"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  tifftest::write_tiff(dir_.file("lies.tif"), input_, one_strip);
  tifftest::patch_entry(dir_.file("lies.tif"), TIFFTAG_STRIPBYTECOUNTS, 8, 0);  // libtiff recomputes it
  r = tessera_cli(dir_, "run " + dir_.file("lies.tif") + " " + dir_.file("out2.tif") + " -p invert");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("StripByteCounts"), std::string::npos) << r.err;
  expect_one_error_line(r, "lies.tif");
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "odd.tif", "lies.tif", "out.tif"}));
}

TEST_F(Cli, MemoryBoundsTheFilesOwnStripsToo) {
  tifftest::write_tiff(dir_.file("strip.tif"), input_, tifftest::one_strip(TiffCompression::Deflate, 160));  // one 211x157 u8x3 strip: 97 KiB
  const Result r = tessera_cli(dir_, "run " + dir_.file("strip.tif") + " " + dir_.file("out.tif") + " -p invert --memory 128K");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("within 64.0 KiB of decoded pixels"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("its strips are 211x157, 97.1 KiB each to decode"), std::string::npos) << r.err;
  expect_one_error_line(r, "strip larger than the budget");
  EXPECT_EQ(tessera_cli(dir_, "run " + dir_.file("strip.tif") + " " + dir_.file("out.tif") + " -p invert --memory 1M --quiet").code, 0);
}

TEST_F(Cli, AFifoOrADeviceAsInputIsRefusedNotWaitedOn) {
  // Opening a FIFO for reading blocks until a writer comes: tessera used to wait forever.
  for (const std::string name : {"pipe.png", "pipe.tif", "pipe"}) {
    ASSERT_EQ(mkfifo(dir_.file(name).c_str(), 0600), 0);
    for (const std::string& cmd : {"run " + dir_.file(name) + " " + dir_.file("out.tif") + " -p invert",
                                  "info " + dir_.file(name)}) {
      const Result r = tessera_cli(dir_, cmd);
      EXPECT_EQ(r.code, 3) << cmd << "\n" << r.err;
      EXPECT_NE(r.err.find(name + "': it is a FIFO (named pipe), not a regular file"), std::string::npos) << r.err;
      expect_one_error_line(r, cmd);
    }
  }
  const Result r = tessera_cli(dir_, "run /dev/zero " + dir_.file("out.tif") + " -p invert");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("'/dev/zero': it is a device, not a regular file"), std::string::npos) << r.err;
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "pipe.png", "pipe.tif", "pipe"}));
}

TEST_F(Cli, OutputNamesUpToTheFileSystemsLimitAreWritten) {
  // 250 and 255 bytes: the temporary name beside the output used to add ~20 and fail.
  for (const std::string ext : {".tif", ".png"}) {
    for (const std::size_t length : {250, 255}) {
      const std::string name = std::string(length - ext.size(), 'n') + ext;
      const Result r = tessera_cli(dir_, "run " + dir_.file("in.png") + " " + dir_.file(name) + " -p invert --quiet");
      EXPECT_EQ(r.code, 0) << length << ext << "\n" << r.err;
      EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", name})) << length << ext;
      std::filesystem::remove(dir_.file(name));
    }
  }
}

TEST_F(Cli, OutputsLargerThanOpenCvReadsBackAreRefusedBeforeTheRun) {
  // 211x157 in (33,127 pixels), 211x257 out (54,227): over the limit only after the pipeline.
  const Result r = tessera_cli(dir_, "run " + dir_.file("in.png") + " " + dir_.file("o.png") + " -p 'pad bottom=100'",
                               "OPENCV_IO_MAX_IMAGE_PIXELS=40000");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("o.png': the output (211x257 u8x3) has more than the 40000 pixels OpenCV's codecs read back"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("write a .tif"), std::string::npos) << r.err;
  expect_one_error_line(r, "output too large");
  EXPECT_EQ(dir_.files(), std::set<std::string>{"in.png"});
}

/// A 3000x3000 image and a pipeline of about half a second on two cores (a third median to interrupt).
class CliLongRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    big_ = new test::TempDir;
    ASSERT_TRUE(cv::imwrite(big_->file("big.png"), test::random_image(3000, 3000, CV_8UC1, 3)));
  }
  static void TearDownTestSuite() { delete big_; }
  static inline test::TempDir* big_ = nullptr;
  static inline const std::string slow_ = "median ksize=21 | median ksize=21";
  test::TempDir dir_;

  /// How an interrupted run ended: its exit code, its output, the time from the signal to its end.
  struct Stopped {
    int code = 0;
    std::string text;
    std::chrono::steady_clock::duration after{};
  };
  /// A `--verbose` run of `args`, sent `sig` `wait` after its tiles start, read to its end.
  static Stopped interrupt(const std::vector<std::string>& args, int sig, std::chrono::milliseconds wait) {
    int fd = -1;
    Stopped s;
    const pid_t pid = start_verbose(args, fd, s.text);
    std::this_thread::sleep_for(wait);
    const auto sent = std::chrono::steady_clock::now();
    kill(pid, sig);
    s.code = finish(pid, fd, s.text);
    s.after = std::chrono::steady_clock::now() - sent;
    close(fd);
    return s;
  }

  /// A `--verbose` run of `args`, started and read until its tiles start (the settings line,
  /// printed just before them). Returns the pid; `fd` is the read end of its output.
  static pid_t start_verbose(std::vector<std::string> args, int& fd, std::string& text) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    args.push_back("--verbose");
    const pid_t pid = spawn(args, fds[1]);
    close(fds[1]);
    fd = fds[0];
    while (text.find(" backend\n") == std::string::npos && read_some(fd, text, 10000)) {
    }
    return pid;
  }
};

TEST_F(CliLongRun, CtrlCStopsPromptlyExits130AndLeavesNoFile) {
  const Stopped r = interrupt({"run", big_->file("big.png"), dir_.file("out.png"), "-p", slow_ + " | median ksize=21"},
                              SIGINT, std::chrono::milliseconds(150));
  EXPECT_EQ(r.code, 130) << r.text;
  EXPECT_LT(r.after, std::chrono::seconds(2));
  EXPECT_NE(r.text.find("tessera: cancelled\n"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("wrote"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("\r["), std::string::npos) << "no progress bar unless stderr is a terminal";
  EXPECT_EQ(dir_.files(), std::set<std::string>{}) << "no output, no temp file";
}

TEST_F(CliLongRun, HangupQuitAndBrokenPipeStopTheRunAsCtrlCDoes) {
  for (const int sig : {SIGHUP, SIGQUIT, SIGPIPE, SIGTERM}) {
    const Stopped r = interrupt({"run", big_->file("big.png"), dir_.file("out.tif"), "-p", slow_}, sig,
                                std::chrono::milliseconds(100));
    EXPECT_EQ(r.code, 130) << strsignal(sig) << "\n" << r.text;
    EXPECT_NE(r.text.find("tessera: cancelled\n"), std::string::npos) << strsignal(sig) << "\n" << r.text;
    EXPECT_EQ(dir_.files(), std::set<std::string>{}) << strsignal(sig) << ": no output, no temp file";
  }
}

TEST_F(Cli, ASignalAtAnyMomentMeansExit130AndNoOutputOrExit0AndTheOutput) {
  // Short runs, interrupted at moments spread over their second half, then at 0-15 ms after
  // they printed "wrote ...": a SIGINT that came after the final rename used to kill the
  // process (the default action, restored on the way out) with its output in place. Exit 130
  // must mean "no output".
  const std::string args_text = "run " + dir_.file("in.png") + " " + dir_.file("out.tif") + " -p 'gaussian sigma=2'";
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(tessera_cli(dir_, args_text).code, 0);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  std::filesystem::remove(dir_.file("out.tif"));
  int interrupted = 0, finished = 0;
  for (int i = 0; i < 32; ++i) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = spawn({"run", dir_.file("in.png"), dir_.file("out.tif"), "-p", "gaussian sigma=2"}, fds[1]);
    close(fds[1]);
    std::string text;
    if (i < 16) {
      std::this_thread::sleep_for(took * (50 + 3 * i) / 100);  // 50% .. 95% of a run
    } else {
      while (text.find("wrote ") == std::string::npos && read_some(fds[0], text, 10000)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(i - 16));
    }
    kill(pid, SIGINT);
    const int code = finish(pid, fds[0], text);
    close(fds[0]);
    const std::set<std::string> files = dir_.files();
    if (code == 130) {
      ++interrupted;
      EXPECT_EQ(files, std::set<std::string>{"in.png"}) << "try " << i << ": exit 130 with an output\n" << text;
    } else {
      ++finished;
      EXPECT_EQ(code, 0) << "try " << i << "\n" << text;
      EXPECT_EQ(files, (std::set<std::string>{"in.png", "out.tif"})) << "try " << i << "\n" << text;
    }
    std::filesystem::remove(dir_.file("out.tif"));
  }
  std::cout << "  " << interrupted << " runs interrupted, " << finished << " finished (a run takes "
            << took.count() / 1000 << " ms)\n";
}

TEST_F(CliLongRun, TheFirstCtrlCStopsALongTileWithinARow) {
  // One 3000² tile of a fused bilateral d=61 on one thread: about 10 s on this machine's cores.
  // The first SIGINT used to wait for the whole tile; the fused rows now poll the flag.
  const Stopped r = interrupt({"run", big_->file("big.png"), dir_.file("out.tif"), "-p",
                               "bilateral d=61 sigma_color=30 sigma_space=10", "--tile", "3000", "--threads", "1"},
                              SIGINT, std::chrono::milliseconds(300));
  EXPECT_EQ(r.code, 130) << r.text;
  // Well under the tile's 10 s (30 s and more under ASan, where exiting alone takes a second).
  EXPECT_LT(r.after, std::chrono::seconds(3)) << "a row's time, not a tile's";
  EXPECT_NE(r.text.find("tessera: cancelled\n"), std::string::npos) << r.text;
  EXPECT_EQ(dir_.files(), std::set<std::string>{}) << "no output, no temp file";
}

TEST_F(CliLongRun, SecondSignalEndsAtOnceAndLeavesNoTemporaryFile) {
  int fd = -1;
  std::string text;
  // One tile on one thread: the first SIGINT waits for it, for most of a second.
  const pid_t pid = start_verbose(
      {"run", big_->file("big.png"), dir_.file("out.tif"), "-p", slow_, "--tile", "3000", "--threads", "1"}, fd, text);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::set<std::string> during = dir_.files();
  ASSERT_EQ(during.size(), 1u) << "the temporary TIFF being written";
  EXPECT_EQ(during.begin()->rfind(".out.tessera-", 0), 0u) << *during.begin();
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto sent = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  const int code = finish(pid, fd, text);
  close(fd);
  EXPECT_EQ(code, 130) << text;
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(200)) << "at once";
  EXPECT_NE(text.find("tessera: cancelled\n"), std::string::npos) << text;
  EXPECT_EQ(dir_.files(), std::set<std::string>{}) << "no output, no temp file";
}

TEST_F(CliLongRun, ProgressBarOnATerminal) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int tty = open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(tty, 0);
  const pid_t pid = spawn({"run", big_->file("big.png"), dir_.file("out.png"), "-p", slow_}, tty);
  close(tty);
  std::string text;
  const int code = finish(pid, master, text);
  close(master);
  ASSERT_EQ(code, 0) << text;
  for (const char* want : {"\r[", " tiles ", "%", " MP/s ETA ", "\r\033[K"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  EXPECT_LT(text.find("\r\033[K"), text.find("tessera: wrote")) << "the bar is erased before the summary";
}

TEST_F(Cli, TiffStreamsThroughRunAndInfo) {
  const cv::Mat image = test::random_image(301, 203, CV_8UC3, 8);
  const std::string in = dir_.file("in.png"), tif = dir_.file("in.tif"), out = dir_.file("out.tif");
  ASSERT_TRUE(cv::imwrite(in, image));
  // PNG -> tiled TIFF (lossless) -> pipeline -> striped LZW TIFF, compared with the library.
  ASSERT_EQ(tessera_cli(dir_, "run " + in + " " + tif + " -q -p \"invert | invert\" --out-tile 64").code, 0);
  const std::string spec = "crop margin=10 | resize scale=0.9 interp=linear | sharpen";
  const Result r = tessera_cli(dir_, "run " + tif + " " + out + " -q -p \"" + spec + "\" --striped --compression lzw");
  ASSERT_EQ(r.code, 0) << r.err;
  const cv::Mat got = cv::imread(out, cv::IMREAD_UNCHANGED);
  EXPECT_TRUE(test::identical(got, run_reference(Pipeline::parse(spec), image)));
  const Result info = tessera_cli(dir_, "info --json " + out);
  ASSERT_EQ(info.code, 0) << info.err;
  const auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["format"], "TIFF");
  EXPECT_EQ(j["compression"], "lzw");
  EXPECT_EQ(j["width"], got.cols);
  EXPECT_NE(std::string(j["layout"]).find("striped"), std::string::npos);
  const Result bad_page = tessera_cli(dir_, "run " + tif + "[page=3] " + out + " -p invert");
  EXPECT_EQ(bad_page.code, 3) << bad_page.err;
  EXPECT_NE(bad_page.err.find("page 3"), std::string::npos) << bad_page.err;
}

}  // namespace
}  // namespace tessera
