/// Deterministic synthetic test images that look like a pathology slide (for benches and tests).
#pragma once

#include <opencv2/core/mat.hpp>

#include "tessera/io.hpp"

namespace tessera::bench {

/// An 8-bit gray (CV_8UC1) w x h image resembling a stained tissue slide scanned in
/// gray: a light, unevenly lit background, clusters of dark nuclei and paler cell
/// bodies of varying size, fibrous strands, and a low-amplitude smoothed noise texture.
/// The same (w, h, seed) gives the same pixels. Content is drawn at up to 2048x2048
/// and mirror-tiled beyond that, so 8192x8192 takes well under a second.
cv::Mat make_slide_like(int w, int h, unsigned seed = 1);

/// The same scene as make_slide_like, coloured like an H&E stain (CV_8UC3, BGR):
/// purple-blue nuclei, pink cell bodies and fibres, near-white background.
cv::Mat make_slide_like_bgr(int w, int h, unsigned seed = 1);

/// The same kind of scene at any size (up to 2^31 pixels a side) as a streaming Source:
/// a 2048x2048 tile of make_slide_like(_bgr) drawn once and mirror-tiled on read, so a
/// 65536x65536 image costs 4 MiB (12 MiB in colour) of memory, not 4 GiB.
class SlideSource final : public Source {
 public:
  SlideSource(Size size, bool colour, unsigned seed = 1);
  Size size() const override { return size_; }
  PixelType type() const override { return PixelType::of(base_); }
  void read(const Rect& r, cv::Mat& out) const override;

 private:
  Size size_;
  cv::Mat base_;
};

}  // namespace tessera::bench
