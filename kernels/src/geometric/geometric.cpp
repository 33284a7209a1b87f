// Geometric kernels (bounds inference: output rect -> input rect): crop, pad, pyrdown, flip,
// rotate90. resize lives in resize.cpp. Each kernel maps an output tile to the input rectangle
// it reads (always inside the image, except pyrdown whose halo the runtime fills with
// BORDER_REFLECT_101) and equals its OpenCV call on the whole image, bit for bit.
#include <array>
#include <cstring>
#include <type_traits>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "families.hpp"
#include "geometric/geometric_kernel.hpp"
#include "geometric/pyr_loops.hpp"
#include "common/channel_loops.hpp"
#include "common/param_helpers.hpp"
#include "tessera/error.hpp"

namespace tessera {

namespace detail {

PixelType GeometricKernel::output_type(std::span<const PixelType> in) const {
  require_type(in[0], geometric_types());
  return in[0];
}

void GeometricKernel::process(const TileIO& io) const {
  compute(io.in[0], io.in_rect[0], io.in_size[0], io.out_rect, io.out_size, io.out);
}

cv::Mat GeometricKernel::reference(std::span<const cv::Mat> in) const {
  const Size in_size{in[0].cols, in[0].rows};
  const Size out_size = output_size(std::span<const Size>(&in_size, 1));
  cv::Mat out(static_cast<int>(out_size.h), static_cast<int>(out_size.w), in[0].type());
  const Rect all = full_rect(out_size);
  compute(in[0], full_rect(in_size), in_size, all, out_size, out);
  return out;
}

}  // namespace detail

namespace {

using detail::choice_param;
using detail::GeometricKernel;
using detail::int_param;
using detail::real_param;

/// `crop [x= y= w= h=] [margin=]`: src(Rect). w or h 0 = to the image's edge; margin=M
/// trims M pixels off every edge (the image size is known only when the pipeline runs).
class Crop final : public GeometricKernel {
 public:
  Crop(Rect r, std::int64_t margin) : r_(r), margin_(margin) {}
  std::string name() const override { return "crop"; }
  Size output_size(std::span<const Size> in) const override { return rect(in[0]).size(); }
  Rect input_region(const Rect& out, int, Size in) const override {
    const Rect r = rect(in);
    return {out.x + r.x, out.y + r.y, out.w, out.h};
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    return in[0](to_cv_rect(rect({in[0].cols, in[0].rows}))).clone();
  }

 private:
  /// The rectangle for an input of size `in`; throws UsageError if it does not fit.
  Rect rect(Size in) const {
    Rect r = r_;
    if (margin_ > 0) {
      r = {margin_, margin_, in.w - 2 * margin_, in.h - 2 * margin_};  // nothing left is an error, not "to the edge"
    } else {
      if (r.w == 0) r.w = in.w - r.x;
      if (r.h == 0) r.h = in.h - r.y;
    }
    if (r.w <= 0 || r.h <= 0 || !full_rect(in).contains(r)) {
      const std::string what = margin_ > 0 ? "crop margin=" + std::to_string(margin_)
                                           : "crop x=" + std::to_string(r_.x) + " y=" + std::to_string(r_.y) +
                                                 " w=" + std::to_string(r_.w) + " h=" + std::to_string(r_.h);
      throw UsageError(what + " does not fit inside the " + to_string(in) + " image");
    }
    return r;
  }
  void compute(const cv::Mat& in, const Rect&, Size, const Rect&, Size, cv::Mat& out) const override { in.copyTo(out); }
  Rect r_;
  std::int64_t margin_;
};

/// `flip axis=h|v|both`: cv::flip (h mirrors left-right, v top-bottom).
class Flip final : public GeometricKernel {
 public:
  explicit Flip(int code) : code_(code) {}
  std::string name() const override { return "flip"; }
  Rect input_region(const Rect& out, int, Size in) const override {
    Rect r = out;
    if (code_ != 0) r.x = in.w - out.x1();  // code 1 (h) or -1 (both) mirror x
    if (code_ <= 0) r.y = in.h - out.y1();  // code 0 (v) or -1 (both) mirror y
    return r;
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    cv::flip(in[0], out, code_);
    return out;
  }

