// Tile-size tuner: the cost model of DESIGN.md ("Cost model / autotune") calibrated by
// timing a few real tiles of several sizes.
//
// Model: one tile task of size T costs  t(T) = o + c * A(T),  A(T) = (T.w + 2R)(T.h + 2R),
// where R is the pipeline's total halo (the redundant border work grows with it), o the
// fixed cost of a task (scheduling, per-call set-up of each stage) and c the cost of one
// computed pixel. Tiles are spread over the threads, so the run takes about
// ceil(tiles / threads) * t(T). o and c are fitted to timings of real tiles; sizes that were
// timed use their measured t(T) directly, which also captures the cache effects of tiles
// whose working set outgrows L2.
#include "tessera/autotune.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include <unistd.h>

#include <opencv2/core.hpp>

#include "fused.hpp"
#include "plan.hpp"
#include "recycled.hpp"
#include "tessera/error.hpp"

namespace tessera {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Sum of the halos of every node: how far a tile's input region can reach.
std::int64_t total_halo(const Pipeline& p) {
  std::int64_t r = 0;
  for (NodeId id = 1; id <= static_cast<NodeId>(p.size()); ++id) {
    const Halo h = p.node(id).kernel->halo();
    r += std::max(h.rx, h.ry);
  }
  return r;
}

/// True when every kernel of `p` is pointwise: no tile shape reads less than another, and a
/// tile as wide as the image streams its rows as one run of pixels.
bool all_pointwise(const Pipeline& p) {
  for (NodeId id = 1; id <= static_cast<NodeId>(p.size()); ++id)
    if (p.node(id).kernel->kernel_class() != KernelClass::Pointwise) return false;
  return true;
}

double computed_pixels(Size t, std::int64_t halo) {
  return static_cast<double>(t.w + 2 * halo) * static_cast<double>(t.h + 2 * halo);
}

/// L2 cache size of one core (1 MiB if the system does not say).
std::int64_t l2_bytes() {
  const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return l2 > 0 ? l2 : (1 << 20);
}

/// Bytes a tile holds per pixel: the input plus every stage's output.
double bytes_per_pixel(const PipelineShape& shape) {
  double bytes = 0;
  for (const PixelType& t : shape.types) bytes += CV_ELEM_SIZE(t.cv_type());
  return std::max(bytes, 1.0);
}

/// The working set of one tile task of size t, in bytes. Tile at a time, every stage holds
/// a whole tile (plus halo); when the output's pass runs fused, only rings of rows, so the
/// width matters and not the height.
class WorkingSet {
 public:
  WorkingSet(const Pipeline& p, const PipelineShape& shape, bool fused, std::int64_t halo)
      : halo_(halo), per_pixel_(bytes_per_pixel(shape)) {
    if (!fused) return;
    const detail::Plan plan = detail::make_plan(p, shape);
    for (const detail::Pass& pass : plan.passes)
      if (pass.target == p.output())
        if (const auto f = detail::fuse(p, plan, pass)) per_column_ = detail::fused_bytes_per_column(*f);
  }
  double bytes(Size t) const {
    return per_column_ > 0 ? per_column_ * static_cast<double>(t.w + 2 * halo_)
                           : per_pixel_ * computed_pixels(t, halo_);
  }
  bool fused() const { return per_column_ > 0; }

