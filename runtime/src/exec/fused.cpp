#include "fused.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include <opencv2/core.hpp>

#include "cancel.hpp"
#include "recycled.hpp"
#include "tessera/error.hpp"
#include "tile_trace.hpp"

namespace tessera::detail {

int FusedPass::max_channels() const { return *std::max_element(channels.begin(), channels.end()); }

std::optional<FusedPass> fuse(const Pipeline& pipeline, const Plan& plan, const Pass& pass) {
  if (pass.kind != Pass::Kind::Tiled || pass.inputs.size() != 1) return std::nullopt;
  const auto& sizes = plan.shape.sizes;
  const auto& types = plan.shape.types;
  FusedPass f;
  f.input = pass.inputs[0];
  f.size = sizes[f.input];
  f.channels = {types[f.input].channels};
  f.in_depth = types[f.input].depth;
  f.borders.resize(1);
  std::map<NodeId, int> level_of{{f.input, 0}};
  std::vector<bool> read(1, false);  // per level: has a reader fixed its border yet
  // Readers that look past the image edge (a halo) must extend a level the same way (the
  // stage's own border where it has one, else its kernel's). Pointwise readers never look
  // outside, so their border does not matter. A kernel's constant border is not fused: the
  // row stages are modelled on OpenCV with the kernels' reflecting default (u8 gaussian with
  // a constant border differs at the edges); a stage that asks for a constant gets it.
  const auto reads = [&](int level, const RowStage& stage, Border kernel_border) {
    if (stage.halo() == Halo{}) return true;
    if (!stage.border() && kernel_border.mode == BorderMode::Constant) return false;
    const Border b = stage.border().value_or(kernel_border);
    const auto l = static_cast<std::size_t>(level);
    const auto same = [](const Border& x, const Border& y) {
      return x.mode == y.mode && (x.mode != BorderMode::Constant || x.value == y.value);
    };
    if (read[l] && !same(f.borders[l], b)) return false;
    read[l] = true;
    f.borders[l] = b;
    return true;
  };
  for (NodeId id : pass.nodes) {
    const Node& nd = pipeline.node(id);
    const Kernel& k = *nd.kernel;
    const KernelClass kc = k.kernel_class();
    if (kc != KernelClass::Pointwise && kc != KernelClass::Stencil) return std::nullopt;
    if (!(sizes[id] == f.size) || nd.inputs.empty()) return std::nullopt;
    const std::vector<RowStagePtr> stages = k.row_stages(types[nd.inputs[0]], f.size);
    if (stages.empty() || stages.back()->out_depth() != types[id].depth) return std::nullopt;
    std::vector<int> inputs;
    for (NodeId in : nd.inputs) {
      const auto it = level_of.find(in);
      if (it == level_of.end() || !reads(it->second, *stages[0], k.border())) return std::nullopt;
      inputs.push_back(it->second);
    }
    for (std::size_t s = 0; s < stages.size(); ++s) {
      if (s > 0) {
        inputs = {static_cast<int>(f.steps.size())};
        if (!reads(inputs[0], *stages[s], k.border())) return std::nullopt;
      }
      // A stage reads pixels of one channel count (a two-input stage, both alike).
      const int cn = f.channels[static_cast<std::size_t>(inputs[0])];
      for (int i : inputs)
        if (f.channels[static_cast<std::size_t>(i)] != cn) return std::nullopt;
      f.steps.push_back({stages[s], inputs});
      f.borders.push_back(Border{});
      f.channels.push_back(stages[s]->out_channels(cn));
      read.push_back(false);
    }
    if (f.channels.back() != types[id].channels) return std::nullopt;
    level_of[id] = static_cast<int>(f.steps.size());
  }
  if (f.steps.empty() || level_of[pass.target] != static_cast<int>(f.steps.size())) return std::nullopt;
  f.output = pass.target;
  f.nodes = pass.nodes;
  f.label = "fused:";
  for (std::size_t i = 0; i < f.nodes.size(); ++i) f.label += (i ? " | " : " ") + pipeline.node(f.nodes[i]).kernel->name();
  return f;
}

std::vector<FusedPass> fuse_segments(const Pipeline& pipeline, const Plan& plan, const Pass& pass) {
  const auto& order = pass.nodes;
  // Readers of each node inside the pass (nodes outside it read only materialised ones).
  std::map<NodeId, std::vector<NodeId>> readers;
  for (NodeId id : order)
    for (NodeId in : pipeline.node(id).inputs) readers[in].push_back(id);
  const auto inside = [](const std::vector<NodeId>& set, NodeId id) {
    return std::find(set.begin(), set.end(), id) != set.end();
  };
  std::vector<FusedPass> segments;
  std::vector<NodeId> taken;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Node& first = pipeline.node(order[i]);
    if (inside(taken, order[i]) || first.inputs.size() != 1) continue;
    const NodeId input = first.inputs[0];
    Pass sub{Pass::Kind::Tiled, order[i], {order[i]}, {input}};
    std::optional<FusedPass> best = fuse(pipeline, plan, sub);
    if (!best) continue;
    for (std::size_t j = i + 1; j < order.size(); ++j) {
      const NodeId c = order[j];
      const auto& ins = pipeline.node(c).inputs;
      const bool reads_segment = std::any_of(ins.begin(), ins.end(), [&](NodeId in) { return inside(sub.nodes, in); });
      if (!reads_segment) continue;  // independent of the segment: it may still grow past it
      const bool joins = std::all_of(ins.begin(), ins.end(), [&](NodeId in) { return in == input || inside(sub.nodes, in); });
      // The node it would close over must be read only inside the segment.
      const auto& outer = readers[sub.target];
      const bool private_last = std::all_of(outer.begin(), outer.end(), [&](NodeId r) { return r == c || inside(sub.nodes, r); });
      if (!joins || !private_last || sub.target == pass.target) break;
      Pass grown = sub;
      grown.target = c;
      grown.nodes.push_back(c);
      std::optional<FusedPass> f = fuse(pipeline, plan, grown);
      if (!f) break;
      sub = std::move(grown);
      best = std::move(f);
    }
    // Nodes inside the segment other than its last must not be read from outside it.
    bool private_inner = true;
    for (NodeId id : sub.nodes)
      for (NodeId r : readers[id])
        if (id != sub.target && !inside(sub.nodes, r)) private_inner = false;
    if (!private_inner) continue;
    taken.insert(taken.end(), sub.nodes.begin(), sub.nodes.end());
    segments.push_back(std::move(*best));
  }
  return segments;
}