 private:
  void compute(const cv::Mat& in, const Rect&, Size, const Rect&, Size, cv::Mat& out) const override {
    cv::flip(in, out, code_);
  }
  int code_;
};

/// `rotate90 turns=1|2|3`: cv::rotate clockwise by 90, 180 or 270 degrees.
class Rotate90 final : public GeometricKernel {
 public:
  explicit Rotate90(int turns) : turns_(turns) {}
  std::string name() const override { return "rotate90"; }
  Size output_size(std::span<const Size> in) const override {
    return turns_ == 2 ? in[0] : Size{in[0].h, in[0].w};
  }
  Rect input_region(const Rect& out, int, Size in) const override {
    switch (turns_) {
      case 1: return {out.y, in.h - out.x1(), out.h, out.w};  // dst(r, c) = src(H-1-c, r)
      case 2: return {in.w - out.x1(), in.h - out.y1(), out.w, out.h};
      default: return {in.w - out.y1(), out.x, out.h, out.w};  // dst(r, c) = src(c, W-1-r)
    }
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    cv::rotate(in[0], out, code());
    return out;
  }

 private:
  int code() const {
    return turns_ == 1 ? cv::ROTATE_90_CLOCKWISE : turns_ == 2 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE;
  }
  void compute(const cv::Mat& in, const Rect&, Size, const Rect&, Size, cv::Mat& out) const override {
    cv::rotate(in, out, code());
  }
  int turns_;
};

/// `pad top= bottom= left= right= mode= value=`: cv::copyMakeBorder on the whole image.
class Pad final : public GeometricKernel {
 public:
  Pad(int top, int bottom, int left, int right, Border border)
      : top_(top), bottom_(bottom), left_(left), right_(right), border_(border) {}
  std::string name() const override { return "pad"; }
  Size output_size(std::span<const Size> in) const override {
    return {in[0].w + left_ + right_, in[0].h + top_ + bottom_};
  }
  Rect input_region(const Rect& out, int, Size in) const override {
    const auto [x0, x1] = source_span(out.x - left_, out.w, in.w);
    const auto [y0, y1] = source_span(out.y - top_, out.h, in.h);
    if (x1 < x0 || y1 < y0) return {0, 0, 1, 1};  // wholly in constant padding: read any pixel
    return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
  }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    cv::copyMakeBorder(in[0], out, top_, bottom_, left_, right_, static_cast<int>(border_.mode),
                       cv::Scalar::all(border_.value));
    return out;
  }

