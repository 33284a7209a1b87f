// bench/compare: tessera against OpenCV op by op, libvips and Halide on the same in-memory
// image and pipeline, in one session, alternating round-robin. Checks that tessera's output
// equals OpenCV's bit for bit (exit 1 if not) and reports how far libvips' and Halide's
// outputs are from OpenCV's. Prints markdown tables of medians, minima and ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <time.h>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include "peer.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"

namespace tessera::compare {
namespace {

struct Options {
  std::string pipeline = "all";
  int size = 8192;
  int threads = 0;  // 0 = all cores
  int reps = 7;
  std::string tile = "auto";
  int gap_ms = 0;     // idle time before each timed run
  std::string peers;  // empty = all built
};

/// How far a peer's output is from OpenCV's.
struct Difference {
  int max = 0;                // largest absolute difference of a sample
  std::int64_t samples = 0;   // samples (pixel channels) that differ
};

Difference difference(const cv::Mat& got, const cv::Mat& want) {
  CV_Assert(got.size() == want.size() && got.type() == want.type());
  cv::Mat diff;
  cv::absdiff(got, want, diff);
  double max = 0;
  cv::minMaxLoc(diff.reshape(1), nullptr, &max);
  return {int(max), cv::countNonZero(diff.reshape(1))};
}

double seconds_since(std::int64_t start) {
  return double(cv::getTickCount() - start) / cv::getTickFrequency();
}

/// CPU seconds used by the whole process (all threads) so far.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "unknown";
  return cv::format("%.2f %.2f %.2f", load[0], load[1], load[2]);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&t));
  return text;
}

std::vector<std::unique_ptr<Peer>> make_peers(const Options& o, const char* argv0) {
  std::vector<std::unique_ptr<Peer>> peers;
  const auto wanted = [&](const std::string& name) {
    return o.peers.empty() || ("," + o.peers + ",").find("," + name + ",") != std::string::npos;
  };
  peers.push_back(make_tessera_peer(o.tile == "auto" ? Size{0, 0} : parse_tile_size(o.tile)));
  peers.push_back(make_opencv_peer());  // peers[1] is the reference
  (void)wanted;                          // unused when neither libvips nor Halide is built in
#ifdef TESSERA_COMPARE_HAVE_VIPS
  if (wanted("libvips")) peers.push_back(make_vips_peer(argv0));
#endif
#ifdef TESSERA_COMPARE_HAVE_HALIDE
  if (wanted("halide")) peers.push_back(make_halide_peer());
#endif
  (void)argv0;
  return peers;
}

/// Runs one chain with every peer; false if tessera's output differs from OpenCV's.
bool compare_chain(Chain chain, const Options& o, int threads, std::vector<std::unique_ptr<Peer>>& peers) {
  const cv::Mat input = chain_input(chain, o.size);
  std::printf("\n## %s: `%s` on %dx%d %s, %d threads, %d reps\n\n", chain_name(chain).c_str(),
              chain_spec(chain).c_str(), o.size, o.size, input.channels() == 1 ? "u8 gray" : "u8 BGR", threads,
              o.reps);
  for (auto& p : peers) p->prepare(chain, input, threads);
  for (auto& p : peers) std::printf("- %s: %s\n", p->name().c_str(), p->describe().c_str());

  // Warm-up: one run each, which is also the run whose output is checked.
  const cv::Mat reference = peers[1]->run(input).clone();
  std::vector<Difference> diffs;
  for (auto& p : peers) diffs.push_back(difference(p->run(input), reference));

  const std::string load_before = load_average();
  std::vector<std::vector<double>> ms(peers.size()), cpu_ms(peers.size());
  for (int r = 0; r < o.reps; ++r) {
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (o.gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.gap_ms));
      const double cpu_start = process_cpu_seconds();
      const std::int64_t start = cv::getTickCount();
      const cv::Mat out = peers[i]->run(input);
      ms[i].push_back(seconds_since(start) * 1e3);
      cpu_ms[i].push_back((process_cpu_seconds() - cpu_start) * 1e3);
    }
  }
  std::printf("\nload average before / after the timed runs: %s / %s\n\n", load_before.c_str(),
              load_average().c_str());

  const double tessera_median = median(ms[0]);
  std::printf("| implementation | median | min | median / tessera's | CPU time (median) | vs OpenCV: max diff | "
              "differing samples |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const double m = median(ms[i]);
    const double total = double(input.total()) * input.channels();
    std::printf("| %s | %.1f ms | %.1f ms | %.2fx | %.0f ms | %d | %lld (%.4f%%) |\n", peers[i]->name().c_str(), m,
                *std::min_element(ms[i].begin(), ms[i].end()), m / tessera_median, median(cpu_ms[i]), diffs[i].max,
                static_cast<long long>(diffs[i].samples), 100.0 * double(diffs[i].samples) / total);
  }
  std::fflush(stdout);
  if (diffs[0].samples != 0) {
    std::printf("\nFAILED: tessera's output differs from OpenCV op by op in %lld samples\n",
                static_cast<long long>(diffs[0].samples));
    return false;
  }
  std::printf("\ntessera == OpenCV op by op: bit-identical\n");
  return true;
}

}  // namespace
}  // namespace tessera::compare

int main(int argc, char** argv) {
  using namespace tessera::compare;
  Options o;
  CLI::App app{"tessera vs OpenCV op by op, libvips and Halide on the same image and pipeline, alternating"};
  app.add_option("--pipeline", o.pipeline, "p1, colour or all")->check(CLI::IsMember({"p1", "colour", "all"}));
  app.add_option("--size", o.size, "image side in pixels (square)")->check(CLI::Range(64, 1 << 16));
  app.add_option("--threads", o.threads, "threads for every implementation; 0 = all cores")->check(CLI::Range(0, 1024));
  app.add_option("--reps", o.reps, "timed runs of each implementation, round-robin")->check(CLI::Range(1, 1000));
  app.add_option("--tile", o.tile, "tessera's tile size WxH, or auto (tessera::choose_tile)");
  app.add_option("--gap-ms", o.gap_ms,
                 "idle time before each timed run, so that the previous peer's worker threads have gone to sleep")
      ->check(CLI::Range(0, 10000));
  app.add_option("--peers", o.peers, "comma-separated subset to run, e.g. tessera,halide (OpenCV always runs: it is "
                                     "the reference)");
  CLI11_PARSE(app, argc, argv);

  try {
    const int threads = tessera::effective_threads(o.threads);
    std::printf("# bench/compare, %s\n\n", now_text().c_str());
    std::printf("machine: %s, %d hardware threads; OpenCV %s; load average at start: %s\n", cpu_model().c_str(),
                cv::getNumberOfCPUs(), CV_VERSION, load_average().c_str());
    auto peers = make_peers(o, argv[0]);
    bool ok = true;
    for (const Chain chain : {Chain::P1, Chain::Colour})
      if (o.pipeline == "all" || o.pipeline == chain_name(chain)) ok = compare_chain(chain, o, threads, peers) && ok;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare: %s\n", e.what());
    return 1;
  }
}
