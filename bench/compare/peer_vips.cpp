// libvips (C API) on a memory image: each run() builds the operation graph on a VipsImage
// wrapping the input Mat and writes the result to a new memory buffer (vips' demand-driven
// evaluation runs the whole chain there, on vips' thread pool). The operation cache is off,
// so repeated calls recompute.
#include <cmath>
#include <stdexcept>

#include <opencv2/core.hpp>
#include <vips/vips.h>

#include "peer.hpp"

namespace tessera::compare {
namespace {

/// Throws vips' error text when a vips call failed (returned non-zero).
void check(int status, const char* what) {
  if (status == 0) return;
  const std::string message = std::string("libvips ") + what + ": " + vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error(message);
}

/// min_ampl for vips_gaussblur that gives the mask width OpenCV uses for this sigma: vips
/// keeps offset r while exp(-r^2 / (2 sigma^2)) >= min_ampl.
double min_ampl_like_opencv(double sigma) {
  const double radius = opencv_gaussian_ksize(sigma) / 2;
  return std::exp(-(radius + 0.5) * (radius + 0.5) / (2 * sigma * sigma));
}

/// vips_gaussblur at integer precision (vips' fast path for 8-bit) with OpenCV's mask width.
void gaussblur(VipsImage* in, VipsImage** out, double sigma) {
  check(vips_gaussblur(in, out, sigma, "precision", VIPS_PRECISION_INTEGER, "min_ampl", min_ampl_like_opencv(sigma),
                       nullptr),
        "gaussblur");
}

class VipsPeer final : public Peer {
 public:
  explicit VipsPeer(const char* argv0) {
    if (VIPS_INIT(argv0)) throw std::runtime_error(std::string("libvips: VIPS_INIT: ") + vips_error_buffer());
    vips_cache_set_max(0);  // otherwise the second call on the same input is a cache hit
  }
  ~VipsPeer() override {
    g_free(result_);
    if (lut_) g_object_unref(lut_);
  }
  VipsPeer(const VipsPeer&) = delete;
  VipsPeer& operator=(const VipsPeer&) = delete;

  std::string name() const override { return "libvips"; }

  void prepare(Chain chain, const cv::Mat&, int threads) override {
    chain_ = chain;
    vips_concurrency_set(threads);
    if (!lut_) {
      const cv::Mat table = gamma_lut(kGamma);
      lut_ = vips_image_new_from_memory_copy(table.data, 256, 256, 1, 1, VIPS_FORMAT_UCHAR);
      if (!lut_) check(-1, "lut image");
    }
  }

  std::string describe() const override {
    if (chain_ == Chain::P1)
      return "gaussblur 2 (integer precision, OpenCV's 13 taps); cast short; conv with the two 3x3 Sobel masks; abs; "
             "cast uchar (saturates); add; more_const 81 (= round-half-even(sum/2) > 40)";
    return "gaussblur 1.5 and 2 (integer precision, OpenCV's 11/13 taps); add g+g; subtract blur; cast uchar "
           "(saturates); maplut (the gamma table)";
  }

  cv::Mat run(const cv::Mat& input) override {
    CV_Assert(input.isContinuous() && input.depth() == CV_8U);
    g_free(result_);
    result_ = nullptr;
    // Images made here are owned by `context` and unreferenced with it.
    VipsObject* context = VIPS_OBJECT(vips_image_new());
    VipsImage** t = reinterpret_cast<VipsImage**>(vips_object_local_array(context, 12));
    try {
      t[0] = vips_image_new_from_memory(input.data, input.total() * input.elemSize(), input.cols, input.rows,
                                        input.channels(), VIPS_FORMAT_UCHAR);
      if (!t[0]) check(-1, "new_from_memory");
      VipsImage* out = chain_ == Chain::P1 ? build_p1(t) : build_colour(t);
      size_t bytes = 0;
      result_ = vips_image_write_to_memory(out, &bytes);
      if (!result_) check(-1, "write_to_memory");
    } catch (...) {
      g_object_unref(context);
      throw;
    }
    g_object_unref(context);
    return cv::Mat(input.rows, input.cols, input.type(), result_);
  }

 private:
  // t[0] is the input; returns the output image (one of t[]).
  static VipsImage* build_p1(VipsImage** t) {
    gaussblur(t[0], &t[1], kP1Sigma);
    check(vips_cast(t[1], &t[2], VIPS_FORMAT_SHORT, nullptr), "cast");
    VipsImage* sobel_x = vips_image_new_matrixv(3, 3, -1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0);
    VipsImage* sobel_y = vips_image_new_matrixv(3, 3, -1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0);
    const int gx = vips_conv(t[2], &t[3], sobel_x, "precision", VIPS_PRECISION_INTEGER, nullptr);
    const int gy = vips_conv(t[2], &t[4], sobel_y, "precision", VIPS_PRECISION_INTEGER, nullptr);
    g_object_unref(sobel_x);
    g_object_unref(sobel_y);
    check(gx || gy, "conv");
    check(vips_abs(t[3], &t[5], nullptr) || vips_abs(t[4], &t[6], nullptr), "abs");
    check(vips_cast(t[5], &t[7], VIPS_FORMAT_UCHAR, nullptr) || vips_cast(t[6], &t[8], VIPS_FORMAT_UCHAR, nullptr),
          "cast");
    check(vips_add(t[7], t[8], &t[9], nullptr), "add");
    // OpenCV: addWeighted(ax, 0.5, ay, 0.5) rounds half to even, then > 40: sum >= 82.
    check(vips_more_const1(t[9], &t[10], 2.0 * kP1Threshold + 1, nullptr), "more_const1");
    return t[10];
  }

  VipsImage* build_colour(VipsImage** t) const {
    gaussblur(t[0], &t[1], kColourSigma);
    gaussblur(t[1], &t[2], kUnsharpSigma);
    check(vips_add(t[1], t[1], &t[3], nullptr), "add");
    check(vips_subtract(t[3], t[2], &t[4], nullptr), "subtract");
    check(vips_cast(t[4], &t[5], VIPS_FORMAT_UCHAR, nullptr), "cast");
    check(vips_maplut(t[5], &t[6], lut_, nullptr), "maplut");
    return t[6];
  }

  Chain chain_ = Chain::P1;
  VipsImage* lut_ = nullptr;
  void* result_ = nullptr;  // the last output buffer, g_malloc'ed by vips
};

}  // namespace

std::unique_ptr<Peer> make_vips_peer(const char* argv0) { return std::make_unique<VipsPeer>(argv0); }

}  // namespace tessera::compare