 private:
  /// Smallest and largest source index of output positions [p0, p0 + n) (already shifted
  /// into source coordinates); {0, -1} when all of them are constant padding.
  std::pair<std::int64_t, std::int64_t> source_span(std::int64_t p0, std::int64_t n, std::int64_t len) const {
    // The positions inside the image map to themselves; only those outside need border_index.
    const std::int64_t in0 = std::max<std::int64_t>(p0, 0), in1 = std::min(p0 + n, len);
    std::int64_t lo = in0 < in1 ? in0 : len, hi = in0 < in1 ? in1 - 1 : -1;
    auto outside = [&](std::int64_t from, std::int64_t to) {
      for (std::int64_t p = from; p < to; ++p) {
        const std::int64_t s = border_index(p, len, border_.mode);
        if (s < 0) continue;
        lo = std::min(lo, s);
        hi = std::max(hi, s);
      }
    };
    outside(p0, std::min<std::int64_t>(p0 + n, 0));    // before the image
    outside(std::max(p0, len), p0 + n);                // after it
    return hi < 0 ? std::pair<std::int64_t, std::int64_t>{0, -1} : std::pair{lo, hi};
  }
  /// For each output position, the index into the read region, or -1 for the constant.
  std::vector<int> index_map(std::int64_t p0, std::int64_t n, std::int64_t len, std::int64_t region0) const {
    std::vector<int> map(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t p = p0 + i;
      const std::int64_t s = p >= 0 && p < len ? p : border_index(p, len, border_.mode);
      map[static_cast<std::size_t>(i)] = s < 0 ? -1 : static_cast<int>(s - region0);
    }
    return map;
  }
  void compute(const cv::Mat& in, const Rect& in_rect, Size in_size, const Rect& out_rect, Size,
               cv::Mat& out) const override {
    const std::vector<int> xs = index_map(out_rect.x - left_, out_rect.w, in_size.w, in_rect.x);
    const std::vector<int> ys = index_map(out_rect.y - top_, out_rect.h, in_size.h, in_rect.y);
    const std::size_t elem = out.elemSize();
    // A row of the constant (saturated like OpenCV), and each output row as runs: of
    // consecutive source columns (or of the constant), one memcpy each, and of columns copied
    // one pixel at a time (a reflected edge runs backwards: a memcpy per pixel cost more than
    // the copy itself, pad u8 at 0.67x OpenCV).
    cv::Mat fill(1, out.cols, out.type(), cv::Scalar::all(border_.value));
    struct Run {
      int x, sx, n;  ///< output column, source column (-1: the constant; -2: pixel by pixel), length
    };
    constexpr int kConstant = -1, kPixels = -2, kShortest = 8;  // shorter forward runs go pixel by pixel
    std::vector<Run> runs;
    for (int x = 0; x < out.cols; ++x) {
      const int sx = xs[static_cast<std::size_t>(x)];
      Run& last = runs.empty() ? runs.emplace_back(Run{x, sx, 0}) : runs.back();
      const bool extends = last.sx == kConstant ? sx < 0 : last.sx >= 0 && sx == last.sx + last.n;
      if (extends) ++last.n;
      else runs.push_back({x, sx, 1});
    }
    std::vector<Run> merged;  // short source runs joined into pixel-by-pixel ones
    for (const Run& r : runs) {
      const bool short_run = r.sx >= 0 && r.n < kShortest;
      if (short_run && !merged.empty() && merged.back().sx == kPixels) merged.back().n += r.n;
      else merged.push_back(short_run ? Run{r.x, kPixels, r.n} : r);
    }
    for (int y = 0; y < out.rows; ++y) {
      uchar* d = out.ptr(y);
      const int sy = ys[static_cast<std::size_t>(y)];
      for (const Run& r : merged) {
        if (r.sx == kPixels && sy >= 0) {
          copy_pixels(in.ptr(sy), xs.data() + r.x, d + r.x * elem, r.n, elem);
          continue;
        }
        const uchar* from = sy >= 0 && r.sx >= 0 ? in.ptr(sy) + r.sx * elem : fill.ptr() + r.x * elem;
        std::memcpy(d + r.x * elem, from, static_cast<std::size_t>(r.n) * elem);
      }
    }
  }
  /// dst pixel i = src pixel xs[i], for n pixels of `elem` bytes (a fixed-size copy each for
  /// the common sizes).
  static void copy_pixels(const uchar* src, const int* xs, uchar* dst, int n, std::size_t elem) {
    auto copy = [&](auto e) {  // e: a std::integral_constant for the common sizes, else elem
      for (int i = 0; i < n; ++i)
        std::memcpy(dst + static_cast<std::size_t>(i) * e, src + static_cast<std::size_t>(xs[i]) * e, e);
    };
    switch (elem) {
      case 1: return copy(std::integral_constant<std::size_t, 1>());
      case 2: return copy(std::integral_constant<std::size_t, 2>());
      case 3: return copy(std::integral_constant<std::size_t, 3>());
      case 4: return copy(std::integral_constant<std::size_t, 4>());
      case 6: return copy(std::integral_constant<std::size_t, 6>());
      case 8: return copy(std::integral_constant<std::size_t, 8>());
      case 12: return copy(std::integral_constant<std::size_t, 12>());
      case 16: return copy(std::integral_constant<std::size_t, 16>());
      default: return copy(elem);
    }
  }
  int top_, bottom_, left_, right_;
  Border border_;
};

/// pyrDown's 1 4 6 4 1 taps around src[0] (elements `step` apart), in OpenCV's order of operations.
template <typename WT, typename T>
WT pyr_taps(const T* s, int step) {
  return WT(s[0]) * 6 + (WT(s[-step]) + WT(s[step])) * 4 + WT(s[-2 * step]) + WT(s[2 * step]);
}

/// `pyrdown`: cv::pyrDown with its default size ((w+1)/2, (h+1)/2). Output pixel (x, y) is the
/// 5x5 Gaussian at input (2x, 2y), reflect-101 at the image edge: each tile reads the input
/// region 2*out +/- 2, clipped to the image (no padded copy: a pyrDown on the region reflects
/// at the region's edges, which are the image's wherever it was clipped). Rows first, then
/// columns: integers exactly as cv::pyrDown ((sum + 128) >> 8: its bits, which reference()
/// takes from it), floats with OpenCV's scalar order of operations (its SIMD code rounds a few
/// values differently: see the oracle).
class PyrDown final : public GeometricKernel {
 public:
  std::string name() const override { return "pyrdown"; }
  Size output_size(std::span<const Size> in) const override { return {(in[0].w + 1) / 2, (in[0].h + 1) / 2}; }
  Rect input_region(const Rect& out, int, Size in) const override { return clip(window(out), in); }
  Border border() const override { return {BorderMode::Reflect101, 0}; }
  cv::Mat reference(std::span<const cv::Mat> in) const override {
    cv::Mat out;
    if (in[0].depth() != CV_32F) {
      cv::pyrDown(in[0], out, cv::Size(), cv::BORDER_REFLECT_101);
      return out;
    }
    out.create((in[0].rows + 1) / 2, (in[0].cols + 1) / 2, in[0].type());
    run_rows<float>(in[0], {2, 1 + in[0].rows % 2, 2, 1 + in[0].cols % 2}, out);
    return out;
  }

