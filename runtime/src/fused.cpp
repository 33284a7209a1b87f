#include "fused.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <opencv2/core.hpp>

#include "tessera/error.hpp"

namespace tessera::detail {

std::optional<FusedChain> fused_chain(const Pipeline& pipeline, const Plan& plan, const Pass& pass) {
  if (pass.kind != Pass::Kind::Tiled || pass.inputs.size() != 1) return std::nullopt;
  const auto& sizes = plan.shape.sizes;
  const auto& types = plan.shape.types;
  NodeId prev = pass.inputs[0];
  FusedChain chain;
  chain.input = prev;
  chain.size = sizes[prev];
  chain.channels = types[prev].channels;
  chain.in_depth = types[prev].depth;
  for (NodeId id : pass.nodes) {
    const Node& nd = pipeline.node(id);
    const Kernel& k = *nd.kernel;
    const KernelClass kc = k.kernel_class();
    if (nd.inputs.size() != 1 || nd.inputs[0] != prev) return std::nullopt;
    if (kc != KernelClass::Pointwise && kc != KernelClass::Stencil) return std::nullopt;
    if (!(sizes[id] == chain.size) || types[id].channels != chain.channels) return std::nullopt;
    // Rows and columns outside the image must map to pixels inside the window being
    // computed: true for replication and reflection, not for a constant fill.
    const BorderMode mode = k.border().mode;
    if (mode == BorderMode::Constant) return std::nullopt;
    const std::vector<RowStagePtr> stages = k.row_stages(types[prev], chain.size);
    if (stages.empty()) return std::nullopt;
    for (const RowStagePtr& s : stages) chain.steps.push_back({s, mode});
    if (stages.back()->out_depth() != types[id].depth) return std::nullopt;
    prev = id;
  }
  if (prev != pass.target || chain.steps.empty()) return std::nullopt;
  return chain;
}

namespace {

/// The rows one stage has computed and that the next still needs: a ring of `cap` rows,
/// each holding `width` pixels starting at image column `x0` (columns outside the image
/// are filled by the consumer's border mode).
struct Level {
  Rect region;             ///< rows and columns this level computes, inside the image
  std::int64_t x0 = 0;     ///< image column of the first stored pixel
  std::int64_t width = 0;  ///< stored pixels per row
  std::int64_t cap = 1;    ///< rows kept: a power of two for a ring (row slots are y & mask)
  std::int64_t mask = -1;  ///< cap - 1 for a ring; all ones when every row has its own slot
  std::size_t pixel = 1;   ///< bytes per pixel
  std::size_t step = 0;    ///< bytes between stored rows
  std::uint8_t* data = nullptr;
  std::int64_t next = 0;   ///< next row to compute
  bool direct = false;     ///< level 0 read in place from the source (nothing to compute)

  std::uint8_t* row(std::int64_t y) const {
    return data + static_cast<std::size_t>((y - region.y) & mask) * step;
  }
};

constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

class Runner {
 public:
  Runner(const FusedChain& chain, const Source& input, const Rect& tile, cv::Mat dst) : chain_(chain), out_(std::move(dst)) {
    const std::size_t m = chain.steps.size();
    levels_.resize(m + 1);
    // Backward: each level computes what the next stage's window needs, clipped to the image.
    Level& last = levels_[m];
    last.region = tile;
    last.x0 = tile.x;
    last.width = tile.w;
    last.cap = tile.h;
    std::size_t scratch = 0;
    for (std::size_t s = m; s-- > 0;) {
      const Halo h = chain.steps[s].stage->halo();
      const Level& out = levels_[s + 1];
      Level& in = levels_[s];
      in.region = clip(out.region.grown(h), chain.size);
      in.x0 = out.region.x - h.rx;
      in.width = out.region.w + 2 * h.rx;
      in.cap = std::bit_ceil(static_cast<std::uint64_t>(std::min<std::int64_t>(2 * h.ry + 1, in.region.h)));
      in.mask = in.cap - 1;
    }
    for (std::size_t s = 0; s <= m; ++s) {
      const int depth = s == 0 ? chain.in_depth : chain.steps[s - 1].stage->out_depth();
      Level& l = levels_[s];
      l.pixel = static_cast<std::size_t>(CV_ELEM_SIZE1(depth) * chain.channels);
      l.step = aligned(static_cast<std::size_t>(l.width) * l.pixel);
      l.next = l.region.y;
      if (s > 0 && s < m) scratch += static_cast<std::size_t>(l.cap) * l.step;
    }
    out_.create(static_cast<int>(tile.h), static_cast<int>(tile.w),  // keeps a given view
                CV_MAKETYPE(chain.steps.back().stage->out_depth(), chain.channels));
    last.data = out_.data;
    last.step = out_.step;
    // Level 0 is read in place when the first window needs no columns outside the image.
    Level& first = levels_[0];
    input.read(first.region, src_);
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
    for (std::size_t s = 0; s < m; ++s) {
      if (levels_[s].direct) continue;
      levels_[s].data = p;
      p += static_cast<std::size_t>(levels_[s].cap) * levels_[s].step;
    }
  }

