// Draws deterministic pathology-slide-like images: stain density layers composed into gray or BGR.
#include "synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tessera/error.hpp"

namespace tessera::bench {
namespace {

constexpr int kMaxDrawSide = 2048;  // content is drawn at most this large, then mirror-tiled

// Stain densities of one scene, all CV_8UC1 of the drawn size. 0 = no stain.
struct Layers {
  cv::Mat nuclei;   // hematoxylin: nuclei
  cv::Mat stroma;   // eosin: cell bodies, fibres, diffuse tissue
  cv::Mat texture;  // smoothed noise centred on 128
};

// A smooth random field in [0, 1): a few random values per side, upsampled.
cv::Mat smooth_field(cv::RNG& rng, int cells, cv::Size size) {
  cv::Mat coarse(cells, cells, CV_32F);
  rng.fill(coarse, cv::RNG::UNIFORM, 0.0, 1.0);
  cv::Mat fine;
  cv::resize(coarse, fine, size, 0, 0, cv::INTER_CUBIC);
  return fine;
}

void draw_nucleus(cv::Mat& nuclei, cv::Mat& stroma, cv::RNG& rng, cv::Point2f c) {
  const float a = rng.uniform(4.0f, 11.0f);
  const float b = a * rng.uniform(0.55f, 1.0f);
  const float angle = rng.uniform(0.0f, 180.0f);
  const int density = rng.uniform(110, 250);
  if (rng.uniform(0.0f, 1.0f) < 0.6f) {  // a paler cell body around it
    const float grow = rng.uniform(2.0f, 3.5f);
    cv::ellipse(stroma, cv::RotatedRect(c, {2 * a * grow, 2 * b * grow * rng.uniform(0.7f, 1.2f)},
                                        rng.uniform(0.0f, 180.0f)),
                cv::Scalar(rng.uniform(35, 80)), cv::FILLED, cv::LINE_AA);
  }
  const cv::RotatedRect shape(c, {2 * a, 2 * b}, angle);
  cv::ellipse(nuclei, shape, cv::Scalar(density), cv::FILLED, cv::LINE_AA);
  if (rng.uniform(0.0f, 1.0f) < 0.5f)  // a darker membrane
    cv::ellipse(nuclei, shape, cv::Scalar(std::min(255, density + 30)), 1, cv::LINE_AA);
}

// A wavy strand: a random walk whose heading drifts and oscillates.
void draw_fibre(cv::Mat& stroma, cv::RNG& rng) {
  cv::Point2f p(rng.uniform(0.0f, float(stroma.cols)), rng.uniform(0.0f, float(stroma.rows)));
  float heading = rng.uniform(0.0f, float(2 * CV_PI));
  const float wave = rng.uniform(0.05f, 0.25f), phase = rng.uniform(0.0f, 6.28f);
  const int steps = rng.uniform(25, 150);
  std::vector<cv::Point> points;
  points.reserve(steps);
  for (int i = 0; i < steps; ++i) {
    points.emplace_back(cvRound(p.x), cvRound(p.y));
    heading += float(rng.gaussian(0.06)) + 0.12f * std::sin(wave * i + phase);
    p += cv::Point2f(4 * std::cos(heading), 4 * std::sin(heading));
  }
  cv::polylines(stroma, points, false, cv::Scalar(rng.uniform(90, 200)), rng.uniform(1, 4), cv::LINE_AA);
}

Layers draw_layers(cv::Size size, unsigned seed) {
  cv::RNG rng(0x9E3779B97F4A7C15ull * (seed + 1ull));
  const double scale = double(size.area()) / (double(kMaxDrawSide) * kMaxDrawSide);
  Layers l;
  l.nuclei = cv::Mat::zeros(size, CV_8U);
  l.stroma = cv::Mat::zeros(size, CV_8U);

  const int fibres = std::max(8, int(300 * scale));
  for (int i = 0; i < fibres; ++i) draw_fibre(l.stroma, rng);

  const auto uniform_point = [&] {
    return cv::Point2f(rng.uniform(0.0f, float(size.width)), rng.uniform(0.0f, float(size.height)));
  };
  const int clusters = std::max(4, int(70 * scale));
  for (int i = 0; i < clusters; ++i) {
    const cv::Point2f centre = uniform_point();
    const double spread = rng.uniform(30.0, 120.0);
    const int count = rng.uniform(20, 120);
    for (int j = 0; j < count; ++j)
      draw_nucleus(l.nuclei, l.stroma, rng,
                   centre + cv::Point2f(float(rng.gaussian(spread)), float(rng.gaussian(spread))));
  }
  const int scattered = std::max(20, int(1500 * scale));
  for (int i = 0; i < scattered; ++i) draw_nucleus(l.nuclei, l.stroma, rng, uniform_point());

  cv::GaussianBlur(l.nuclei, l.nuclei, {0, 0}, 1.0);
  cv::GaussianBlur(l.stroma, l.stroma, {0, 0}, 1.6);
  cv::Mat tissue;  // diffuse eosin where there is tissue, none in the gaps
  smooth_field(rng, 6, size).convertTo(tissue, CV_8U, 45.0);
  cv::add(l.stroma, tissue, l.stroma);

  cv::Mat grain(size, CV_32F), fine(size, CV_32F);
  rng.fill(grain, cv::RNG::NORMAL, 0.0, 1.0);
  rng.fill(fine, cv::RNG::NORMAL, 0.0, 1.0);
  cv::GaussianBlur(grain, grain, {0, 0}, 1.5);
  cv::Mat texture = 60.0f * grain + 4.0f * fine + 128.0f;
  texture.convertTo(l.texture, CV_8U);
  return l;
}

// Composes the layers: each output channel = sum of coefficient x layer + offset.
cv::Mat compose(const Layers& l, const cv::Matx<float, 1, 4>* gray, const cv::Matx<float, 3, 4>* bgr) {
  cv::Mat stacked, out;
  cv::merge(std::vector<cv::Mat>{l.nuclei, l.stroma, l.texture}, stacked);
  if (gray) cv::transform(stacked, out, *gray);
  else cv::transform(stacked, out, *bgr);
  return out;
}

// Mirror-tiles `base` (flipped copies meet seamlessly) up to w x h.
cv::Mat mirror_tile(const cv::Mat& base, int w, int h) {
  if (base.cols >= w && base.rows >= h) return base;
  cv::Mat fx, fy, fxy, top, bottom, quad, big;
  cv::flip(base, fx, 1);
  cv::flip(base, fy, 0);
  cv::flip(base, fxy, -1);
  cv::hconcat(base, fx, top);
  cv::hconcat(fy, fxy, bottom);
  cv::vconcat(top, bottom, quad);
  cv::repeat(quad, (h + quad.rows - 1) / quad.rows, (w + quad.cols - 1) / quad.cols, big);
  if (big.cols == w && big.rows == h) return big;
  return big(cv::Rect(0, 0, w, h)).clone();
}

// Uneven illumination over the whole image: darkens by 0..12 levels, smoothly.
cv::Mat illumination(int w, int h, unsigned seed, int channels) {
  cv::RNG rng(0xD1B54A32D192ED03ull * (seed + 7ull));
  cv::Mat coarse(5, 5, CV_32F), fine, out;
  rng.fill(coarse, cv::RNG::UNIFORM, 0.0, 12.0);
  cv::resize(coarse, fine, {w, h}, 0, 0, cv::INTER_LINEAR);
  fine.convertTo(out, CV_8U);
  if (channels == 3) cv::cvtColor(out, out, cv::COLOR_GRAY2BGR);
  return out;
}

cv::Mat make(int w, int h, unsigned seed, bool colour) {
  CV_Assert(w > 0 && h > 0);
  const Layers layers = draw_layers({std::min(w, kMaxDrawSide), std::min(h, kMaxDrawSide)}, seed);
  // Gray: light background, nuclei dark, cell bodies and fibres mid-gray.
  const cv::Matx<float, 1, 4> gray(-0.70f, -0.30f, 0.35f, 236.0f - 0.35f * 128);
  // BGR: hematoxylin takes red and green (purple-blue), eosin mostly green (pink).
  const cv::Matx<float, 3, 4> bgr(-0.45f, -0.30f, 0.30f, 245.0f - 0.30f * 128,   //
                                  -0.74f, -0.55f, 0.30f, 238.0f - 0.30f * 128,   //
                                  -0.67f, -0.05f, 0.30f, 242.0f - 0.30f * 128);
  cv::Mat image = mirror_tile(compose(layers, colour ? nullptr : &gray, colour ? &bgr : nullptr), w, h);
  cv::subtract(image, illumination(w, h, seed, image.channels()), image);
  return image;
}

}  // namespace

cv::Mat make_slide_like(int w, int h, unsigned seed) { return make(w, h, seed, false); }

SlideSource::SlideSource(Size size, bool colour, unsigned seed)
    : size_(size),
      base_(make(static_cast<int>(std::min<std::int64_t>(size.w, kMaxDrawSide)),
                 static_cast<int>(std::min<std::int64_t>(size.h, kMaxDrawSide)), seed, colour)) {
  if (size.empty()) throw UsageError("SlideSource: empty size " + to_string(size));
}

void SlideSource::read(const Rect& r, cv::Mat& out) const {
  // Coordinate p of the big image is base coordinate p mod 2n, mirrored in the second half.
  const auto fold = [](std::int64_t p, int n) {
    const std::int64_t m = p % (2 * n);
    return static_cast<int>(m < n ? m : 2 * n - 1 - m);
  };
  out.create(static_cast<int>(r.h), static_cast<int>(r.w), base_.type());
  std::vector<int> cols(static_cast<std::size_t>(r.w));
  for (std::int64_t x = 0; x < r.w; ++x) cols[static_cast<std::size_t>(x)] = fold(r.x + x, base_.cols);
  const std::size_t px = base_.elemSize();
  for (std::int64_t y = 0; y < r.h; ++y) {
    const uchar* src = base_.ptr(fold(r.y + y, base_.rows));
    uchar* dst = out.ptr(static_cast<int>(y));
    for (std::int64_t x = 0; x < r.w; ++x)
      std::memcpy(dst + static_cast<std::size_t>(x) * px, src + static_cast<std::size_t>(cols[static_cast<std::size_t>(x)]) * px, px);
  }
}

cv::Mat make_slide_like_bgr(int w, int h, unsigned seed) { return make(w, h, seed, true); }

}  // namespace tessera::bench
