// Morphology: erode, dilate, open, close, tophat, blackhat, morph_gradient.
//
// Every entry is the OpenCV call with its default border (BORDER_CONSTANT with
// morphologyDefaultBorderValue(): pixels outside the image never win) and the structuring
// element cv::getStructuringElement(shape, Size(ksize, ksize)), anchored at its centre.
//
// erode and dilate are one kernel each (MorphPass); the others are composites whose nodes
// mirror the body of cv::morphologyEx:
//   open            = erode(it) -> dilate(it)
//   close           = dilate(it) -> erode(it)
//   tophat          = src - open(src)              (saturating, cv::subtract)
//   blackhat        = close(src) - src
//   morph_gradient  = dilate(it)(src) - erode(it)(src)
// where erode(it) / dilate(it) is ONE node: cv::erode / cv::dilate with `iterations`, i.e.
// OpenCV's own iteration (including its rect shortcut that enlarges the element instead of
// iterating), so the bits are OpenCV's by construction.
//
// Why one node per erode(it) is exact when tiled (MorphPass below): the node asks for its
// output tile grown by the full footprint of all iterations, *clipped to the image* (it never
// asks for pixels outside the image), and runs the OpenCV call on that region with
// BORDER_ISOLATED and the default (neutral) border value. After k passes on a region V, a
// pixel q is exact whenever the part of q + k*B inside the image lies inside V: the
// region's own edges that are image edges get exactly the whole-image treatment (neutral
// outside), and wrong values from edges that are tile cuts spread at most k*radius inwards,
// into the halo that is cropped away. Each pass of the chain is therefore bordered relative
// to the image edge of its own input, as DESIGN.md requires.
//
// Why not let the runtime fill the outside with a constant (Border{Constant, v}) instead:
// the neutral value depends on the depth (255, 65535, FLT_MAX for erode; 0, 0, -FLT_MAX for
// dilate) but Kernel::border() is fixed before the type is known, and no single double
// works: cv::copyMakeBorder saturates Scalar(FLT_MAX) to 0 (not 255) for 8U/16U because
// saturate_cast<uchar>(double) goes through cvRound, which overflows to INT_MIN.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "common/param_helpers.hpp"
#include "common/row_kernels.hpp"
#include "arith/add_weighted_rows.hpp"
#include "morphology/rect_rows.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::choice_param;
using detail::int_param;

const TypeSet kTypes{{CV_8U, CV_16U, CV_32F}, {1, 3, 4}};

/// The structuring element and repetition shared by every entry.
struct Element {
  cv::Mat mask;  ///< cv::getStructuringElement(shape, Size(ksize, ksize)); anchor at its centre
  int iterations = 1;

  static Element from(const Params& p) {
    const std::string& shape = p.text("shape");
    const int cv_shape = shape == "ellipse" ? cv::MORPH_ELLIPSE : shape == "cross" ? cv::MORPH_CROSS : cv::MORPH_RECT;
    const int k = static_cast<int>(p.integer("ksize"));
    return {cv::getStructuringElement(cv_shape, cv::Size(k, k)), static_cast<int>(p.integer("iterations"))};
  }

  /// How far `iterations` passes reach from a pixel. The anchor is (ksize/2, ksize/2), so an
  /// even ksize reaches ksize/2 up/left and ksize/2 - 1 down/right; the halo takes the larger.
  Halo reach() const {
    const int rx = std::max(mask.cols / 2, mask.cols - 1 - mask.cols / 2);
    const int ry = std::max(mask.rows / 2, mask.rows - 1 - mask.rows / 2);
    return {rx * iterations, ry * iterations};
  }
};

/// One cv::erode or cv::dilate call (op = cv::MORPH_ERODE / MORPH_DILATE) with its iterations,
/// run on the output tile's neighbourhood inside the image (see the file comment).
class MorphPass final : public Kernel {
 public:
  MorphPass(int op, Element el)
      : op_(op), el_(std::move(el)), rect_(cv::countNonZero(el_.mask) == el_.mask.rows * el_.mask.cols) {}

  std::string name() const override { return op_ == cv::MORPH_ERODE ? "erode" : "dilate"; }
  KernelClass kernel_class() const override { return KernelClass::Stencil; }
  PixelType output_type(std::span<const PixelType> in) const override {
    require_type(in[0], kTypes);
    return in[0];
  }
  Halo halo() const override { return el_.reach(); }
  /// The grown tile clipped to the image: the outside is OpenCV's own neutral border.
  Rect input_region(const Rect& out, int, Size in_size) const override { return clip(out.grown(halo()), in_size); }