  cv::Mat run() {
    ensure(levels_.size() - 1, levels_.back().region.y1() - 1);
    return out_;
  }

 private:
  /// Computes level `l` through row `y`, in order, each row once.
  void ensure(std::size_t l, std::int64_t y) {
    while (levels_[l].next <= y) produce(l, levels_[l].next++);
  }

  void produce(std::size_t l, std::int64_t y) {
    Level& out = levels_[l];
    std::uint8_t* dst = out.row(y) + static_cast<std::size_t>(out.region.x - out.x0) * out.pixel;
    if (l == 0) {
      std::memcpy(dst, src_.ptr(static_cast<int>(y - out.region.y)), static_cast<std::size_t>(out.region.w) * out.pixel);
    } else {
      const FusedChain::Step& step = chain_.steps[l - 1];
      const Level& in = levels_[l - 1];
      const int ry = step.stage->halo().ry;
      ensure(l - 1, std::min(y + ry, in.region.y1() - 1));
      rows_.resize(static_cast<std::size_t>(2 * ry + 1));
      const bool inside = y - ry >= 0 && y + ry < chain_.size.h;
      for (int d = -ry; d <= ry; ++d) {
        const std::int64_t r = inside ? y + d : border_index(y + d, chain_.size.h, step.border);
        rows_[static_cast<std::size_t>(d + ry)] = in.row(r);
      }
      step.stage->run(rows_.data(), dst, static_cast<int>(out.region.w), chain_.channels);
    }
    if (l + 1 < levels_.size()) pad(out, out.row(y), chain_.steps[l].border);
  }

  /// Fills the stored columns of one row that lie outside the image, from inside it.
  void pad(const Level& l, std::uint8_t* row, BorderMode mode) const {
    auto fill = [&](std::int64_t from, std::int64_t to) {
      for (std::int64_t c = from; c < to; ++c) {
        const std::int64_t src = border_index(c, chain_.size.w, mode);
        if (src < l.region.x || src >= l.region.x1())
          throw KernelError("internal: fused border column " + std::to_string(src) + " not computed", l.region);
        std::memcpy(row + static_cast<std::size_t>(c - l.x0) * l.pixel,
                    row + static_cast<std::size_t>(src - l.x0) * l.pixel, l.pixel);
      }
    };
    fill(l.x0, l.region.x);
    fill(l.region.x1(), l.x0 + l.width);
  }

  const FusedChain& chain_;
  std::vector<Level> levels_;
  std::vector<const void*> rows_;
  cv::Mat out_, src_;
};

}  // namespace

cv::Mat evaluate_tile_fused(const FusedChain& chain, const Source& input, const Rect& tile, cv::Mat dst) {
  return Runner(chain, input, tile, std::move(dst)).run();
}

}  // namespace tessera::detail
