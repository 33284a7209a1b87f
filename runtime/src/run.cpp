#include "tessera/run.hpp"

#include <chrono>
#include <thread>

#include <opencv2/core.hpp>

#include "executor.hpp"
#include "plan.hpp"
#include "tessera/error.hpp"

namespace tessera {

Backend parse_backend(const std::string& name) {
  if (name == "tbb") return Backend::Tbb;
  if (name == "omp") return Backend::Omp;
  if (name == "serial") return Backend::Serial;
  throw UsageError("backend '" + name + "' is not one of tbb, omp, serial");
}

std::string to_string(Backend b) {
  switch (b) {
    case Backend::Tbb: return "tbb";
    case Backend::Omp: return "omp";
    case Backend::Serial: return "serial";
  }
  return "?";
}

Size parse_tile_size(const std::string& text) {
  const auto bad = [&] {
    return UsageError("tile size '" + text + "' is not N or WxH with positive integers (e.g. 256 or 512x128)");
  };
  const auto parse_side = [&](const std::string& s) -> std::int64_t {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) throw bad();
    const std::int64_t v = std::stoll(s);
    if (v <= 0) throw bad();
    return v;
  };
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos) {
    const std::int64_t v = parse_side(text);
    return {v, v};
  }
  return {parse_side(text.substr(0, x)), parse_side(text.substr(x + 1))};
}

int effective_threads(int threads) {
  if (threads < 0) throw UsageError("threads=" + std::to_string(threads) + " must be >= 1 (or 0 for all cores)");
  if (threads > 4096) throw UsageError("threads=" + std::to_string(threads) + " is more than 4096");
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

namespace {

void write_whole(Sink& sink, const cv::Mat& image, const RunOptions& options) {
  const TileGrid grid({image.cols, image.rows}, options.tile);
  sink.open(grid.image(), PixelType::of(image));
  for (std::int64_t i = 0; i < grid.count(); ++i) {
    const Rect r = grid.tile(i);
    sink.write(r, image(cv::Rect(static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.w),
                                 static_cast<int>(r.h))));
  }
  sink.close();
}

}  // namespace

RunStats run(const Pipeline& pipeline, const Source& source, Sink& sink, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const PipelineShape shape = pipeline.validate(source.type(), source.size());
  const detail::Plan plan = detail::make_plan(pipeline, shape);
  RunStats stats;
  stats.threads = options.backend == Backend::Serial ? 1 : effective_threads(options.threads);
  if (options.tile.w <= 0 || options.tile.h <= 0)
    throw UsageError("tile size " + to_string(options.tile) + " must be positive");

  // Materialised node values: the source, then whole-image intermediates.
  std::vector<const Source*> values(shape.types.size(), nullptr);
  std::vector<std::unique_ptr<MatSource>> owned;
  values[Pipeline::kInput] = &source;
  for (const detail::Pass& pass : plan.passes) {
    if (options.cancel && options.cancel->load()) throw Cancelled();
    const bool final_pass = pass.target == pipeline.output();
    const Size out_size = shape.sizes[pass.target];
    cv::Mat result;
    if (pass.kind == detail::Pass::Kind::Whole) {
      const Node& nd = pipeline.node(pass.target);
      std::vector<cv::Mat> ins(nd.inputs.size());
      std::vector<Rect> rects;
      std::vector<Size> sizes;
      for (std::size_t i = 0; i < nd.inputs.size(); ++i) {
        const Size s = shape.sizes[nd.inputs[i]];
        values[nd.inputs[i]]->read(full_rect(s), ins[i]);
        rects.push_back(full_rect(s));
        sizes.push_back(s);
      }
      result.create(static_cast<int>(out_size.h), static_cast<int>(out_size.w), shape.types[pass.target].cv_type());
      nd.kernel->process(TileIO{ins, rects, sizes, full_rect(out_size), out_size, result});
      if (final_pass) write_whole(sink, result, options);
    } else {
      const TileGrid grid(out_size, options.tile);
      MatSink intermediate;
      Sink& target = final_pass ? sink : intermediate;
      target.open(out_size, shape.types[pass.target]);
      detail::TileJob job;
      job.count = grid.count();
      job.compute = [&](std::int64_t i) { return detail::evaluate_tile(pipeline, plan, pass, values, grid.tile(i)); };
      job.write = [&](std::int64_t i, const cv::Mat& m) { target.write(grid.tile(i), m); };
      job.concurrent_write = target.concurrent();
      detail::execute(job, options);
      target.close();
      stats.tiles += grid.count();
      if (!final_pass) result = intermediate.mat();
    }
    ++stats.passes;
    if (!final_pass) {
      owned.push_back(std::make_unique<MatSource>(result));
      values[pass.target] = owned.back().get();
    }
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

cv::Mat run(const Pipeline& pipeline, const cv::Mat& input, const RunOptions& options, RunStats* stats) {
  if (input.empty()) throw UsageError("input image is empty");
  const MatSource source(input);
  MatSink sink;
  const RunStats s = run(pipeline, source, sink, options);
  if (stats) *stats = s;
  return sink.mat();
}

cv::Mat run_reference(const Pipeline& pipeline, const cv::Mat& input) {
  if (input.empty()) throw UsageError("input image is empty");
  const PipelineShape shape = pipeline.validate(PixelType::of(input), {input.cols, input.rows});
  std::vector<cv::Mat> values(shape.types.size());
  values[Pipeline::kInput] = input;
  for (NodeId id : shape.order) {
    std::vector<cv::Mat> ins;
    for (NodeId in : pipeline.node(id).inputs) ins.push_back(values[in]);
    values[id] = pipeline.node(id).kernel->reference(ins);
  }
  return values[pipeline.output()];
}

}  // namespace tessera
