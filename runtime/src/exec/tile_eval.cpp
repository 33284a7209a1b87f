// Tile-at-a-time evaluation of a tiled pass: the regions each node needs (backward), then
// each kernel run on its region with the border filled in (forward); fused passes go row by
// row instead (fused.cpp).
#include "tile_eval.hpp"

#include <algorithm>

#include <opencv2/core.hpp>

#include "fused.hpp"
#include "recycled.hpp"
#include "scratch.hpp"
#include "tessera/error.hpp"
#include "tessera/io.hpp"
#include "tile_trace.hpp"

namespace tessera::detail {

namespace {

/// A constant border value clamped to an integer depth's range, so that e.g. DBL_MAX means
/// "the largest value" for any depth (OpenCV's conversion would turn it into 0 for 8 bits).
double fill_value(double v, int depth) {
  switch (depth) {
    case CV_8U: return std::clamp(v, 0.0, 255.0);
    case CV_8S: return std::clamp(v, -128.0, 127.0);
    case CV_16U: return std::clamp(v, 0.0, 65535.0);
    case CV_16S: return std::clamp(v, -32768.0, 32767.0);
    case CV_32S: return std::clamp(v, -2147483648.0, 2147483647.0);
    default: return v;
  }
}

/// The computed region `have` of an image of `size`, as a Source for a fused segment.
class RegionSource final : public Source {
 public:
  RegionSource(const cv::Mat& pixels, const Rect& have, Size size)
      : pixels_(pixels), have_(have), size_(size) {}
  Size size() const override { return size_; }
  PixelType type() const override { return PixelType::of(pixels_); }
  void read(const Rect& r, cv::Mat& out) const override {
    if (!have_.contains(r))
      throw KernelError("internal: fused segment reads " + to_string(r) + " outside computed " + to_string(have_), r);
    out = pixels_(to_cv_rect(have_.relative(r)));
  }

