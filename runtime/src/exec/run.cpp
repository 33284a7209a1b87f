#include "tessera/run.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <unistd.h>

#include <opencv2/core.hpp>

#include "executor.hpp"
#include "fused.hpp"
#include "plan.hpp"
#include "scratch.hpp"
#include "tile_eval.hpp"
#include "tile_trace.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"

namespace tessera {

int effective_threads(int threads) {
  if (threads < 0) throw UsageError("threads=" + std::to_string(threads) + " must be >= 1 (or 0 for all cores)");
  if (threads > 4096) throw UsageError("threads=" + std::to_string(threads) + " is more than 4096");
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

int effective_threads(const RunOptions& options) {
  return options.backend == Backend::Serial ? 1 : effective_threads(options.threads);
}

std::int64_t default_memory_budget() {
  static const std::int64_t budget = [] {  // asked once: sysconf reads /proc (a run's fixed cost)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return std::int64_t{4} << 30;
    return static_cast<std::int64_t>(pages) * page / 2;
  }();
  return budget;
}

namespace {

std::int64_t image_bytes(Size s, PixelType t) {
  return s.area() * static_cast<std::int64_t>(CV_ELEM_SIZE(t.cv_type()));
}

/// Refuses, before anything runs, a Global stage whose whole input and output do not fit.
void check_memory(const Pipeline& pipeline, const detail::Plan& plan, const RunOptions& options) {
  const std::int64_t budget = options.memory_budget > 0 ? options.memory_budget : default_memory_budget();
  for (const detail::Pass& pass : plan.passes) {
    if (pass.kind != detail::Pass::Kind::Whole) continue;
    const Node& nd = pipeline.node(pass.target);
    std::int64_t need = image_bytes(plan.shape.sizes[pass.target], plan.shape.types[pass.target]);
    for (NodeId in : nd.inputs) need += image_bytes(plan.shape.sizes[in], plan.shape.types[in]);
    if (need > budget)
      throw UsageError(nd.label + ": a global kernel needs its whole input and output in memory (" +
                       format_bytes(need) + ") but the memory budget is " + format_bytes(budget) +
                       "; raise it (--memory) or shrink the image first (crop, resize, pyrdown)");
  }
}

/// Bytes one tile task of `pass` holds at its peak, roughly: every node's region (the tile
/// grown by the halos downstream of it) at its pixel size, plus the output tile.
std::int64_t tile_bytes(const Pipeline& pipeline, const detail::Pass& pass, const PipelineShape& shape, Size tile) {
  std::int64_t halo = 0, bytes = 0;
  for (auto it = pass.nodes.rbegin(); it != pass.nodes.rend(); ++it) {
    const Node& nd = pipeline.node(*it);
    const Size region{tile.w + 2 * halo, tile.h + 2 * halo};
    bytes += image_bytes(region, shape.types[*it]);
    halo += std::max(nd.kernel->halo().rx, nd.kernel->halo().ry);
    for (NodeId in : nd.inputs) bytes += image_bytes({tile.w + 2 * halo, tile.h + 2 * halo}, shape.types[in]);
  }
  return std::max<std::int64_t>(bytes, 1);
}

/// With an explicit memory budget, tiles in flight are limited so that they take at most a
/// quarter of it (the rest is for the sink's buffers, codecs and the process itself).
RunOptions with_memory_limit(RunOptions o, std::int64_t per_tile) {
  if (o.max_tiles_in_flight > 0 || o.memory_budget <= 0) return o;
  const int threads = effective_threads(o);
  const std::int64_t fit = o.memory_budget / 4 / per_tile;
  o.max_tiles_in_flight = static_cast<int>(std::clamp<std::int64_t>(fit, 1, 4 * threads));
  return o;
}

/// Calls `fn`, a kernel's code working on `region` for the node `label`: any exception that
/// is not a tessera::Error becomes a KernelError naming the node and the region, as a tile
/// task's does (evaluate_tile).
template <class F>
decltype(auto) kernel_call(const std::string& label, const Rect& region, F&& fn) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw KernelError(label + ": failed on " + to_string(region) + ": " + e.what(), region);
  }
}

/// Pass 1 of a reduce-then-map kernel: partials of every tile of its input, merged in a
/// binary tree as they arrive (level k holds the merge of 2^k partials), so at most
/// log2(tiles) partials are alive at once.
cv::Mat reduce(const ReduceKernel& kernel, const std::string& label, const Source& input, Size size,
               const RunOptions& options, int pass, double& busy) {
  const TileGrid grid(size, options.tile);
  std::vector<cv::Mat> levels;
  detail::TileJob job;
  job.count = grid.count();
  job.pass = pass;
  job.rect = [&](std::int64_t i) { return grid.tile(i); };
  job.compute = [&](std::int64_t i) {
    cv::Mat pixels;
    detail::TileTrace::read_begin();
    input.read(grid.tile(i), pixels);
    detail::TileTrace::read_end(detail::bytes_of(pixels));
    detail::TileTrace::compute_begin(label);
    return kernel_call(label, grid.tile(i), [&] { return kernel.partial(pixels); });
  };
  job.write = [&](std::int64_t i, const cv::Mat& part) {
    cv::Mat carry = part;
    for (std::size_t k = 0;; ++k) {
      if (k == levels.size()) levels.emplace_back();
      if (levels[k].empty()) {
        levels[k] = carry;
        return;
      }
      kernel_call(label, grid.tile(i), [&] { kernel.merge(carry, levels[k]); });
      levels[k].release();
    }
  };
  busy += detail::execute(job, options);
  cv::Mat merged;
  for (const cv::Mat& level : levels)
    if (!level.empty()) kernel_call(label, full_rect(size), [&] { kernel.merge(merged, level); });
  return merged;
}

void write_whole(Sink& sink, const cv::Mat& image, const RunOptions& options) {
  const TileGrid grid({image.cols, image.rows}, options.tile);
  sink.open(grid.image(), PixelType::of(image));
  for (std::int64_t i = 0; i < grid.count(); ++i) {
    const Rect r = grid.tile(i);
    sink.write(r, image(to_cv_rect(r)));
  }
  sink.close();
}

/// Runs the passes of one plan in order. Holds the node values the passes read: the source
/// and the whole-image intermediates materialised so far (`values`), and the merged
/// statistics of reduce-then-map nodes (`reduced`).
class PassRunner {
 public:
  PassRunner(const Pipeline& pipeline, const PipelineShape& shape, const detail::Plan& plan, const Source& source,
             Sink& sink, const RunOptions& options, RunStats& stats)
      : pipeline_(pipeline),
        shape_(shape),
        plan_(plan),
        sink_(sink),
        options_(options),
        stats_(stats),
        values_(shape.types.size(), nullptr),
        reduced_(shape.types.size()) {
    values_[Pipeline::kInput] = &source;
  }

