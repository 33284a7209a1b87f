// OpenCV op by op on the whole image: the calls that define tessera's kernels, with the
// intermediates and the output kept between calls (OpenCV's fastest form; bench_p1's
// "reused buffers").
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "peer.hpp"

namespace tessera::compare {
namespace {

class OpenCvPeer final : public Peer {
 public:
  std::string name() const override { return "opencv"; }

  void prepare(Chain chain, const cv::Mat&, int threads) override {
    chain_ = chain;
    cv::setNumThreads(threads);
    lut_ = gamma_lut(kGamma);
  }

  std::string describe() const override {
    if (chain_ == Chain::P1)
      return "GaussianBlur(Size(0,0), 2); Sobel dx, dy CV_16S ksize 3; convertScaleAbs each; addWeighted 0.5/0.5; "
             "threshold 40 binary";
    return "GaussianBlur(Size(0,0), 1.5); addWeighted(g, 2, GaussianBlur(g, Size(0,0), 2), -1, 0); LUT "
           "round(255*(i/255)^0.8)";
  }

  cv::Mat run(const cv::Mat& input) override {
    if (chain_ == Chain::P1) {
      cv::GaussianBlur(input, blur_, cv::Size(0, 0), kP1Sigma);
      cv::Sobel(blur_, gx_, CV_16S, 1, 0, 3);
      cv::Sobel(blur_, gy_, CV_16S, 0, 1, 3);
      cv::convertScaleAbs(gx_, ax_);
      cv::convertScaleAbs(gy_, ay_);
      cv::addWeighted(ax_, 0.5, ay_, 0.5, 0, mag_);
      cv::threshold(mag_, out_, kP1Threshold, 255, cv::THRESH_BINARY);
    } else {
      cv::GaussianBlur(input, blur_, cv::Size(0, 0), kColourSigma);
      cv::GaussianBlur(blur_, blur2_, cv::Size(0, 0), kUnsharpSigma);
      cv::addWeighted(blur_, 2, blur2_, -1, 0, mag_);
      cv::LUT(mag_, lut_, out_);
    }
    return out_;
  }

 private:
  Chain chain_ = Chain::P1;
  cv::Mat lut_;
  cv::Mat blur_, blur2_, gx_, gy_, ax_, ay_, mag_, out_;
};

}  // namespace

std::unique_ptr<Peer> make_opencv_peer() { return std::make_unique<OpenCvPeer>(); }

}  // namespace tessera::compare
