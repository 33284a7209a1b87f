// The tessera binary: happy paths checked against the library, and each error's exit code and message.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "temp_dir.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

/// Runs the tessera binary with `args` (a shell-quoted string).
Result tessera_cli(const test::TempDir& dir, const std::string& args) {
  const std::string out = dir.file(".stdout"), err = dir.file(".stderr");
  const std::string cmd = std::string(TESSERA_CLI) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = test::random_image(211, 157, CV_8UC3, 17);
    ASSERT_TRUE(cv::imwrite(dir_.file("in.png"), input_));
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
      {"run " + in + " " + dir_.file("out.xyz") + " -p invert", 2, "unknown image format"},
      {"run " + in + " " + dir_.file("nodir/out.png") + " -p invert", 3, "does not exist"},
      {"frobnicate", 2, "error"},
  };
  for (const Case& c : cases) {
    const Result r = tessera_cli(dir_, c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("tessera: error: ", 0), 0u) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(dir_.files(), (std::set<std::string>{"in.png", "junk.png"}));
}

}  // namespace
}  // namespace tessera
