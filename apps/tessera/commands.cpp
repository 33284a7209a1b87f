#include "commands.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <map>
#include <sstream>

#include "tessera/tessera.hpp"

namespace tessera::cli {

namespace {

struct RunArgs {
  std::string input, output, pipeline, tile = "256", backend = "tbb", memory;
  int threads = 0;
  bool quiet = false;
};

void run_command(const RunArgs& a) {
  RunOptions options;
  options.tile = parse_tile_size(a.tile);
  options.backend = parse_backend(a.backend);
  options.threads = a.threads;
  if (!a.memory.empty()) options.memory_budget = parse_memory_size(a.memory);
  const Pipeline pipeline = Pipeline::parse(a.pipeline);
  const cv::Mat input = read_image(a.input);
  RunStats stats;
  const cv::Mat output = run(pipeline, input, options, &stats);
  write_image_atomic(a.output, output);
  if (!a.quiet) {
    const double mpix = static_cast<double>(input.total()) / 1e6;
    std::ostringstream os;
    os << std::fixed << std::setprecision(3) << "tessera: wrote " << a.output << " (" << output.cols << "x"
       << output.rows << " " << PixelType::of(output).str() << ") in " << stats.seconds << " s: " << stats.tiles
       << " tiles of " << to_string(options.tile) << ", " << stats.threads << " thread"
       << (stats.threads == 1 ? "" : "s") << ", " << to_string(options.backend) << " backend, " << std::setprecision(1)
       << (stats.seconds > 0 ? mpix / stats.seconds : 0.0) << " MP/s\n";
    std::cout << os.str();
  }
  // Stages whose result is data (stats): one JSON object per line on stdout.
  for (const StageResult& r : stats.results) std::cout << "{\"stage\": \"" << r.stage << "\", \"result\": " << r.json << "}\n";
}

std::string param_line(const ParamSpec& p) {
  std::ostringstream os;
  os << "    " << std::left << std::setw(12) << p.name << " " << std::setw(22) << p.range_str() << " "
     << std::setw(16) << (p.default_value ? "default " + *p.default_value : "required") << " " << p.help;
  return os.str();
}

/// "  halo: 6x6 (with sigma=2)\n" for stencils; composites list the nodes they expand to.
std::string halo_line(const KernelInfo& k) {
  std::map<std::string, std::string> params;
  std::istringstream is(k.example);
  for (std::string kv; is >> kv;) params[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
  const std::vector<Step> steps = Registry::builtin().steps(k.name, params);
  const std::string with = k.example.empty() ? "" : " (with " + k.example + ")";
  if (steps.size() > 1) {
    std::string names;
    for (const Step& s : steps) names += (names.empty() ? "" : ", ") + s.kernel->name();
    return "  composite of: " + names + with + "\n";
  }
  const Halo h = steps[0].kernel->halo();
  if (h == Halo{}) return "";
  return "  halo: " + std::to_string(h.rx) + "x" + std::to_string(h.ry) + with + "\n";
}

void kernels_command(const std::string& name) {
  const Registry& reg = Registry::builtin();
  if (!name.empty()) {
    const KernelInfo& k = reg.at(name);
    std::cout << k.name << ": " << k.description << "\n  class: " << to_string(k.kernel_class)
              << "\n  types: " << k.types.str() << "\n" << halo_line(k) << "  parameters:" << (k.params.empty() ? " none" : "")
              << "\n";
    for (const auto& p : k.params) std::cout << param_line(p) << "\n";
    if (!k.example.empty()) std::cout << "  example: " << k.name << " " << k.example << "\n";
    return;
  }
  std::size_t width = 0;
  for (const KernelInfo* k : reg.entries()) width = std::max(width, k->name.size());
  for (const KernelInfo* k : reg.entries()) {
    std::cout << std::left << std::setw(static_cast<int>(width + 2)) << k->name << std::setw(16) << to_string(k->kernel_class) << " "
              << k->description << "\n";
    for (const auto& p : k->params) std::cout << param_line(p) << "\n";
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a pipeline on an image, tile by tile, and write the result");
  cmd->add_option("input", args->input, "Input image (any format OpenCV reads: PNG, JPEG, TIFF, ...)")->required();
  cmd->add_option("output", args->output, "Output image; the format follows the extension")->required();
  cmd->add_option("-p,--pipeline", args->pipeline,
                  "Kernels separated by '|', each 'name key=value ...' ('tessera kernels' lists them)")
      ->required();
  cmd->add_option("-t,--tile", args->tile, "Tile size: N (square) or WxH")->capture_default_str();
  cmd->add_option("-j,--threads", args->threads, "Worker threads; 0 = all cores")->capture_default_str();
  cmd->add_option("-b,--backend", args->backend, "Scheduler: tbb (task graph), omp (OpenMP) or serial")
      ->capture_default_str();
  cmd->add_option("-m,--memory", args->memory,
                  "Memory budget for whole-image stages (canny), e.g. 512M or 4G; default: half the RAM");
  cmd->add_flag("-q,--quiet", args->quiet, "No summary line on success (stats results are still printed)");
  cmd->footer(
      "Examples:\n"
      "  tessera run slide.png edges.png --pipeline \"gaussian sigma=2 | sobel_mag | threshold t=40\"\n"
      "  tessera run photo.jpg soft.jpg -p \"gaussian sigma=3\" --tile 512x128 --threads 8\n"
      "  tessera run scan.tif eq.png -p \"gray | equalize | stats\"   (prints stats as JSON)\n"
      "The output is identical, bit for bit, for every tile size, thread count and backend.\n"
      "It is written to a temporary file and renamed, so a failed run leaves no partial file.");
  cmd->callback([args] { run_command(*args); });
}

void add_kernels_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("kernels", "List the kernels, or describe one, with parameters and defaults");
  cmd->add_option("name", *name, "A kernel to describe");
  cmd->footer("Examples:\n  tessera kernels\n  tessera kernels threshold");
  cmd->callback([name] { kernels_command(*name); });
}

}  // namespace tessera::cli