 private:
  std::int64_t halo_;
  double per_pixel_;
  double per_column_ = 0;
};

/// Candidate tile sizes of an output of size `image`, timed on a sample whose output is of
/// size `sample` (smaller where a streamed image is tuned on a piece of it): squares from 32
/// to the sample's size, and strips as wide as the sample.
std::vector<Size> candidate_sizes(Size image, Size sample) {
  std::vector<Size> out;
  const Size most{std::min(image.w, sample.w), std::min(image.h, sample.h)};
  for (std::int64_t s = 32; s <= 4096; s *= 2) {
    const Size t{std::min(s, most.w), std::min(s, most.h)};
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    if (s >= most.w && s >= most.h) break;
  }
  for (std::int64_t h : {16, 32, 64, 128, 256}) {
    const Size t{most.w, std::min(h, most.h)};
    if (most.w > 256 && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

/// Input pixels per output pixel along x and y: tiles are cut from the pipeline's output
/// (pyrdown's output is half the input each way), the crops they are timed on from its input.
struct Scale {
  double x = 1, y = 1;
};

/// Stands in for a streamed source (TiffSource) while tiles are timed: every read copies
/// its rect into a buffer of its own, as TiffSource does from its decoded TIFF tiles.
class CopyingSource final : public Source {
 public:
  explicit CopyingSource(cv::Mat image) : image_(std::move(image)) {}
  Size size() const override { return {image_.cols, image_.rows}; }
  PixelType type() const override { return PixelType::of(image_); }
  void read(const Rect& r, cv::Mat& out) const override {
    out = detail::recycled_mat(static_cast<int>(r.h), static_cast<int>(r.w), image_.type());
    image_(to_cv_rect(r)).copyTo(out);
  }

 private:
  cv::Mat image_;
};

/// Stands in for a streamed sink (TiffSink) while tiles are timed: tiles arrive one at a
/// time and are copied out, as TiffSink copies them into its TIFF tiles.
class CopyingSink final : public Sink {
 public:
  void open(Size size, PixelType type) override {
    image_.create(static_cast<int>(size.h), static_cast<int>(size.w), type.cv_type());
  }
  void write(const Rect& r, const cv::Mat& tile) override {
    cv::Mat dst = image_(to_cv_rect(r));
    tile.copyTo(dst);
  }
  const cv::Mat& mat() const { return image_; }

 private:
  cv::Mat image_;
};

/// Seconds per tile of size t (an output tile) in a run on `threads` threads: the best of
/// three runs with the run's options over a crop from the middle of the sample. The crop holds
/// about 4 megapixels of output, two tiles across where two fit in that, and at least one
/// tile per thread (up to twice the 4 megapixels, or two tiles), so that every size is timed
/// over a similar amount of data rather than some in cache and some not, and with the other
/// threads competing for memory as they will in the run (a thread alone has the memory
/// bandwidth to itself, which favours tiles that use it badly). The time is shared out over
/// the tiles' worth of output the crop gave (edge tiles count by their area), as the run's
/// ceil(tiles / threads) rounds do. A `streamed` run is timed through a source and a sink
/// that copy as the TIFF ones do, whose cost grows once a tile's buffers outgrow the caches;
/// their buffers are reused from one repetition to the next, as a long run reuses them.
double time_tile(const Pipeline& p, const cv::Mat& input, Size t, const RunOptions& run_options, int threads,
                 Scale scale, bool streamed) {
  constexpr double kPixels = double(std::int64_t{4} << 20);
  const double area = static_cast<double>(t.area());
  const double sample_w = std::floor(input.cols / scale.x), sample_h = std::floor(input.rows / scale.y);  // output
  const double enough = std::ceil(kPixels / area);
  const double tiles = std::max(enough, std::min<double>(threads, std::max(2.0, 2 * enough)));
  const double across = std::clamp(std::floor(sample_w / static_cast<double>(t.w)), 1.0, 2 * area <= kPixels ? 2.0 : 1.0);
  const double out_w = std::min(sample_w, across * static_cast<double>(t.w));
  const double out_h = std::min(sample_h, std::ceil(tiles / across) * static_cast<double>(t.h));
  const int w = std::clamp(static_cast<int>(std::ceil(out_w * scale.x)), 1, input.cols);
  const int h = std::clamp(static_cast<int>(std::ceil(out_h * scale.y)), 1, input.rows);
  const cv::Mat crop = input(cv::Rect((input.cols - w) / 2, (input.rows - h) / 2, w, h));
  RunOptions o = run_options;
  o.tile = t;
  o.progress = nullptr;
  o.observer = nullptr;  // the trial runs are not the run an observer watches
  double best = 1e300;
  cv::Mat out;  // reused: the second run pays no page faults for a fresh output
  const CopyingSource source(crop);
  CopyingSink sink;
  const detail::RecyclingScope recycling;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = Clock::now();
    if (streamed) run(p, source, sink, o);
    else run(p, crop, out, o);
    const double s = seconds_since(t0);
    // Tiles' worth of output (a reduction has no image out: its input is what is tiled).
    const std::size_t out_pixels = streamed ? sink.mat().total() : out.total();
    const double worth = std::max(1.0, static_cast<double>(out_pixels == 0 ? std::int64_t{w} * h : out_pixels) / area);
    best = std::min(best, s * std::min<double>(threads, std::ceil(worth)) / worth);
  }
  return best;
}

TileChoice choose_tile_on_sample(const Pipeline& pipeline, const cv::Mat& input, Size image, const RunOptions& options,
                                  bool streamed);

}  // namespace

TileChoice choose_tile(const Pipeline& pipeline, const cv::Mat& input, const RunOptions& options) {
  if (input.empty()) throw UsageError("input image is empty");
  return choose_tile_on_sample(pipeline, input, {input.cols, input.rows}, options, false);
}

TileChoice choose_tile(const Pipeline& pipeline, const Source& source, const RunOptions& options) {
  const Size image = source.size();
  const Size sample_size{std::min<std::int64_t>(image.w, 4096), std::min<std::int64_t>(image.h, 4096)};
  cv::Mat sample;
  source.read({(image.w - sample_size.w) / 2, (image.h - sample_size.h) / 2, sample_size.w, sample_size.h}, sample);
  // Tiles of a source other than an in-memory image are timed as streamed: they are read
  // into buffers and written out by copies that running in memory would not make.
  const bool streamed = dynamic_cast<const MatSource*>(&source) == nullptr;
  return choose_tile_on_sample(pipeline, sample, image, options, streamed);  // read only: a view will do
}

namespace {

/// Fitted cost of one tile task: t(T) = per_tile + per_pixel * A(T).
struct CostModel {
  double per_tile = 0;   ///< o
  double per_pixel = 0;  ///< c
};

/// The steps of one tuning, sharing what they all need: the pipeline, the sample the tiles
/// are timed on, the size tiles are cut from (the pipeline's output), the threads and the
/// pipeline's total halo.
class TileTuner {
 public:
  TileTuner(const Pipeline& pipeline, const cv::Mat& sample, Size image, const RunOptions& options, bool streamed)
      : pipeline_(pipeline),
        sample_(sample),
        options_(options),
        shape_(pipeline.validate(PixelType::of(sample), image)),
        start_(Clock::now()),
        threads_(effective_threads(options)),
        halo_(total_halo(pipeline)),
        out_(output_size(pipeline, shape_, image)),
        scale_{static_cast<double>(image.w) / static_cast<double>(out_.w),
               static_cast<double>(image.h) / static_cast<double>(out_.h)},
        streamed_(streamed) {}

  /// The candidate sizes that give every thread tiles to take (DESIGN.md), two or more:
  /// fewer leave threads idle at the end of the pass and measure as a single-thread run
  /// would not show. All candidates if none does. A pipeline of pointwise kernels only
  /// considers strips as wide as the image: squares gain it nothing, and their short rows
  /// cost more (threshold u8 at 4096²: 2048² tiles 2.3 ms, 4096x64 1.6 ms in `tessera bench`;
  /// its timings are too short for the tuner to tell apart reliably).
  std::vector<Size> sizes_to_consider() const {
    const Size sample_out{std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(sample_.cols / scale_.x))),
                          std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(sample_.rows / scale_.y)))};
    const std::vector<Size> sizes = candidate_sizes(out_, sample_out);
    std::vector<Size> enough, strips;
    for (Size t : sizes)
      if (TileGrid(out_, t).count() >= 2 * threads_ && (!streamed_ || fits_writer(t))) enough.push_back(t);
    // Strips as wide as the image where they give every thread tiles (never on a streamed
    // image wider than its 4096-pixel sample: no candidate is that wide).
    for (Size t : enough)
      if (t.w == out_.w) strips.push_back(t);
    if (all_pointwise(pipeline_) && !strips.empty()) return strips;
    return enough.empty() ? sizes : enough;
  }

  /// Whether a streamed run's tile of size t is small enough to be still in cache when the
  /// serial writer copies it out: at most twice one core's L2. Larger tiles wait among the
  /// tiles in flight and are read back from memory, a cost that the timed crops, with too
  /// few tiles in flight, do not show (TIFF to TIFF P1 at 32768²: 4096² tiles 1.2 s, 1024²
  /// 0.69 s, while their timed crops came out alike; bench/RESULTS.md).
  bool fits_writer(Size t) const {
    const auto bytes = static_cast<double>(t.area()) * CV_ELEM_SIZE(shape_.types.at(static_cast<std::size_t>(pipeline_.output())).cv_type());
    return bytes <= 2.0 * static_cast<double>(l2_bytes());
  }

  /// Indices of `sizes` in the order they are timed: first the sizes whose working set best
  /// fills L2 (half of it when fused: the input and output rows stream through it too),
  /// the model's sweet spot. Distance from that target is counted in half-octaves; among
  /// sizes as close, the least redundant halo work first. Squares and strips are ranked
  /// apart and taken in turn: a fused pass's working set does not depend on the tile's
  /// height, so wide strips come closest to the target, but they recompute the most rows,
  /// which only timing weighs.
  std::vector<std::size_t> timing_order(const std::vector<Size>& sizes) const {
    const WorkingSet working_set(pipeline_, shape_, options_.fused, halo_);
    const double target = static_cast<double>(l2_bytes()) / (working_set.fused() ? 2 : 1);
    const auto distance = [&](std::size_t i) {
      return std::round(2 * std::fabs(std::log2(working_set.bytes(sizes[i]) / target)));
    };
    const auto overhead = [&](std::size_t i) {
      return computed_pixels(sizes[i], halo_) / static_cast<double>(sizes[i].area());
    };
    const auto rank = [&](std::vector<std::size_t>& v) {
      std::stable_sort(v.begin(), v.end(), [&](std::size_t a, std::size_t b) {
        return distance(a) != distance(b) ? distance(a) < distance(b) : overhead(a) < overhead(b);
      });
    };
    std::vector<std::size_t> squares, strips, order;
    for (std::size_t i = 0; i < sizes.size(); ++i) (sizes[i].w > 2 * sizes[i].h ? strips : squares).push_back(i);
    rank(squares);
    rank(strips);
    for (std::size_t k = 0; k < std::max(squares.size(), strips.size()); ++k) {
      if (k < squares.size()) order.push_back(squares[k]);
      if (k < strips.size()) order.push_back(strips[k]);
    }
    return order;
  }

  /// Seconds per tile of each size, -1 for the sizes not timed: the sizes are timed in
  /// `order` while the budget lasts, 10% of the best run predicted so far (at least 50 ms,
  /// at most 0.5 s); at least six sizes are timed (three squares and three strips where there
  /// are as many).
  std::vector<double> time_sizes(const std::vector<Size>& sizes, const std::vector<std::size_t>& order) const {
    std::vector<double> measured(sizes.size(), -1);
    double best_so_far = 1e300;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const double budget = std::clamp(0.1 * best_so_far, 0.05, 0.5);
      if (k >= 6 && seconds_since(start_) > budget) break;
      const Size t = sizes[order[k]];
      measured[order[k]] = time_tile(pipeline_, sample_, t, options_, threads_, scale_, streamed_);
      best_so_far = std::min(best_so_far, run_seconds(t, measured[order[k]]));
    }
    return measured;
  }

  /// Least-squares fit of t = o + c * A over the measured sizes.
  CostModel fit_cost_model(const std::vector<Size>& sizes, const std::vector<double>& measured) const {
    double n = 0, sa = 0, st = 0, saa = 0, sat = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (measured[i] < 0) continue;
      const double a = computed_pixels(sizes[i], halo_);
      n += 1;
      sa += a;
      st += measured[i];
      saa += a * a;
      sat += a * measured[i];
    }
    const double det = n * saa - sa * sa;
    double c = det > 0 ? (n * sat - sa * st) / det : st / std::max(sa, 1.0);
    c = std::max(c, 0.0);
    const double o = std::max(0.0, (st - c * sa) / std::max(n, 1.0));
    return {o, c};
  }

  /// Every size with its predicted run: from its timing where it was timed, else from the model.
  std::vector<TileCandidate> predict(const std::vector<Size>& sizes, const std::vector<double>& measured,
                                     const CostModel& model) const {
    std::vector<TileCandidate> out;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const double per_tile =
          measured[i] >= 0 ? measured[i] : model.per_tile + model.per_pixel * computed_pixels(sizes[i], halo_);
      out.push_back({sizes[i], run_seconds(sizes[i], per_tile), measured[i] >= 0});
    }
    return out;
  }

  double seconds_calibrating() const { return seconds_since(start_); }

 private:
  /// A whole run with tiles of size t costing `per_tile` each: the tiles are spread over
  /// the threads, so it takes ceil(tiles / threads) tile times.
  double run_seconds(Size t, double per_tile) const {
    return std::ceil(static_cast<double>(TileGrid(out_, t).count()) / threads_) * per_tile;
  }

  /// The size tiles are cut from: the pipeline's output, or the input where the output is no
  /// image (a reduction) or an empty one.
  static Size output_size(const Pipeline& p, const PipelineShape& shape, Size image) {
    const Size out = shape.sizes.at(static_cast<std::size_t>(p.output()));
    return out.w > 0 && out.h > 0 ? out : image;
  }

  const Pipeline& pipeline_;
  const cv::Mat& sample_;
  const RunOptions& options_;  ///< the run's (time_tile runs with them, its own tile size and no progress)
  PipelineShape shape_;
  Clock::time_point start_;
  int threads_;
  std::int64_t halo_;
  Size out_;      ///< the size tiles are cut from
  Scale scale_;   ///< input pixels per output pixel
  bool streamed_;  ///< timed through copying stand-ins for a streamed source and sink
};