namespace {

/// The rows one level has computed and that its readers still need: a ring of `cap` rows,
/// each holding `width` pixels starting at image column `x0` (the columns outside the image
/// are filled by the readers' border mode).
struct Level {
  Rect region;             ///< rows and columns this level computes, inside the image
  std::int64_t x0 = 0;     ///< image column of the first stored pixel
  std::int64_t width = 0;  ///< stored pixels per row
  std::int64_t lead = 0;   ///< rows this level runs ahead of the output row (at most)
  std::int64_t low = 0;    ///< lowest row its readers still need, relative to the output row
  int readers = 0;         ///< steps that read it
  std::int64_t cap = 1;    ///< rows kept: a power of two for a ring (row slots are y & mask)
  std::int64_t mask = -1;  ///< cap - 1 for a ring; all ones when every row has its own slot
  std::size_t pixel = 1;   ///< bytes per pixel
  std::size_t step = 0;    ///< bytes between stored rows
  std::uint8_t* data = nullptr;
  std::int64_t next = 0;   ///< next row to compute
  bool direct = false;     ///< level 0 read in place from the source (nothing to compute)
  bool needed = false;     ///< some step reads it (set while sizing)

  std::uint8_t* row(std::int64_t y) const {
    return data + static_cast<std::size_t>((y - region.y) & mask) * step;
  }
};

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

class Runner {
 public:
  Runner(const FusedPass& f, const Source& input, const Rect& tile, cv::Mat dst)
      : f_(f), levels_(sized(f, tile)), out_(std::move(dst)) {
    const std::size_t m = f.steps.size();
    std::size_t scratch = 0;
    for (std::size_t l = 1; l < m; ++l) scratch += static_cast<std::size_t>(levels_[l].cap) * levels_[l].step;
    Level& last = levels_[m];
    const int out_type = CV_MAKETYPE(f.depth(m), f.channels[m]);
    if (out_.empty()) out_ = recycled_mat(static_cast<int>(tile.h), static_cast<int>(tile.w), out_type);
    else out_.create(static_cast<int>(tile.h), static_cast<int>(tile.w), out_type);  // keeps a given view
    last.data = out_.data;
    last.step = out_.step;
    // Level 0 is read in place when its readers need no columns outside the image.
    Level& first = levels_[0];
    TileTrace::read_begin();
    input.read(first.region, src_);
    TileTrace::read_end(bytes_of(src_));
    TileTrace::compute_begin(f.label);
    if (first.x0 == first.region.x && first.width == first.region.w) {
      first.direct = true;
      first.data = src_.data;
      first.step = src_.step;
      first.cap = first.region.h;
      first.mask = -1;
      first.next = first.region.y1();
    } else {
      scratch += static_cast<std::size_t>(first.cap) * first.step;
    }
    thread_local std::vector<std::uint8_t> buffer;
    if (buffer.size() < scratch + kAlign) buffer.resize(scratch + kAlign);
    auto* p = reinterpret_cast<std::uint8_t*>(aligned(reinterpret_cast<std::uintptr_t>(buffer.data())));
    for (std::size_t l = 0; l < m; ++l) {
      if (levels_[l].direct) continue;
      levels_[l].data = p;
      p += static_cast<std::size_t>(levels_[l].cap) * levels_[l].step;
    }
    // A level extended by a constant reads its rows past the image edge from a row of that
    // constant (and copies its columns from it), as wide as the level's stored rows.
    fills_.resize(m);
    for (std::size_t l = 0; l < m; ++l) {
      if (f.borders[l].mode != BorderMode::Constant) continue;
      const Level& v = levels_[l];
      const auto elems = static_cast<int>(static_cast<std::size_t>(v.width) * v.pixel / CV_ELEM_SIZE1(f.depth(l)));
      fills_[l].create(1, elems, f.depth(l));  // the stored columns, x0 .. x0 + width
      fills_[l].setTo(cv::Scalar::all(f.borders[l].value));  // saturated to the level's depth
    }
  }

