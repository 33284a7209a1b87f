#include "chains.hpp"

#include <cmath>

#include <opencv2/core.hpp>

#include "synthetic.hpp"

namespace tessera::compare {

std::string chain_name(Chain chain) { return chain == Chain::P1 ? "p1" : "colour"; }

std::string chain_spec(Chain chain) {
  if (chain == Chain::P1)
    return cv::format("gaussian sigma=%g | sobel_mag | threshold t=%d", kP1Sigma, kP1Threshold);
  return cv::format("gaussian sigma=%g | unsharp sigma=%g amount=1 | gamma g=%g", kColourSigma, kUnsharpSigma,
                    kGamma);
}

cv::Mat chain_input(Chain chain, int size) {
  constexpr unsigned kSeed = 1;  // as bench_p1
  return chain == Chain::P1 ? bench::make_slide_like(size, size, kSeed) : bench::make_slide_like_bgr(size, size, kSeed);
}

int opencv_gaussian_ksize(double sigma) { return cvRound(sigma * 3 * 2 + 1) | 1; }

cv::Mat gamma_lut(double g) {
  cv::Mat lut(1, 256, CV_8U);
  for (int i = 0; i < 256; ++i) lut.at<uchar>(0, i) = cv::saturate_cast<uchar>(std::pow(i / 255.0, g) * 255.0);
  return lut;
}

}  // namespace tessera::compare
