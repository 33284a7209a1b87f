// Reduce-then-map kernels: equalize, normalize, stats. Pass 1 computes per-tile partial
// statistics (histograms, min/max) that merge exactly; pass 2 maps each tile with the
// merged statistics, so the result is the OpenCV call on the whole image for any tiling.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/param_helpers.hpp"
#include "tessera/error.hpp"
#include "families.hpp"
#include "tessera/kernel_adapters.hpp"

namespace tessera {

namespace {

using detail::real_param;

/// A ReduceKernel from functions; merge adds the partials element-wise unless given.
struct ReduceSpec {
  std::string name;
  TypeSet types;
  std::function<PixelType(const PixelType&)> output_type;  ///< default: unchanged
  std::function<cv::Mat(const cv::Mat&)> partial;
  std::function<void(cv::Mat&, const cv::Mat&)> merge;
  std::function<void(const cv::Mat& in, const cv::Mat& merged, cv::Mat& out)> map;
  std::function<cv::Mat(const cv::Mat&)> reference;
  std::function<std::string(const cv::Mat&)> json;
};

class FnReduceKernel final : public ReduceKernel {
 public:
  explicit FnReduceKernel(ReduceSpec s) : s_(std::move(s)) {}
  std::string name() const override { return s_.name; }
  PixelType output_type(std::span<const PixelType> in) const override {
    require_type(in[0], s_.types);
    return s_.output_type ? s_.output_type(in[0]) : in[0];
  }
  cv::Mat partial(const cv::Mat& tile) const override { return s_.partial(tile); }
  void merge(cv::Mat& acc, const cv::Mat& part) const override {
    if (acc.empty()) acc = part.clone();
    else if (s_.merge) s_.merge(acc, part);
    else acc += part;
  }
  void map(const TileIO& io, const cv::Mat& merged) const override { s_.map(io.in[0], merged, io.out); }
  std::string result_json(const cv::Mat& merged) const override { return s_.json ? s_.json(merged) : ""; }
  cv::Mat reference(std::span<const cv::Mat> in) const override { return s_.reference(in[0]); }