/// The candidate to choose: among the timed sizes, the fastest. The fitted model
/// extrapolates the others but knows nothing of cache effects, so it only ranks them.
const TileCandidate& best_candidate(const std::vector<TileCandidate>& candidates) {
  return *std::min_element(candidates.begin(), candidates.end(), [](const TileCandidate& a, const TileCandidate& b) {
    if (a.measured != b.measured) return a.measured;
    return a.predicted_seconds < b.predicted_seconds;
  });
}

TileChoice choose_tile_on_sample(const Pipeline& pipeline, const cv::Mat& input, Size image, const RunOptions& options,
                                  bool streamed) {
  const TileTuner tuner(pipeline, input, image, options, streamed);
  const std::vector<Size> sizes = tuner.sizes_to_consider();
  const std::vector<double> measured = tuner.time_sizes(sizes, tuner.timing_order(sizes));
  const CostModel model = tuner.fit_cost_model(sizes, measured);
  TileChoice choice;
  choice.per_tile_seconds = model.per_tile;
  choice.per_pixel_seconds = model.per_pixel;
  choice.candidates = tuner.predict(sizes, measured, model);
  const TileCandidate& best = best_candidate(choice.candidates);
  choice.tile = best.tile;
  choice.predicted_seconds = best.predicted_seconds;
  choice.calibration_seconds = tuner.seconds_calibrating();
  return choice;
}

}  // namespace

std::string TileChoice::explain() const {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(4);
  os << "auto tile: " << to_string(tile) << ", predicted " << predicted_seconds << " s (calibrated in "
     << calibration_seconds << " s; per tile " << per_tile_seconds * 1e6 << " us + " << per_pixel_seconds * 1e9
     << " ns per computed pixel)\n";
  for (const TileCandidate& cand : candidates)
    os << "  " << (cand.tile == tile ? "* " : "  ") << to_string(cand.tile) << ": " << cand.predicted_seconds << " s"
       << (cand.measured ? " (timed)" : " (model)") << "\n";
  return os.str();
}

}  // namespace tessera