 private:
  cv::Mat pixels_;
  Rect have_;
  Size size_;
};

/// The segment whose last node is `id`, or null.
const FusedPass* segment_ending_at(const PassFusion* fusion, NodeId id) {
  if (fusion)
    for (const FusedPass& f : fusion->segments)
      if (f.output == id) return &f;
  return nullptr;
}

/// True when `id` is computed inside a segment that ends at another node.
bool inside_segment(const PassFusion* fusion, NodeId id) {
  if (fusion)
    for (const FusedPass& f : fusion->segments)
      if (f.output != id && std::find(f.nodes.begin(), f.nodes.end(), id) != f.nodes.end()) return true;
  return false;
}

/// For a kernel that reads around its input views: `want` clipped to the image, as a view of
/// `pixels` (which hold `have`), when that view's memory ends where the image does on each
/// side `want` was clipped (so that OpenCV extends it there as on the whole image, and never
/// reads memory past the image, such as that of a larger image the input is a view of).
/// False (nothing done) otherwise, or when `want` lies inside the image (no copy is made then
/// anyway).
bool clipped_view(const Kernel& kernel, const cv::Mat& pixels, const Rect& have, Size image, Rect& want,
                  cv::Mat& out) {
  const Rect inside = clip(want, image);
  if (!kernel.reads_around_view() || inside == want || inside.empty() || !have.contains(inside)) return false;
  const cv::Mat view = pixels(to_cv_rect(have.relative(inside)));
  cv::Size whole;
  cv::Point at;
  view.locateROI(whole, at);
  if ((want.x < inside.x && at.x != 0) || (want.y < inside.y && at.y != 0) ||
      (want.x1() > inside.x1() && at.x + view.cols != whole.width) ||
      (want.y1() > inside.y1() && at.y + view.rows != whole.height))
    return false;
  out = view;
  want = inside;
  return true;
}

}  // namespace

void extract_with_border(const cv::Mat& pixels, const Rect& have, const Rect& want, Size image,
                         const Border& border, cv::Mat& out) {
  const Rect inside = clip(want, image);
  if (inside.empty())
    throw KernelError("region " + to_string(want) + " lies wholly outside the " + to_string(image) + " image", want);
  if (!have.contains(inside))
    throw KernelError("internal: region " + to_string(inside) + " not inside computed " + to_string(have), want);
  const cv::Mat view = pixels(to_cv_rect(have.relative(inside)));
  if (inside == want) {
    out = view;
    return;
  }
  const int top = static_cast<int>(inside.y - want.y), left = static_cast<int>(inside.x - want.x);
  const int bottom = static_cast<int>(want.y1() - inside.y1()), right = static_cast<int>(want.x1() - inside.x1());
  out = scratch_mat(static_cast<int>(want.h), static_cast<int>(want.w), view.type());
  cv::copyMakeBorder(view, out, top, bottom, left, right, static_cast<int>(border.mode) | cv::BORDER_ISOLATED,
                     cv::Scalar::all(fill_value(border.value, view.depth())));
}

cv::Mat evaluate_tile(const Pipeline& pipeline, const Plan& plan, const Pass& pass,
                      const std::vector<const Source*>& values, const std::vector<cv::Mat>& reduced,
                      const Rect& tile, const PassFusion* fusion, cv::Mat dst, ScratchPool* scratch) {
  if (fusion && fusion->whole) {
    cv::Mat result = evaluate_tile_fused(*fusion->whole, *values[fusion->whole->input], tile, dst);
    TileTrace::add_bytes(bytes_of(result));
    return result;
  }
  ScratchScope scope(scratch);
  const auto& sizes = plan.shape.sizes;
  const auto& types = plan.shape.types;
  const std::size_t n = sizes.size();
  // Backward: the region of every node this tile needs, clipped to that node's image.
  std::vector<Rect> need(n);
  need[static_cast<std::size_t>(pass.target)] = tile;
  for (auto it = pass.nodes.rbegin(); it != pass.nodes.rend(); ++it) {
    const Node& nd = pipeline.node(*it);
    for (std::size_t i = 0; i < nd.inputs.size(); ++i) {
      const NodeId in = nd.inputs[i];
      const Rect req = nd.kernel->input_region(need[*it], static_cast<int>(i), sizes[in]);
      need[in] = bounding_union(need[in], clip(req, sizes[in]));
    }
  }
  // Forward: read the materialised inputs, then run each node on its region.
  std::vector<cv::Mat> buf(n);
  TileTrace::read_begin();
  std::int64_t read_bytes = 0;
  for (NodeId in : pass.inputs)
    if (!need[in].empty()) {
      values[in]->read(need[in], buf[in]);
      read_bytes += bytes_of(buf[in]);
    }
  TileTrace::read_end(read_bytes);
  std::vector<cv::Mat> ins;
  std::vector<Rect> in_rects;
  std::vector<Size> in_sizes;
  for (NodeId id : pass.nodes) {
    if (inside_segment(fusion, id)) continue;  // its segment's last node computes it, row by row
    const Node& nd = pipeline.node(id);
    const Rect& r = need[id];
    const FusedPass* segment = segment_ending_at(fusion, id);
    TileTrace::compute_begin(segment ? std::string_view(segment->label) : std::string_view(nd.label));
    const bool into_dst = id == pass.target && !dst.empty();
    // Intermediates live in scratch memory until the tile is done; the target, when there is
    // no destination, in memory of its own that outlives it.
    const int rows = static_cast<int>(r.h), cols = static_cast<int>(r.w);
    cv::Mat out = into_dst                ? dst
                  : id == pass.target     ? recycled_mat(rows, cols, types[id].cv_type())
                                          : scratch_mat(rows, cols, types[id].cv_type());
    if (segment) {
      const NodeId in = segment->input;
      const RegionSource region(buf[in], need[in], sizes[in]);
      buf[id] = evaluate_tile_fused(*segment, region, r, out);
      TileTrace::add_bytes(bytes_of(buf[id]));
      continue;
    }
    const std::size_t arity = nd.inputs.size();
    ins.assign(arity, cv::Mat());
    in_rects.assign(arity, Rect{});
    in_sizes.assign(arity, Size{});
    for (std::size_t i = 0; i < arity; ++i) {
      const NodeId in = nd.inputs[i];
      in_rects[i] = nd.kernel->input_region(need[id], static_cast<int>(i), sizes[in]);
      in_sizes[i] = sizes[in];
      if (!clipped_view(*nd.kernel, buf[in], need[in], sizes[in], in_rects[i], ins[i]))
        extract_with_border(buf[in], need[in], in_rects[i], sizes[in], nd.kernel->border(), ins[i]);
    }
    TileIO io{ins, in_rects, in_sizes, r, sizes[id], out};
    try {
      if (nd.kernel->kernel_class() == KernelClass::ReduceThenMap)
        static_cast<const ReduceKernel&>(*nd.kernel).map(io, reduced[static_cast<std::size_t>(id)]);
      else
        nd.kernel->process(io);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw KernelError(nd.label + ": failed on tile " + to_string(r) + ": " + e.what(), r);
    }
    if (out.rows != r.h || out.cols != r.w || out.type() != types[id].cv_type())
      throw KernelError(nd.label + ": produced a " + std::to_string(out.cols) + "x" + std::to_string(out.rows) + " " +
                            PixelType::of(out).str() + " tile, expected " + to_string(r.size()) + " " +
                            types[id].str(), r);
    if (into_dst && out.data != dst.data) out.copyTo(dst);  // the kernel returned a view of its own
    buf[id] = into_dst ? dst : out;
    TileTrace::add_bytes(bytes_of(out));
  }
  cv::Mat result = buf[static_cast<std::size_t>(pass.target)];
  // A kernel may have returned a view of its input as the tile: when that lies in scratch
  // memory (a header without a reference count), which goes back to the pool as this returns,
  // the tile gets a copy of its own.
  if (!result.u && dst.empty()) result = result.clone();
  return result;
}

}  // namespace tessera::detail