  /// Runs one pass; its result goes to the sink if it is the pipeline's output, else it is
  /// kept for the passes that read it.
  void run_pass(const detail::Pass& pass) {
    if (observer()) {
      info_ = pass_info(pass);
      observer()->pass_started(info_);
    }
    if (pass.kind == detail::Pass::Kind::Reduce) {
      run_reduce_pass(pass);
    } else {
      const bool final_pass = pass.target == pipeline_.output();
      cv::Mat result =
          pass.kind == detail::Pass::Kind::Whole ? run_whole_pass(pass, final_pass) : run_tiled_pass(pass, final_pass);
      ++stats_.passes;
      if (!final_pass) materialise(pass.target, result);
    }
    if (observer()) {
      info_.time = Clock::now();
      observer()->pass_finished(info_);
    }
    ++pass_index_;
  }

 private:
  RunObserver* observer() const { return options_.observer; }

  /// What an observer is told about `pass`.
  PassInfo pass_info(const detail::Pass& pass) const {
    PassInfo p;
    p.index = pass_index_;
    p.label = pipeline_.node(pass.target).label;
    p.time = Clock::now();
    switch (pass.kind) {
      case detail::Pass::Kind::Tiled:
        p.kind = "tiled";
        p.image = shape_.sizes[pass.target];
        p.fused = row_fusion(pass, TileGrid(p.image, options_.tile)).whole.has_value();
        break;
      case detail::Pass::Kind::Reduce:
        p.kind = "reduce";
        p.image = shape_.sizes[pipeline_.node(pass.target).inputs.at(0)];
        break;
      case detail::Pass::Kind::Whole:
        p.kind = "whole";
        p.image = shape_.sizes[pass.target];
        p.tile = p.image;
        p.tiles = 1;
        return p;
    }
    const TileGrid grid(p.image, options_.tile);
    p.tile = grid.tile_size();
    p.tiles = grid.count();
    return p;
  }