 private:
  ReduceSpec s_;
};

/// Counts the values of one channel of `n` pixels `cn` elements apart into `counts`. Four
/// tables in turn, so that runs of equal values do not wait on one counter.
template <class T>
void count_channel(const T* p, int n, int cn, std::uint32_t* counts, std::size_t bins) {
  std::uint32_t* c1 = counts + bins;
  std::uint32_t* c2 = c1 + bins;
  std::uint32_t* c3 = c2 + bins;
  int i = 0;
  for (; i + 4 <= n; i += 4, p += 4 * cn) {
    ++counts[p[0]];
    ++c1[p[cn]];
    ++c2[p[2 * cn]];
    ++c3[p[3 * cn]];
  }
  for (; i < n; ++i, p += cn) ++counts[p[0]];
}

/// Per-channel histogram of an 8- or 16-bit image: channels x (256 or 65536) counts, as
/// doubles (exact up to 2^53 pixels; counted per row in 32 bits).
template <class T>
cv::Mat histogram_of(const cv::Mat& tile) {
  constexpr std::size_t bins = sizeof(T) == 1 ? 256 : 65536;
  const int cn = tile.channels();
  // Not cv::Mat::zeros: its MatExpr goes through a singleton that OpenCV creates lazily with an
  // unsynchronised check, which ThreadSanitizer reports when the first tiles run at once.
  cv::Mat h(cn, static_cast<int>(bins), CV_64F, cv::Scalar(0));
  std::vector<std::uint32_t> counts(4 * bins);
  for (int c = 0; c < cn; ++c) {
    std::fill(counts.begin(), counts.end(), 0);
    double* out = h.ptr<double>(c);
    // Flush before 32-bit counts could overflow.
    const std::int64_t rows_per_flush = std::max<std::int64_t>(1, (std::int64_t{1} << 31) / std::max(tile.cols, 1));
    for (int y = 0; y < tile.rows; ++y) {
      count_channel(tile.ptr<T>(y) + c, tile.cols, cn, counts.data(), bins);
      if ((y + 1) % rows_per_flush == 0 || y + 1 == tile.rows) {
        for (std::size_t v = 0; v < bins; ++v) {
          out[v] += double(counts[v]) + double(counts[bins + v]) + double(counts[2 * bins + v]) +
                    double(counts[3 * bins + v]);
        }
        std::fill(counts.begin(), counts.end(), 0);
      }
    }
  }
  return h;
}

cv::Mat histogram(const cv::Mat& tile) {
  return tile.depth() == CV_8U ? histogram_of<uchar>(tile) : histogram_of<ushort>(tile);
}

// ---- equalize: cv::equalizeHist ------------------------------------------------------

/// The lookup table equalizeHist derives from a histogram: the first occupied level maps
/// to 0, the others to the cumulative count scaled to 0..255, in float as OpenCV does.
cv::Mat equalize_lut(const cv::Mat& hist) {
  const double* h = hist.ptr<double>(0);
  double total = 0;
  for (int i = 0; i < 256; ++i) total += h[i];
  cv::Mat lut(1, 256, CV_8U, cv::Scalar(0));
  int i = 0;
  while (i < 255 && h[i] == 0) ++i;
  if (h[i] == total) {
    lut.setTo(i);
    return lut;
  }
  const float scale = 255.f / static_cast<float>(total - h[i]);
  double sum = 0;
  for (lut.at<uchar>(0, i++) = 0; i < 256; ++i) {
    sum += h[i];
    lut.at<uchar>(0, i) = cv::saturate_cast<uchar>(static_cast<float>(sum) * scale);
  }
  return lut;
}

KernelPtr make_equalize(const Params&) {
  ReduceSpec s;
  s.name = "equalize";
  s.types = {{CV_8U}, {1}};
  s.partial = histogram;
  s.map = [](const cv::Mat& in, const cv::Mat& hist, cv::Mat& out) { cv::LUT(in, equalize_lut(hist), out); };
  s.reference = [](const cv::Mat& in) {
    cv::Mat out;
    cv::equalizeHist(in, out);
    return out;
  };
  return std::make_shared<FnReduceKernel>(std::move(s));
}

// ---- normalize: cv::normalize NORM_MINMAX ---------------------------------------------

/// [min, max] over every channel of the tile.
cv::Mat min_max(const cv::Mat& tile) {
  double lo = 0, hi = 0;
  cv::minMaxIdx(tile.reshape(1), &lo, &hi);
  return (cv::Mat_<double>(1, 2) << lo, hi);
}

/// Output = input * scale + shift mapping [smin, smax] onto [a, b], as cv::normalize
/// computes them.
void normalize_map(const cv::Mat& in, double a, double b, const cv::Mat& mm, cv::Mat& out) {
  const double smin = mm.at<double>(0, 0), smax = mm.at<double>(0, 1);
  const double dmin = std::min(a, b), dmax = std::max(a, b);
  double scale = (dmax - dmin) * (smax - smin > DBL_EPSILON ? 1. / (smax - smin) : 0);
  double shift = dmin - smin * scale;
  if (in.depth() == CV_32F) {  // OpenCV rounds both to float for a float result
    scale = static_cast<float>(scale);
    shift = static_cast<float>(dmin) - static_cast<float>(smin * scale);
  }
  in.convertTo(out, -1, scale, shift);
}

KernelPtr make_normalize(const Params& p) {
  const double a = p.number("min"), b = p.number("max");
  ReduceSpec s;
  s.name = "normalize";
  s.types = {{CV_8U, CV_16U, CV_32F}, {1, 3, 4}};
  s.partial = min_max;
  s.merge = [](cv::Mat& acc, const cv::Mat& part) {
    acc.at<double>(0, 0) = std::min(acc.at<double>(0, 0), part.at<double>(0, 0));
    acc.at<double>(0, 1) = std::max(acc.at<double>(0, 1), part.at<double>(0, 1));
  };
  s.map = [a, b](const cv::Mat& in, const cv::Mat& mm, cv::Mat& out) { normalize_map(in, a, b, mm, out); };
  s.reference = [a, b](const cv::Mat& in) {
    cv::Mat out;
    cv::normalize(in, out, a, b, cv::NORM_MINMAX);
    return out;
  };
  return std::make_shared<FnReduceKernel>(std::move(s));
}

// ---- stats: per-channel min, max, mean, stddev, histogram ------------------------------

std::string stats_json(const cv::Mat& hist) {
  const int bins = hist.cols;
  std::ostringstream os;
  os.precision(10);
  os << "{\"channels\": [";
  for (int c = 0; c < hist.rows; ++c) {
    const double* h = hist.ptr<double>(c);
    double n = 0, sum = 0;
    int lo = -1, hi = -1;
    for (int v = 0; v < bins; ++v) {
      if (h[v] == 0) continue;
      if (lo < 0) lo = v;
      hi = v;
      n += h[v];
      sum += h[v] * v;
    }
    const double mean = sum / n;
    double var = 0;
    for (int v = lo; v <= hi; ++v) var += h[v] * (v - mean) * (v - mean);
    os << (c ? ", " : "") << "{\"min\": " << lo << ", \"max\": " << hi << ", \"mean\": " << mean
       << ", \"stddev\": " << std::sqrt(var / n) << ", \"pixels\": " << static_cast<long long>(n)
       << ", \"histogram\": [";
    // 256 bins: one level each for 8 bits, 256 levels each for 16 bits.
    const int group = bins / 256;
    for (int g = 0; g < 256; ++g) {
      double count = 0;
      for (int v = g * group; v < (g + 1) * group; ++v) count += h[v];
      os << (g ? ", " : "") << static_cast<long long>(count);
    }
    os << "]}";
  }
  os << "], \"histogram_bin_width\": " << bins / 256 << "}";
  return os.str();
}

KernelPtr make_stats(const Params&) {
  ReduceSpec s;
  s.name = "stats";
  s.types = {{CV_8U, CV_16U}, {1, 3, 4}};
  s.partial = histogram;
  s.map = [](const cv::Mat& in, const cv::Mat&, cv::Mat& out) { in.copyTo(out); };
  s.reference = [](const cv::Mat& in) { return in.clone(); };
  s.json = stats_json;
  return std::make_shared<FnReduceKernel>(std::move(s));
}

}  // namespace

void detail::register_reduce(Registry& r) {
  r.add({.name = "equalize",
         .description = "histogram equalisation (cv::equalizeHist): global histogram, then a per-tile lookup",
         .kernel_class = KernelClass::ReduceThenMap,
         .types = {{CV_8U}, {1}},
         .make = make_equalize});
  r.add({.name = "normalize",
         .description = "stretch values so the image's min and max become min= and max= (cv::normalize NORM_MINMAX)",
         .kernel_class = KernelClass::ReduceThenMap,
         .params = {real_param("min", "0", -1e12, 1e12, "value the image minimum maps to"),
                    real_param("max", "255", -1e12, 1e12, "value the image maximum maps to")},
         .types = {{CV_8U, CV_16U, CV_32F}, {1, 3, 4}},
         .make = make_normalize});
  r.add({.name = "stats",
         .description =
             "per-channel min, max, mean, stddev and 256-bin histogram, reported as JSON; the image passes through",
         .kernel_class = KernelClass::ReduceThenMap,
         .types = {{CV_8U, CV_16U}, {1, 3, 4}},
         .make = make_stats});
}

}  // namespace tessera