 private:
  /// The input pixels output rect `out` reads, before clipping to the image.
  static Rect window(const Rect& out) { return {2 * out.x - 2, 2 * out.y - 2, 2 * out.w + 3, 2 * out.h + 3}; }

  /// Rows and columns of a window outside the region it was clipped to, per side.
  struct Pads {
    int top, bottom, left, right;
  };

  /// One depth's row loops: T the pixels, WT the horizontal pass's sums (float, or int exact).
  template <typename T, typename WT>
  struct RowLoops {
    int (*h)(const T*, WT*, int);
    int (*v)(const WT* const*, T*, int);
    static T vertical(const WT (&column)[5]) {  // the scalar vertical pass of one output
      if constexpr (std::is_same_v<WT, float>) return pyr_taps<float>(column + 2, 1) * (1.f / 256);
      else return static_cast<T>((pyr_taps<int>(column + 2, 1) + 128) >> 8);
    }
  };
  template <typename T>
  static auto row_loops() {
    const detail::PyrLoops& l = detail::pyr_loops();
    if constexpr (std::is_same_v<T, float>) return RowLoops<float, float>{l.h_c1, l.v};
    else if constexpr (std::is_same_v<T, ushort>) return RowLoops<ushort, int>{l.h_u16, l.v_u16};
    else return RowLoops<uchar, int>{l.h_u8, l.v_u8};
  }