  /// Reduces the node's input to its merged statistics, and reports them if the kernel
  /// has a result to show.
  void run_reduce_pass(const detail::Pass& pass) {
    const Node& nd = pipeline_.node(pass.target);
    const auto& kernel = static_cast<const ReduceKernel&>(*nd.kernel);
    const NodeId in = nd.inputs.at(0);
    reduced_[pass.target] =
        reduce(kernel, nd.label, *values_[in], shape_.sizes[in], options_, pass_index_, stats_.busy_seconds);
    stats_.tiles += TileGrid(shape_.sizes[in], options_.tile).count();
    ++stats_.passes;
    const std::string json = kernel.result_json(reduced_[pass.target]);
    if (!json.empty()) stats_.results.push_back({nd.label, json});
  }

  /// Runs a Global kernel on its whole inputs; writes the result to the sink when final.
  cv::Mat run_whole_pass(const detail::Pass& pass, bool final_pass) {
    const Node& nd = pipeline_.node(pass.target);
    const Size out_size = shape_.sizes[pass.target];
    std::vector<cv::Mat> ins(nd.inputs.size());
    std::vector<Rect> rects;
    std::vector<Size> sizes;
    cv::Mat result;
    {  // the pass is one tile task on the calling thread, worker 0
      const detail::TileTrace trace(observer(), pass_index_, 0, full_rect(out_size), 0, Phase::Read);
      detail::TileTrace::read_begin();
      std::int64_t read_bytes = 0;
      for (std::size_t i = 0; i < nd.inputs.size(); ++i) {
        const Size s = shape_.sizes[nd.inputs[i]];
        values_[nd.inputs[i]]->read(full_rect(s), ins[i]);
        read_bytes += detail::bytes_of(ins[i]);
        rects.push_back(full_rect(s));
        sizes.push_back(s);
      }
      detail::TileTrace::read_end(read_bytes);
      detail::TileTrace::compute_begin(nd.label);
      result.create(static_cast<int>(out_size.h), static_cast<int>(out_size.w), shape_.types[pass.target].cv_type());
      kernel_call(nd.label, full_rect(out_size),
                  [&] { nd.kernel->process(TileIO{ins, rects, sizes, full_rect(out_size), out_size, result}); });
      detail::TileTrace::add_bytes(detail::bytes_of(result));
    }
    const detail::TileTrace trace(observer(), pass_index_, 0, full_rect(out_size), 0, Phase::Write);
    detail::TileTrace::add_bytes(detail::bytes_of(result));
    if (final_pass) write_whole(sink_, result, options_);  // else the pass's "write" keeps it (materialise)
    return result;
  }

