// Halide (JIT) peer: each chain written as Halide Funcs with OpenCV's arithmetic (8-bit
// fixed-point separable Gaussian, integer Sobel), fused into one pass over output tiles:
// every intermediate is computed per tile into a small buffer (compute_at), loops are
// vectorised 32 bytes wide and the tiles run in parallel on Halide's thread pool.
// Images are 2D arrays of samples: a BGR row is 3 * width bytes, and horizontal taps step
// over 3 samples, so interleaved colour needs no shuffles.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <Halide.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "peer.hpp"

namespace tessera::compare {
namespace {

using Halide::cast;
using Halide::Expr;
using Halide::Func;
using Halide::ImageParam;
using Halide::Var;

// Built against Debian's Halide 14 (its headers define no version macro). The JIT target:
// Halide 14's host detection picks features this AMD CPU's JIT crashes on, so the target is
// explicit: the widest this CPU runs (AVX-512 where OpenCV sees AVX512_SKX, else AVX2), as the
// issue asks of every peer; HL_JIT_TARGET overrides it.
constexpr char kAvx2Target[] = "x86-64-linux-avx-avx2-f16c-fma-sse41";
constexpr char kAvx512Target[] = "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-avx512_cannonlake";
// Bytes of u8 per vector: 32 at either target. Measured at 8192x8192, 2 threads, AVX-512
// target, on this Zen 4: P1 35-49 ms with 32, 134-150 ms with 64; the colour chain 219-251 ms
// with 32, 307-344 ms with 64.
constexpr int kVector = 32;
// Output tiles in samples (fastest measured here at 8192x8192; intermediates fit in L2).
const cv::Size kP1Tile{256, 256};
const cv::Size kColourTile{768, 64};

Var x("x"), y("y");

/// OpenCV's 8-bit Gaussian weights for `sigma`: ksize taps in 8 fractional bits summing to
/// exactly 256, rounded with error diffusion from the ends inwards, as cv::GaussianBlur's
/// fixed-point path (getGaussianKernelFixedPoint_ED) does.
std::vector<int> gaussian_weights_q8(double sigma) {
  const int n = opencv_gaussian_ksize(sigma);
  const cv::Mat k = cv::getGaussianKernel(n, sigma, CV_64F);
  std::vector<int> w(n);
  double error = 0;
  int sum = 0;
  for (int i = 0; i < n / 2; ++i) {
    const double v = k.at<double>(i) * 256 + error;
    w[i] = w[n - 1 - i] = cvRound(v);
    error = v - w[i];
    sum += 2 * w[i];
  }
  w[n / 2] = 256 - sum;
  return w;
}

/// i reflected into [0, n) as BORDER_REFLECT_101 (for i within n - 1 of the range; the
/// clamp only tells bounds inference so).
Expr reflect_101(Expr i, Expr n) { return clamp(select(i < 0, -i, select(i >= n, 2 * n - 2 - i, i)), 0, n - 1); }

/// `in` (a row of `channels` interleaved samples per pixel) extended by reflecting pixels,
/// not samples (as mirror_interior would), at every edge. The select is marked likely() so that Halide splits each loop
/// into edges and a steady state that loads without it.
Func reflect_101_input(const ImageParam& in, int channels) {
  // Gray: Halide's own (with the same select written here for 1 channel, Halide 14 left
  // clamps in the steady state's loads, 4x slower).
  if (channels == 1) return Halide::BoundaryConditions::mirror_interior(in);
  const Expr w = in.width(), h = in.height();
  const Expr xm = reflect_101(x / channels, w / channels) * channels + x % channels;
  Func f("input_reflected");
  f(x, y) = in(select(x < 0 || x >= w, xm, clamp(Halide::likely(x), 0, w - 1)),
               select(y < 0 || y >= h, reflect_101(y, h), clamp(Halide::likely(y), 0, h - 1)));
  return f;
}

/// The horizontal pass (taps `step` samples apart): u16 sums with 8 fractional bits.
Func gaussian_rows(Func in, const std::vector<int>& w, int step, const std::string& name) {
  const int r = int(w.size()) / 2;
  const auto at = [&](int dx) { return cast<uint16_t>(in(x + dx * step, y)); };
  Expr sum = cast<uint16_t>(w[r]) * at(0);
  for (int k = 1; k <= r; ++k) sum += cast<uint16_t>(w[r - k]) * (at(-k) + at(k));
  Func f(name);
  f(x, y) = sum;
  return f;
}

/// The vertical pass on the row sums: u32 with 16 fractional bits, rounded to u8.
Func gaussian_cols(Func rows, const std::vector<int>& w, const std::string& name) {
  const int r = int(w.size()) / 2;
  const auto at = [&](int dy) { return cast<uint32_t>(rows(x, y + dy)); };
  Expr sum = cast<uint32_t>(w[r]) * at(0);
  for (int k = 1; k <= r; ++k) sum += cast<uint32_t>(w[r - k]) * (at(-k) + at(k));
  Func f(name);
  f(x, y) = cast<uint8_t>((sum + (1 << 15)) >> 16);
  return f;
}

/// A Gaussian as its two passes (the caller schedules both).
struct Gaussian {
  Func rows, out;
};
Gaussian gaussian(Func in, double sigma, int step, const std::string& name) {
  const std::vector<int> w = gaussian_weights_q8(sigma);
  Func rows = gaussian_rows(in, w, step, name + "_rows");
  return {rows, gaussian_cols(rows, w, name)};
}

// Borders: only the input is reflected. For a symmetric kernel on a reflect-101 input the
// result is itself reflect-101 symmetric about the image edge (blur(-x) = blur(x)), so the
// next stencil reads the blurred values just outside the image directly: the same pixels as
// OpenCV reflecting the intermediate image.

class HalidePeer final : public Peer {
 public:
  std::string name() const override { return "halide"; }