  /// For fused rows (rect elements): copies of pixels that the window already holds,
  /// which change no minimum or maximum (row_morphology.cpp): reflection when the window is
  /// centred (odd ksize: the default of the other kernels, so chains with them fuse),
  /// replication otherwise. The tile path never reads outside the image (input_region).
  Border border() const override {
    return {el_.mask.cols % 2 && el_.mask.rows % 2 ? BorderMode::Reflect101 : BorderMode::Replicate, 0};
  }

  std::vector<RowStagePtr> row_stages(const PixelType& in, Size) const override {
    if (!rect_) return {};
    return detail::rect_morphology_row_stages(in.depth, el_.mask.cols, el_.mask.rows, el_.iterations,
                                              op_ == cv::MORPH_DILATE);
  }

  void process(const TileIO& io) const override {
    const Rect keep = io.in_rect[0].relative(io.out_rect);
    if (single_pass()) {
      // One pass reads the pixels around the view (OpSpec::reads_around_view): only the
      // tile's own pixels are computed, straight into io.out. The region is given to OpenCV
      // as an image of its own, so that its surroundings stop at the region, which stops
      // only at the image edge: past it, the neutral constant (the input may be a view into
      // a larger image, whose pixels outside this one must not count).
      const cv::Mat& in = io.in[0];
      const cv::Mat region(in.rows, in.cols, in.type(), in.data, in.step);
      run(region(to_cv_rect(keep)), io.out, cv::BORDER_CONSTANT);
      return;
    }
    cv::Mat result;
    run(io.in[0], result, cv::BORDER_CONSTANT | cv::BORDER_ISOLATED);
    io.out = result(to_cv_rect(keep));
  }

  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    run(in[0], out, cv::BORDER_CONSTANT);
    return out;
  }

 private:
  void run(const cv::Mat& in, cv::Mat& out, int border) const {
    cv::morphologyEx(in, out, op_, el_.mask, cv::Point(-1, -1), el_.iterations, border,
                     cv::morphologyDefaultBorderValue());
  }

  /// OpenCV runs one pass: one iteration, or a rect element, which it enlarges instead of
  /// iterating. Later passes would read the first one's output, which has no surroundings.
  bool single_pass() const { return el_.iterations == 1 || rect_; }

  int op_;
  Element el_;
  bool rect_;  ///< every element of the mask set
};

/// a - b, saturated for integer depths (as cv::morphologyEx computes it): joins two branches.
KernelPtr make_subtract() {
  OpSpec s;
  s.name = "subtract";
  s.arity = 2;
  s.types = kTypes;
  s.output_type = [](std::span<const PixelType> in) {
    if (!(in[1] == in[0])) throw UsageError("inputs differ in type: " + in[0].str() + " and " + in[1].str());
    return in[0];
  };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::subtract(in[0], in[1], out); };
  // For 8 bits, saturate(a - b) is also what add_weighted_u8(a, 1, b, -1, 0) computes, exactly.
  return detail::with_row_stages(make_op_kernel(std::move(s)),
                                 detail::u8_rows(detail::add_weighted_u8_row_stage(1, -1, 0)));
}

/// Builds an expansion step by step; each add returns the new step's index.
class Expansion {
 public:
  static constexpr int kSource = -1;  ///< the composite's input

  explicit Expansion(Element el) : el_(std::move(el)) {}

  int erode(int from) { return add(std::make_shared<MorphPass>(cv::MORPH_ERODE, el_), {from}); }
  int dilate(int from) { return add(std::make_shared<MorphPass>(cv::MORPH_DILATE, el_), {from}); }
  int subtract(int a, int b) { return add(make_subtract(), {a, b}); }

  std::vector<Step> take() && { return std::move(steps_); }

 private:
  int add(KernelPtr k, std::vector<int> inputs) {
    steps_.push_back({std::move(k), std::move(inputs)});
    return static_cast<int>(steps_.size()) - 1;
  }

  Element el_;
  std::vector<Step> steps_;
};