  /// Computes the pass tile by tile into the sink (final) or into an image it returns.
  cv::Mat run_tiled_pass(const detail::Pass& pass, bool final_pass) {
    const Size out_size = shape_.sizes[pass.target];
    const TileGrid grid(out_size, options_.tile);
    MatSink intermediate;
    Sink& target = final_pass ? sink_ : intermediate;
    target.open(out_size, shape_.types[pass.target]);
    detail::TileJob job;
    job.count = grid.count();
    job.pass = pass_index_;
    job.rect = [&](std::int64_t i) { return grid.tile(i); };
    const detail::PassFusion fusion = row_fusion(pass, grid);
    job.compute = [&](std::int64_t i) {
      const Rect r = grid.tile(i);
      return detail::evaluate_tile(pipeline_, plan_, pass, values_, reduced_, r, &fusion, target.region(r), &scratch_);
    };
    job.write = [&](std::int64_t i, const cv::Mat& m) { target.write(grid.tile(i), m); };
    job.concurrent_write = target.concurrent();
    stats_.busy_seconds +=
        detail::execute(job, with_memory_limit(options_, tile_bytes(pipeline_, pass, shape_, grid.tile_size())));
    scratch_.clear();  // the next pass's tiles have other sizes; memory goes back now
    const Clock::time_point close_start = observer() ? Clock::now() : Clock::time_point{};
    target.close();
    if (observer()) observer()->pass_step(info_, "close", close_start, Clock::now());
    stats_.tiles += grid.count();
    return final_pass ? cv::Mat() : intermediate.mat();
  }

  /// The pass as row stages when fused execution is on: wholly, or else its fused segments.
  /// Row stages count a row's samples in an int (of 16-bit values at most): tiles wider than
  /// that run tile at a time.
  detail::PassFusion row_fusion(const detail::Pass& pass, const TileGrid& grid) const {
    detail::PassFusion fusion;
    if (!options_.fused) return fusion;
    const auto fits = [&](const detail::FusedPass& f) {
      return grid.tile_size().w * f.max_channels() <= (std::int64_t{1} << 29);
    };
    fusion.whole = detail::fuse(pipeline_, plan_, pass);
    if (fusion.whole && !fits(*fusion.whole)) fusion.whole.reset();
    if (!fusion.whole)
      for (detail::FusedPass& f : detail::fuse_segments(pipeline_, plan_, pass))
        if (fits(f)) fusion.segments.push_back(std::move(f));
    return fusion;
  }

  /// Keeps `image`, the value of `node`, as a source for the passes that read it.
  void materialise(NodeId node, const cv::Mat& image) {
    owned_.push_back(std::make_unique<MatSource>(image));
    values_[node] = owned_.back().get();
  }

  const Pipeline& pipeline_;
  const PipelineShape& shape_;
  const detail::Plan& plan_;
  Sink& sink_;
  const RunOptions& options_;
  RunStats& stats_;
  std::vector<const Source*> values_;
  std::vector<cv::Mat> reduced_;
  std::vector<std::unique_ptr<MatSource>> owned_;
  int pass_index_ = 0;
  PassInfo info_;  ///< of the pass running, when observed
  detail::ScratchPool scratch_;  ///< reused by the tile tasks of a pass, emptied after it
};

/// Refuses a tile size that is not positive.
void check_tile_size(Size tile) {
  if (tile.w <= 0 || tile.h <= 0) throw UsageError("tile size " + to_string(tile) + " must be positive");
}

/// Stops the run, between passes, once options.cancel is set.
void throw_if_cancelled(const RunOptions& options) {
  if (options.cancel && options.cancel->load()) throw Cancelled();
}

/// Tells `observer` the run failed; an observer that throws there does not replace the error.
void tell_failed(RunObserver& observer, const std::exception& e) {
  try {
    observer.run_failed(e.what(), dynamic_cast<const Cancelled*>(&e) != nullptr);
  } catch (...) {
  }
}

/// What an observer is told about the run.
RunInfo run_info(const Pipeline& pipeline, const Source& source, const detail::Plan& plan, const RunOptions& options,
                 Clock::time_point start) {
  RunInfo r;
  r.pipeline = pipeline.str();
  r.input = source.size();
  r.input_type = source.type().str();
  r.output = plan.shape.sizes[pipeline.output()];
  r.output_type = plan.shape.types[pipeline.output()].str();
  r.tile = options.tile;
  r.threads = effective_threads(options);
  r.backend = to_string(options.backend);
  r.passes = static_cast<int>(plan.passes.size());
  r.start = start;
  return r;
}

}  // namespace