  void prepare(Chain chain, const cv::Mat& input, int threads) override {
    chain_ = chain;
    // The JIT runtime sizes its thread pool from HL_NUM_THREADS when it first starts.
    setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
    const char* env_target = std::getenv("HL_JIT_TARGET");
    target_ = env_target && *env_target ? env_target
              : cv::checkHardwareSupport(CV_CPU_AVX512_SKX) ? kAvx512Target
                                                            : kAvx2Target;
    input_ = ImageParam(Halide::UInt(8), 2, "input");
    input_.dim(0).set_min(0);
    input_.dim(1).set_min(0);
    // Output tiles no larger than the image (the smoke test runs tiny ones).
    const cv::Size tile = chain == Chain::P1 ? kP1Tile : kColourTile;
    tile_w_ = std::min(tile.width, input.cols * input.channels());
    tile_h_ = std::min(tile.height, input.rows);
    pipeline_ = chain == Chain::P1 ? build_p1() : build_colour();
    const double t0 = double(cv::getTickCount());
    pipeline_.compile_jit(Halide::Target(target_));
    compile_seconds_ = (double(cv::getTickCount()) - t0) / cv::getTickFrequency();
  }

  std::string describe() const override {
    const std::string what = chain_ == Chain::P1
                                 ? "fixed-point separable gaussian (OpenCV's weights), Sobel |gx|,|gy| saturated, "
                                   "half-even average, threshold"
                                 : "fixed-point gaussians 1.5 and 2 of it, 2a-b saturated, gamma table lookup";
    return what + cv::format("; fused in %dx%d-sample tiles, vectorize %d, parallel tiles; Halide 14 JIT %s in "
                             "%.2f s",
                             tile_w_, tile_h_, kVector, target_.c_str(),
                             compile_seconds_);
  }

  cv::Mat run(const cv::Mat& input) override {
    CV_Assert(input.isContinuous() && input.depth() == CV_8U);
    out_.create(input.size(), input.type());  // reused between calls, as OpenCV's and tessera's
    const int row = input.cols * input.channels();  // samples per row
    Halide::Buffer<uint8_t> in(input.data, row, input.rows), result(out_.data, row, out_.rows);
    input_.set(in);
    pipeline_.realize(result);
    return out_;
  }

 private:
  /// Output tiles of tile_w_ x tile_h_, fused and run in parallel, vectorised along x.
  Var tile_output(Func out) {
    Var xo("xo"), yo("yo"), xi("xi"), yi("yi"), tile("tile");
    out.tile(x, y, xo, yo, xi, yi, tile_w_, tile_h_).fuse(xo, yo, tile).parallel(tile).vectorize(xi, kVector);
    return tile;
  }
  /// An intermediate computed per output tile, vectorised (rounded up: its buffer is ours).
  static void per_tile(Func f, Func out, const Var& tile) {
    f.compute_at(out, tile).vectorize(x, kVector, Halide::TailStrategy::RoundUp);
  }

  Halide::Pipeline build_p1() {
    Gaussian blur = gaussian(reflect_101_input(input_, 1), kP1Sigma, 1, "blur");
    const auto b = [&](int dx, int dy) { return cast<int16_t>(blur.out(x + dx, y + dy)); };
    const Expr gx = b(1, -1) + 2 * b(1, 0) + b(1, 1) - (b(-1, -1) + 2 * b(-1, 0) + b(-1, 1));
    const Expr gy = b(-1, 1) + 2 * b(0, 1) + b(1, 1) - (b(-1, -1) + 2 * b(0, -1) + b(1, -1));
    // convertScaleAbs saturates each to u8; addWeighted 0.5/0.5 rounds half to even.
    const Expr sum = min(abs(gx), 255) + min(abs(gy), 255);
    const Expr mag = (sum >> 1) + (sum & (sum >> 1) & 1);
    Func out("p1");
    out(x, y) = select(mag > kP1Threshold, cast<uint8_t>(255), cast<uint8_t>(0));

    const Var tile = tile_output(out);
    per_tile(blur.out, out, tile);
    per_tile(blur.rows, out, tile);
    return Halide::Pipeline(out);
  }

  Halide::Pipeline build_colour() {
    constexpr int kChannels = 3;  // BGR interleaved
    Gaussian g1 = gaussian(reflect_101_input(input_, kChannels), kColourSigma, kChannels, "g1");
    Gaussian g2 = gaussian(g1.out, kUnsharpSigma, kChannels, "g2");
    // addWeighted(g1, 2, g2, -1, 0) is exact in integers, then saturated.
    const Expr sharp = clamp(2 * cast<int16_t>(g1.out(x, y)) - cast<int16_t>(g2.out(x, y)), 0, 255);
    const cv::Mat table = gamma_lut(kGamma);
    lut_ = Halide::Buffer<uint8_t>(256);
    for (int i = 0; i < 256; ++i) lut_(i) = table.at<uchar>(0, i);
    Func out("colour");
    out(x, y) = lut_(cast<int>(sharp));

    const Var tile = tile_output(out);
    for (Func f : {g1.rows, g1.out, g2.rows}) per_tile(f, out, tile);
    return Halide::Pipeline(out);
  }

  Chain chain_ = Chain::P1;
  std::string target_;
  ImageParam input_;
  Halide::Buffer<uint8_t> lut_;
  Halide::Pipeline pipeline_;
  cv::Mat out_;
  int tile_w_ = 0, tile_h_ = 0;
  double compile_seconds_ = 0;
};

}  // namespace

std::unique_ptr<Peer> make_halide_peer() { return std::make_unique<HalidePeer>(); }

}  // namespace tessera::compare