  /// `in`: the window of `out` less `pads`, which are reflected (reflect-101) at the edges of
  /// `in` (the image's, wherever the window was clipped) as rows are read: no padded copy of the
  /// tile. Rows first, then columns; floats in OpenCV's scalar order of operations (its SIMD
  /// code rounds differently), integers exactly as cv::pyrDown ((sum + 128) >> 8).
  template <typename T>
  static void run_rows(const cv::Mat& in, Pads pads, cv::Mat& out) {
    const auto loops = row_loops<T>();
    using WT = std::conditional_t<std::is_same_v<T, float>, float, int>;
    const int w = out.cols, cn = in.channels(), width = in.cols + pads.left + pads.right;
    // Channel by channel (the same operations on each channel's values), a row at a time: each
    // input row is split into planes with its side pads (staged: also one channel with pads),
    // each output row merged from the planes' results, all in row-sized buffers.
    // A ring of 5 horizontal rows per plane: output row y reads input rows 2y .. 2y + 4.
    const bool staged = cn > 1 || pads.left > 0 || pads.right > 0;
    cv::Mat ring = tile_scratch(5 * cn, w, cv::DataType<WT>::type);
    cv::Mat planes = staged ? tile_scratch(cn, width, in.depth()) : cv::Mat();
    cv::Mat results = cn > 1 ? tile_scratch(cn, w, in.depth()) : cv::Mat();
    // The planes of input row `row`, with their side pads (split by vector deinterleaving:
    // cv::split and cv::merge cost a call's setup per row, 1.5x the f32x3 pass's time).
    std::vector<T*> plane_at(static_cast<std::size_t>(cn));
    std::vector<const T*> result_at(static_cast<std::size_t>(cn));
    for (int c = 0; c < cn && staged; ++c) plane_at[static_cast<std::size_t>(c)] = planes.ptr<T>(c) + pads.left;
    for (int c = 0; c < cn && cn > 1; ++c) result_at[static_cast<std::size_t>(c)] = results.ptr<T>(c);
    const auto stage = [&](int row) {
      detail::split_channels(in.ptr<T>(row), plane_at.data(), cn, in.cols);
      for (int c = 0; c < cn; ++c) {
        T* p = planes.ptr<T>(c) + pads.left;
        for (int j = -pads.left; j < 0; ++j) p[j] = p[cv::borderInterpolate(j, in.cols, cv::BORDER_REFLECT_101)];
        for (int j = in.cols; j < in.cols + pads.right; ++j)
          p[j] = p[cv::borderInterpolate(j, in.cols, cv::BORDER_REFLECT_101)];
      }
    };
    int computed = 0;  // window rows done so far
    for (int y = 0; y < out.rows; ++y) {
      for (; computed < 2 * y + 5; ++computed) {
        const int row = cv::borderInterpolate(computed - pads.top, in.rows, cv::BORDER_REFLECT_101);
        detail::prefetch_row(in, row + 2);  // the next output row's
        if (staged) stage(row);
        for (int c = 0; c < cn; ++c) {
          const T* s = (staged ? planes.ptr<T>(c) : in.ptr<T>(row)) + 2;  // column 2x of output 0
          WT* r = ring.ptr<WT>((computed % 5) * cn + c);
          for (int x = loops.h(s, r, w); x < w; ++x) r[x] = pyr_taps<WT>(s + 2 * x, 1);
        }
      }
      for (int c = 0; c < cn; ++c) {
        const WT* rows[5];
        for (int k = 0; k < 5; ++k) rows[k] = ring.ptr<WT>(((2 * y + k) % 5) * cn + c);
        T* d = cn > 1 ? results.ptr<T>(c) : out.ptr<T>(y);
        for (int x = loops.v(rows, d, w); x < w; ++x) {
          const WT column[5] = {rows[0][x], rows[1][x], rows[2][x], rows[3][x], rows[4][x]};
          d[x] = decltype(loops)::vertical(column);
        }
      }
      if (cn > 1) detail::merge_channels(result_at.data(), out.ptr<T>(y), cn, w);
    }
  }
  void compute(const cv::Mat& in, const Rect& in_rect, Size, const Rect& out_rect, Size, cv::Mat& out) const override {
    const Rect want = window(out_rect);
    // The parts of the window outside the image are reflected at the image edge (the region's
    // edge there; never pixels around a view).
    const Pads pads{static_cast<int>(in_rect.y - want.y), static_cast<int>(want.y1() - in_rect.y1()),
                    static_cast<int>(in_rect.x - want.x), static_cast<int>(want.x1() - in_rect.x1())};
    switch (in.depth()) {
      case CV_8U: return run_rows<uchar>(in, pads, out);
      case CV_16U: return run_rows<ushort>(in, pads, out);
      default: return run_rows<float>(in, pads, out);
    }
  }
};

int flip_code(const std::string& axis) { return axis == "h" ? 1 : axis == "v" ? 0 : -1; }

int to_int(const Params& p, const char* name) { return static_cast<int>(p.integer(name)); }

}  // namespace