RunStats run(const Pipeline& pipeline, const Source& source, Sink& sink, const RunOptions& options) {
  const Clock::time_point start = Clock::now();
  const PipelineShape shape = pipeline.validate(source.type(), source.size());
  const detail::Plan plan = detail::make_plan(pipeline, shape);
  RunStats stats;
  stats.threads = effective_threads(options);
  check_tile_size(options.tile);
  check_memory(pipeline, plan, options);
  RunObserver* const observer = options.observer;
  if (observer) observer->run_started(run_info(pipeline, source, plan, options, start));
  try {
    PassRunner runner(pipeline, shape, plan, source, sink, options, stats);
    for (const detail::Pass& pass : plan.passes) {
      throw_if_cancelled(options);
      runner.run_pass(pass);
    }
  } catch (const std::exception& e) {
    if (observer) tell_failed(*observer, e);
    throw;
  }
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (observer) observer->run_finished(stats);
  return stats;
}

cv::Mat run(const Pipeline& pipeline, const cv::Mat& input, const RunOptions& options, RunStats* stats) {
  cv::Mat output;
  const RunStats s = run(pipeline, input, output, options);
  if (stats) *stats = s;
  return output;
}

namespace {

/// True when some pixel of `a` and some pixel of `b` are the same bytes.
bool share_pixels(const cv::Mat& a, const cv::Mat& b) {
  if (!a.data || !b.data || a.empty() || b.empty()) return false;
  if (a.datastart == b.datastart && a.step[0] == b.step[0]) {
    // Two views of one buffer: compare their rectangles in it (bytes across, rows down).
    cv::Size whole;
    cv::Point ao, bo;
    a.locateROI(whole, ao);
    b.locateROI(whole, bo);
    const auto ax = static_cast<std::int64_t>(ao.x * a.elemSize()), bx = static_cast<std::int64_t>(bo.x * b.elemSize());
    const auto aw = static_cast<std::int64_t>(a.cols * a.elemSize()), bw = static_cast<std::int64_t>(b.cols * b.elemSize());
    return ax < bx + bw && bx < ax + aw && ao.y < bo.y + b.rows && bo.y < ao.y + a.rows;
  }
  const uchar* a_end = a.data + (a.rows - 1) * a.step[0] + a.cols * a.elemSize();
  const uchar* b_end = b.data + (b.rows - 1) * b.step[0] + b.cols * b.elemSize();
  return a.data < b_end && b.data < a_end;
}

}  // namespace

RunStats run(const Pipeline& pipeline, const cv::Mat& input, cv::Mat& output, const RunOptions& options) {
  if (input.empty()) throw UsageError("input image is empty");
  // An output sharing memory with the input would be overwritten while still being read.
  MatSink sink(share_pixels(input, output) ? cv::Mat() : output);
  const RunStats s = run(pipeline, MatSource(input), sink, options);
  output = sink.mat();
  return s;
}

bool runs_fused(const Pipeline& pipeline, PixelType type, Size size) {
  const detail::Plan plan = detail::make_plan(pipeline, pipeline.validate(type, size));
  return std::all_of(plan.passes.begin(), plan.passes.end(), [&](const detail::Pass& pass) {
    return pass.kind == detail::Pass::Kind::Tiled && detail::fuse(pipeline, plan, pass).has_value();
  });
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

bool same_bits(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  const std::size_t row_bytes = a.cols * a.elemSize();
  for (int y = 0; y < a.rows; ++y)
    if (std::memcmp(a.ptr(y), b.ptr(y), row_bytes) != 0) return false;
  return true;
}

}  // namespace tessera