/// The nodes of cv::morphologyEx(op), in the order its body runs them.
std::vector<Step> expand(int op, const Params& p) {
  Expansion e(Element::from(p));
  const int src = Expansion::kSource;
  switch (op) {
    case cv::MORPH_OPEN:
      e.dilate(e.erode(src));
      break;
    case cv::MORPH_CLOSE:
      e.erode(e.dilate(src));
      break;
    case cv::MORPH_TOPHAT:
      e.subtract(src, e.dilate(e.erode(src)));
      break;
    case cv::MORPH_BLACKHAT:
      e.subtract(e.erode(e.dilate(src)), src);
      break;
    case cv::MORPH_GRADIENT: {
      const int eroded = e.erode(src);
      e.subtract(e.dilate(src), eroded);
      break;
    }
    default:
      throw UsageError("morphology: unknown operation " + std::to_string(op));
  }
  return std::move(e).take();
}

/// The defining OpenCV call on the whole image.
cv::Mat oracle(int op, std::span<const cv::Mat> in, const Params& p) {
  const Element el = Element::from(p);
  cv::Mat out;
  cv::morphologyEx(in[0], out, op, el.mask, cv::Point(-1, -1), el.iterations);
  return out;
}

/// The parameters of every morphology entry; `iterations_help` says what the iterations repeat.
std::vector<ParamSpec> morph_params(std::string iterations_help) {
  return {int_param("ksize", "3", 1, 255, "structuring element size; even sizes are anchored at ksize/2, as in OpenCV"),
          choice_param("shape", "rect", {"rect", "ellipse", "cross"}, "structuring element shape (cv::MorphShapes)"),
          int_param("iterations", "1", 1, 50, std::move(iterations_help))};
}

/// erode and dilate: one kernel, whatever the iterations.
std::function<KernelPtr(const Params&)> make_pass(int op) {
  return [op](const Params& p) -> KernelPtr { return std::make_shared<MorphPass>(op, Element::from(p)); };
}

std::function<std::vector<Step>(const Params&)> expand_op(int op) {
  return [op](const Params& p) { return expand(op, p); };
}

std::function<cv::Mat(std::span<const cv::Mat>, const Params&)> oracle_op(int op) {
  return [op](std::span<const cv::Mat> in, const Params& p) { return oracle(op, in, p); };
}

}  // namespace

void detail::register_morphology(Registry& r) {
  const std::string composite_iterations =
      "times each erosion and dilation is applied (as the iterations argument of OpenCV)";
  r.add({.name = "erode",
         .description = "minimum over the structuring element (cv::erode)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params("times the erosion is applied (as the iterations argument of OpenCV)"),
         .types = kTypes,
         .make = make_pass(cv::MORPH_ERODE),
         .oracle = oracle_op(cv::MORPH_ERODE)});
  r.add({.name = "dilate",
         .description = "maximum over the structuring element (cv::dilate)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params("times the dilation is applied (as the iterations argument of OpenCV)"),
         .types = kTypes,
         .make = make_pass(cv::MORPH_DILATE),
         .oracle = oracle_op(cv::MORPH_DILATE)});
  r.add({.name = "open",
         .description = "erode then dilate: removes small bright spots (cv::morphologyEx MORPH_OPEN)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params(composite_iterations),
         .types = kTypes,
         .expand = expand_op(cv::MORPH_OPEN),
         .oracle = oracle_op(cv::MORPH_OPEN)});
  r.add({.name = "close",
         .description = "dilate then erode: fills small dark holes (cv::morphologyEx MORPH_CLOSE)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params(composite_iterations),
         .types = kTypes,
         .expand = expand_op(cv::MORPH_CLOSE),
         .oracle = oracle_op(cv::MORPH_CLOSE)});
  r.add({.name = "tophat",
         .description = "input minus its opening: small bright details (cv::morphologyEx MORPH_TOPHAT)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params(composite_iterations),
         .types = kTypes,
         .expand = expand_op(cv::MORPH_TOPHAT),
         .oracle = oracle_op(cv::MORPH_TOPHAT)});
  r.add({.name = "blackhat",
         .description = "closing minus the input: small dark details (cv::morphologyEx MORPH_BLACKHAT)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params(composite_iterations),
         .types = kTypes,
         .expand = expand_op(cv::MORPH_BLACKHAT),
         .oracle = oracle_op(cv::MORPH_BLACKHAT)});
  r.add({.name = "morph_gradient",
         .description = "dilation minus erosion: outlines (cv::morphologyEx MORPH_GRADIENT)",
         .kernel_class = KernelClass::Stencil,
         .params = morph_params(composite_iterations),
         .types = kTypes,
         .expand = expand_op(cv::MORPH_GRADIENT),
         .oracle = oracle_op(cv::MORPH_GRADIENT)});
}

}  // namespace tessera