void detail::register_geometric(Registry& r) {
  r.add({.name = "crop",
         .description = "the rectangle x,y,w,h of the image (src(cv::Rect)), or the image less margin= on every edge",
         .kernel_class = KernelClass::Geometric,
         .params = {int_param("x", "0", 0, 1e9, "left edge"), int_param("y", "0", 0, 1e9, "top edge"),
                    int_param("w", "0", 0, 1e9, "width; 0 = to the right edge"),
                    int_param("h", "0", 0, 1e9, "height; 0 = to the bottom edge"),
                    int_param("margin", "0", 0, 1e9, "trim this many pixels off every edge (instead of x, y, w, h)")},
         .types = detail::geometric_types(),
         .make = [](const Params& p) -> KernelPtr {
           const std::int64_t margin = p.integer("margin");
           const Rect rect{p.integer("x"), p.integer("y"), p.integer("w"), p.integer("h")};
           if (margin > 0 && !(rect == Rect{})) throw UsageError("give either margin= or x, y, w, h, not both");
           return std::make_shared<Crop>(rect, margin);
         },
         .example = "x=0 y=0 w=1 h=1"});
  r.add({.name = "flip",
         .description = "mirror the image (cv::flip): h = left-right, v = top-bottom, both = 180 degrees",
         .kernel_class = KernelClass::Geometric,
         .params = {choice_param("axis", "h", {"h", "v", "both"}, "mirror axis")},
         .types = detail::geometric_types(),
         .make = [](const Params& p) -> KernelPtr { return std::make_shared<Flip>(flip_code(p.text("axis"))); }});
  r.add({.name = "rotate90",
         .description = "rotate clockwise by turns x 90 degrees (cv::rotate)",
         .kernel_class = KernelClass::Geometric,
         .params = {int_param("turns", "1", 1, 3, "quarter turns clockwise")},
         .types = detail::geometric_types(),
         .make = [](const Params& p) -> KernelPtr { return std::make_shared<Rotate90>(to_int(p, "turns")); }});
  r.add({.name = "pad",
         .description = "extend the image by a border (cv::copyMakeBorder)",
         .kernel_class = KernelClass::Geometric,
         .params = {int_param("top", "0", 0, 1 << 20, "rows added above"),
                    int_param("bottom", "0", 0, 1 << 20, "rows added below"),
                    int_param("left", "0", 0, 1 << 20, "columns added left"),
                    int_param("right", "0", 0, 1 << 20, "columns added right"),
                    choice_param("mode", "constant", {"constant", "replicate", "reflect", "reflect101"}, "border mode"),
                    real_param("value", "0", -1e300, 1e300,
                               "fill value for mode=constant (saturated to the pixel type)")},
         .types = detail::geometric_types(),
         .make = [](const Params& p) -> KernelPtr {
           return std::make_shared<Pad>(to_int(p, "top"), to_int(p, "bottom"), to_int(p, "left"), to_int(p, "right"),
                                        Border{parse_border_mode(p.text("mode")), p.number("value")});
         },
         .example = "top=3 bottom=70 left=45 right=2 mode=reflect"});
  r.add({.name = "pyrdown",
         .description = "5x5 Gaussian, then every other row and column (cv::pyrDown, default size); f32 within 1e-3 of "
                        "OpenCV, whose SIMD code rounds some sums differently",
         .kernel_class = KernelClass::Geometric,
         .types = detail::geometric_types(),
         .make = [](const Params&) -> KernelPtr { return std::make_shared<PyrDown>(); },
         .oracle =
             [](std::span<const cv::Mat> in, const Params&) {
               cv::Mat out;
               cv::pyrDown(in[0], out);
               return out;
             },
         .oracle_tolerance = 1e-3});
  register_resize(r);
}

}  // namespace tessera
