/// The two pipelines every peer of bench/compare implements, and the constants they share.
#pragma once

#include <string>

#include <opencv2/core/mat.hpp>

namespace tessera::compare {

enum class Chain {
  P1,      ///< gaussian sigma=2 | sobel_mag | threshold t=40, on u8 gray
  Colour,  ///< gaussian sigma=1.5 | unsharp sigma=2 amount=1 | gamma g=0.8, on u8 BGR
};

// The parameters of both chains, named once for every peer.
inline constexpr double kP1Sigma = 2.0;
inline constexpr int kP1Threshold = 40;
inline constexpr double kColourSigma = 1.5;
inline constexpr double kUnsharpSigma = 2.0;  // amount = 1: out = 2 * src - blur(src)
inline constexpr double kGamma = 0.8;

/// "p1" or "colour".
std::string chain_name(Chain chain);
/// The chain as a tessera pipeline spec.
std::string chain_spec(Chain chain);
/// The deterministic slide-like input of `chain` (gray for P1, BGR for the colour chain).
cv::Mat chain_input(Chain chain, int size);

/// The kernel size cv::GaussianBlur(Size(0, 0), sigma) uses on 8-bit images.
int opencv_gaussian_ksize(double sigma);
/// The gamma table of tessera's `gamma` kernel: round(255 * (i / 255)^g), as a 1x256 CV_8U Mat.
cv::Mat gamma_lut(double g);

}  // namespace tessera::compare