  /// The levels for `tile`, sized but without memory: each level computes what its readers'
  /// windows need, clipped to the image, and keeps as many rows as the reader furthest
  /// ahead and the one furthest behind span: once the first output row is done, every
  /// level moves on one row per output row, and a level runs `lead` rows ahead while its
  /// readers need rows from `low` on. During the first output row a reader may run all the
  /// way to the level's lead before another reader of the same level starts at the top of
  /// the region, so a level with several readers keeps everything from its first row to its
  /// lead until then.
  static std::vector<Level> sized(const FusedPass& f, const Rect& tile) {
    const std::size_t m = f.steps.size();
    std::vector<Level> levels(m + 1);
    Level& last = levels[m];
    last.region = tile;
    last.x0 = tile.x;
    last.width = tile.w;
    last.needed = true;
    for (std::size_t s = m; s-- > 0;) {
      const Halo h = f.steps[s].stage->halo();
      const Level& out = levels[s + 1];
      for (int i : f.steps[s].inputs) {
        Level& in = levels[static_cast<std::size_t>(i)];
        const Rect need = clip(out.region.grown(h), f.size);
        const std::int64_t x0 = out.region.x - h.rx, x1 = out.region.x1() + h.rx;
        ++in.readers;
        if (!in.needed) {
          in.region = need;
          in.x0 = x0;
          in.width = x1 - x0;
          in.lead = out.lead + h.ry;
          in.low = out.lead - h.ry;
          in.needed = true;
        } else {
          in.region = bounding_union(in.region, need);
          in.width = std::max(in.x0 + in.width, x1) - std::min(in.x0, x0);
          in.x0 = std::min(in.x0, x0);
          in.lead = std::max(in.lead, out.lead + h.ry);
          in.low = std::min(in.low, out.lead - h.ry);
        }
      }
    }
    for (std::size_t l = 0; l <= m; ++l) {
      Level& v = levels[l];
      std::int64_t rows = v.lead - v.low + 1;
      if (v.readers > 1) rows = std::max(rows, tile.y + v.lead - v.region.y + 1);
      v.cap = l == m ? tile.h
                     : static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(std::min(rows, v.region.h))));
      v.mask = l == m ? -1 : v.cap - 1;
      v.pixel = static_cast<std::size_t>(CV_ELEM_SIZE1(f.depth(l)) * f.channels[l]);
      v.step = aligned(static_cast<std::size_t>(v.width) * v.pixel);
      v.next = v.region.y;
    }
    return levels;
  }

  cv::Mat run() {
    if (pointwise_stream()) return out_;
    ensure(levels_.size() - 1, levels_.back().region.y1() - 1);
    return out_;
  }

 private:
  /// A pass of pointwise stages only runs as a stream of pixels in chunks, through every stage
  /// a chunk at a time, without the per-row bookkeeping of rings and borders (for cheap
  /// stages on narrow rows that cost as much as the work). A tile whose source and
  /// destination rows follow one another in memory (a full-width strip) is one stream; other
  /// tiles are a stream per row. False (nothing done) when some stage has a halo.
  bool pointwise_stream() {
    const std::size_t m = f_.steps.size();
    for (const FusedPass::Step& step : f_.steps)
      if (step.stage->halo() != Halo{}) return false;
    if (!levels_[0].direct) return false;
    constexpr std::int64_t kChunk = 8192;  // pixels: every level's chunk stays in the L1/L2 cache
    std::vector<std::size_t> offset(m + 1, 0);  // of each intermediate level's chunk in the buffer
    std::size_t bytes = 0;
    for (std::size_t l = 1; l < m; ++l) {
      offset[l] = bytes;
      bytes += aligned(static_cast<std::size_t>(kChunk) * levels_[l].pixel);
    }
    thread_local std::vector<std::uint8_t> buffer;
    if (buffer.size() < bytes + kAlign) buffer.resize(bytes + kAlign);
    auto* base = reinterpret_cast<std::uint8_t*>(aligned(reinterpret_cast<std::uintptr_t>(buffer.data())));
    std::vector<const void*> rows;
    const std::size_t in_pixel = levels_[0].pixel, out_pixel = levels_[m].pixel;
    auto stream = [&](const std::uint8_t* src, std::uint8_t* dst, std::int64_t total) {
      for (std::int64_t at = 0; at < total; at += kChunk) {
        const int n = static_cast<int>(std::min(kChunk, total - at));
        auto level_ptr = [&](std::size_t l) -> std::uint8_t* {
          if (l == 0) return const_cast<std::uint8_t*>(src) + static_cast<std::size_t>(at) * in_pixel;
          if (l == m) return dst + static_cast<std::size_t>(at) * out_pixel;
          return base + offset[l];
        };
        for (std::size_t s = 0; s < m; ++s) {
          const FusedPass::Step& step = f_.steps[s];
          rows.clear();
          for (int i : step.inputs) rows.push_back(level_ptr(static_cast<std::size_t>(i)));
          step.stage->run(rows.data(), level_ptr(s + 1), n, f_.channels[static_cast<std::size_t>(step.inputs[0])]);
        }
      }
    };
    const bool one_stream = src_.isContinuous() && out_.isContinuous();
    if (m == 1 && f_.steps[0].inputs.size() == 1 && (!one_stream || levels_[m].region.area() <= kChunk)) {
      // One stage, row by row: nothing between the rows but the call.
      const RowStage& stage = *f_.steps[0].stage;
      const int cn = f_.channels[0], w = out_.cols;
      for (int y = 0; y < out_.rows; ++y) {
        const void* row = src_.ptr(y);
        stage.run(&row, out_.ptr(y), w, cn);
      }
    } else if (one_stream) {
      stream(src_.data, out_.data, levels_[m].region.area());
    } else {
      for (int y = 0; y < out_.rows; ++y) stream(src_.ptr(y), out_.ptr(y), out_.cols);
    }
    return true;
  }

  /// Computes level `l` through row `y`, in order, each row once.
  void ensure(std::size_t l, std::int64_t y) {
    while (levels_[l].next <= y) produce(l, levels_[l].next++);
  }

  void produce(std::size_t l, std::int64_t y) {
    if ((y & 15) == 0) poll_cancel();  // rows can be long (bilateral d=101): Ctrl-C stops a tile here
    Level& out = levels_[l];
    std::uint8_t* dst = out.row(y) + static_cast<std::size_t>(out.region.x - out.x0) * out.pixel;
    if (l == 0) {
      std::memcpy(dst, src_.ptr(static_cast<int>(y - out.region.y)), static_cast<std::size_t>(out.region.w) * out.pixel);
    } else {
      const FusedPass::Step& step = f_.steps[l - 1];
      const Halo h = step.stage->halo();
      const std::size_t window = static_cast<std::size_t>(2 * h.ry + 1);
      for (int i : step.inputs) {
        const auto u = static_cast<std::size_t>(i);
        ensure(u, std::min(y + h.ry, levels_[u].region.y1() - 1));
      }
      // After every input is computed: producing them uses rows_ too.
      rows_.resize(window * step.inputs.size());
      const bool inside = y - h.ry >= 0 && y + h.ry < f_.size.h;
      for (std::size_t k = 0; k < step.inputs.size(); ++k) {
        const auto i = static_cast<std::size_t>(step.inputs[k]);
        const Level& in = levels_[i];
        const std::size_t left = static_cast<std::size_t>(out.region.x - h.rx - in.x0) * in.pixel;
        const bool constant = f_.borders[i].mode == BorderMode::Constant;
        for (int d = -h.ry; d <= h.ry; ++d) {
          const std::int64_t r = inside ? y + d : border_index(y + d, f_.size.h, f_.borders[i].mode);
          rows_[k * window + static_cast<std::size_t>(d + h.ry)] = (constant && r < 0 ? fills_[i].data : in.row(r)) + left;
        }
      }
      step.stage->run(rows_.data(), dst, static_cast<int>(out.region.w),
                      f_.channels[static_cast<std::size_t>(step.inputs[0])]);
    }
    if (l + 1 < levels_.size()) pad(l, out.row(y));
  }

  /// Fills the stored columns of one row of level `index` that lie outside the image: from
  /// inside it, or from the level's constant.
  void pad(std::size_t index, std::uint8_t* row) const {
    const Level& l = levels_[index];
    const BorderMode mode = f_.borders[index].mode;
    auto fill = [&](std::int64_t from, std::int64_t to) {
      if (mode == BorderMode::Constant) {
        if (to > from)
          std::memcpy(row + static_cast<std::size_t>(from - l.x0) * l.pixel,
                      fills_[index].data + static_cast<std::size_t>(from - l.x0) * l.pixel,
                      static_cast<std::size_t>(to - from) * l.pixel);
        return;
      }
      for (std::int64_t c = from; c < to; ++c) {
        const std::int64_t src = border_index(c, f_.size.w, mode);
        if (src < l.region.x || src >= l.region.x1())
          throw KernelError("internal: fused border column " + std::to_string(src) + " not computed", l.region);
        std::memcpy(row + static_cast<std::size_t>(c - l.x0) * l.pixel,
                    row + static_cast<std::size_t>(src - l.x0) * l.pixel, l.pixel);
      }
    };
    fill(l.x0, l.region.x);
    fill(l.region.x1(), l.x0 + l.width);
  }

  const FusedPass& f_;
  std::vector<Level> levels_;
  std::vector<const void*> rows_;
  std::vector<cv::Mat> fills_;  ///< per level: a row of its constant border, where it has one
  cv::Mat out_, src_;
};

}  // namespace

double fused_bytes_per_column(const FusedPass& fused) {
  // The rings of a tile far from the image edges (no clipping), as Runner sizes them.
  const Size huge{std::int64_t{1} << 40, std::int64_t{1} << 40};
  FusedPass unclipped = fused;
  unclipped.size = huge;
  const Rect tile{std::int64_t{1} << 30, std::int64_t{1} << 30, 1, 1 << 20};
  double bytes = 0;
  const std::vector<Level> levels = Runner::sized(unclipped, tile);
  // Not level 0 (read in place) nor the last (the destination).
  for (std::size_t l = 1; l + 1 < levels.size(); ++l)
    bytes += static_cast<double>(levels[l].cap) * static_cast<double>(levels[l].pixel);
  return bytes;
}

cv::Mat evaluate_tile_fused(const FusedPass& fused, const Source& input, const Rect& tile, cv::Mat dst) {
  return Runner(fused, input, tile, std::move(dst)).run();
}

}  // namespace tessera::detail
