#include "chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace tessera::cli {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBlack(0, 0, 0), kGray(110, 110, 110), kGrid(228, 228, 228), kWhite(255, 255, 255);

/// Distinguishable colours (BGR), reused in order.
cv::Scalar palette(std::size_t i) {
  static const cv::Scalar colours[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},  {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140}, {194, 119, 227}, {34, 189, 188}};
  return colours[i % (sizeof colours / sizeof colours[0])];
}

cv::Size text_size(const std::string& text, double scale, int thickness) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale, thickness, &baseline);
}

/// Text drawn with its top-left corner at (x, top).
void put(cv::Mat& img, const std::string& text, int x, int top, double scale, const cv::Scalar& colour, int thickness = 1) {
  const int h = text_size(text, scale, thickness).height;
  cv::putText(img, text, {x, top + h}, kFont, scale, colour, thickness, cv::LINE_AA);
}

/// Shrinks `scale` (down to 80%) and then elides the end until `text` fits in `width`.
std::pair<std::string, double> fit(std::string text, int width, double scale, int thickness) {
  const double min_scale = scale * 0.8;
  while (scale > min_scale && text_size(text, scale, thickness).width > width) scale *= 0.95;
  while (text.size() > 4 && text_size(text, scale, thickness).width > width) text = text.substr(0, text.size() - 4) + "...";
  return {text, scale};
}

void put_centered(cv::Mat& img, const std::string& text, int cx, int top, int max_width, double scale,
                  const cv::Scalar& colour, int thickness = 1) {
  const auto [t, s] = fit(text, max_width, scale, thickness);
  put(img, t, cx - text_size(t, s, thickness).width / 2, top, s, colour, thickness);
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `ticks` intervals up to `max`.
double nice_step(double max, int ticks) {
  const double raw = max / ticks, pow10 = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * pow10) return m * pow10;
  return 10 * pow10;
}

std::string tick_label(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Maps data coordinates to pixels inside the plot rectangle.
struct Axes {
  cv::Rect plot;
  double x0, x1, y_max, y_step;
  bool log2_x;
  double tx(double x) const { return log2_x ? std::log2(x) : x; }
  int py(double y) const { return plot.y + plot.height - static_cast<int>(std::lround(y / y_max * plot.height)); }
  cv::Point at(ChartPoint p) const {
    const double fx = (tx(p.x) - x0) / (x1 - x0);
    return {plot.x + static_cast<int>(std::lround(fx * plot.width)), py(p.y)};
  }
};

Axes make_axes(const ChartSpec& spec, cv::Rect plot) {
  Axes a{plot, 0, 0, 0, 0, spec.log2_x};
  double lo = INFINITY, hi = -INFINITY, y_max = 0;
  const auto extend = [&](ChartPoint p) {
    lo = std::min(lo, a.tx(p.x));
    hi = std::max(hi, a.tx(p.x));
    y_max = std::max(y_max, p.y);
  };
  for (const auto& [x, label] : spec.x_ticks) extend({x, 0});
  for (const ChartSeries& s : spec.series) {
    for (ChartPoint p : s.points) extend(p);
    for (ChartPoint p : s.extra) extend(p);
  }
  if (!(lo <= hi)) lo = hi = 0;
  const double pad = std::max(0.3, (hi - lo) * 0.06);
  a.x0 = lo - pad;
  a.x1 = hi + pad;
  // The y axis ends on the first "nice" tick above the highest point.
  const double raw = y_max > 0 ? y_max * 1.05 : 1.0;
  a.y_step = nice_step(raw, 6);
  a.y_max = std::ceil(raw / a.y_step - 1e-9) * a.y_step;
  return a;
}

void draw_y_axis(cv::Mat& img, const Axes& a, const std::string& title) {
  const double step = a.y_step;
  for (int i = 0; i * step <= a.y_max + step * 1e-6; ++i) {
    const double v = i * step;
    const int y = a.py(v);
    cv::line(img, {a.plot.x, y}, {a.plot.br().x, y}, kGrid, 1);
    cv::line(img, {a.plot.x - 5, y}, {a.plot.x, y}, kBlack, 1);
    const std::string label = tick_label(v, step);
    const cv::Size ts = text_size(label, 0.45, 1);
    put(img, label, a.plot.x - 9 - ts.width, y - ts.height / 2, 0.45, kBlack);
  }
  // The axis title, rotated to read bottom to top.
  const cv::Size ts = text_size(title, 0.55, 1);
  cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
  put(label, title, 2, 2, 0.55, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int top = std::max(0, a.plot.y + a.plot.height / 2 - label.rows / 2);
  if (top + label.rows <= img.rows && label.cols + 12 <= img.cols) label.copyTo(img(cv::Rect(12, top, label.cols, label.rows)));
}

/// Tick labels that would overlap their left neighbour move down a row (up to three rows).
/// Returns the y just below the lowest row used.
int draw_x_axis(cv::Mat& img, const Axes& a, const std::vector<std::pair<double, std::string>>& ticks) {
  std::vector<std::pair<double, std::string>> sorted = ticks;
  std::sort(sorted.begin(), sorted.end());
  const int row_height = text_size("0", 0.45, 1).height + 7, top = a.plot.br().y + 10;
  std::vector<int> row_end(3, -1000);
  int rows_used = 1;
  for (const auto& [x, label] : sorted) {
    const int px = a.at({x, 0}).x;
    cv::line(img, {px, a.plot.y}, {px, a.plot.br().y}, kGrid, 1);
    cv::line(img, {px, a.plot.br().y}, {px, a.plot.br().y + 5}, kBlack, 1);
    const int w = text_size(label, 0.45, 1).width, left = px - w / 2;
    std::size_t row = 0;
    while (row + 1 < row_end.size() && left < row_end[row] + 8) ++row;
    row_end[row] = left + w;
    rows_used = std::max(rows_used, static_cast<int>(row) + 1);
    if (row > 0) cv::line(img, {px, a.plot.br().y + 5}, {px, top + static_cast<int>(row) * row_height - 2}, kGrid, 1);
    put(img, label, left, top + static_cast<int>(row) * row_height, 0.45, kBlack);
  }
  return top + rows_used * row_height;
}

void draw_marker(cv::Mat& img, cv::Point p, const cv::Scalar& colour, bool hollow_square) {
  if (hollow_square) {
    cv::rectangle(img, p - cv::Point(7, 7), p + cv::Point(7, 7), colour, 2, cv::LINE_AA);
  } else {
    cv::circle(img, p, 5, colour, cv::FILLED, cv::LINE_AA);
    cv::circle(img, p, 5, kWhite, 1, cv::LINE_AA);
  }
}

void draw_series(cv::Mat& img, const Axes& a, const ChartSeries& s, const cv::Scalar& colour) {
  std::vector<ChartPoint> pts = s.points;
  std::sort(pts.begin(), pts.end(), [](ChartPoint p, ChartPoint q) { return p.x < q.x; });
  for (std::size_t i = 1; i < pts.size(); ++i) cv::line(img, a.at(pts[i - 1]), a.at(pts[i]), colour, 2, cv::LINE_AA);
  for (ChartPoint p : pts) draw_marker(img, a.at(p), colour, false);
  for (ChartPoint p : s.extra) draw_marker(img, a.at(p), colour, true);
}

void draw_legend(cv::Mat& img, const ChartSpec& spec, cv::Point origin, int width) {
  const int line_h = 24;
  bool any_extra = false;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const int y = origin.y + static_cast<int>(i) * line_h;
    const cv::Scalar c = palette(i);
    cv::line(img, {origin.x, y}, {origin.x + 30, y}, c, 2, cv::LINE_AA);
    draw_marker(img, {origin.x + 15, y}, c, false);
    const auto [t, s] = fit(spec.series[i].label, width - 40, 0.5, 1);
    put(img, t, origin.x + 40, y - text_size(t, s, 1).height / 2, s, kBlack);
    any_extra = any_extra || !spec.series[i].extra.empty();
  }
  if (!any_extra || spec.extra_label.empty()) return;
  const int y = origin.y + static_cast<int>(spec.series.size()) * line_h + 6;
  draw_marker(img, {origin.x + 15, y}, kGray, true);
  const auto [t, s] = fit(spec.extra_label, width - 40, 0.5, 1);
  put(img, t, origin.x + 40, y - text_size(t, s, 1).height / 2, s, kBlack);
}

}  // namespace

cv::Mat draw_line_chart(const ChartSpec& spec, cv::Size size) {
  cv::Mat img(size, CV_8UC3, kWhite);
  std::vector<std::string> subtitle;
  std::istringstream lines(spec.subtitle);
  for (std::string line; std::getline(lines, line);) subtitle.push_back(line);
  const int left = 84, right = 190, top = 60 + 20 * static_cast<int>(subtitle.size()), bottom = 96;
  const cv::Rect plot(left, top, std::max(50, size.width - left - right), std::max(50, size.height - top - bottom));
  put_centered(img, spec.title, size.width / 2, 14, size.width - 20, 0.75, kBlack, 2);
  for (std::size_t i = 0; i < subtitle.size(); ++i)
    put_centered(img, subtitle[i], size.width / 2, 46 + 20 * static_cast<int>(i), size.width - 20, 0.5, kGray);

  const Axes axes = make_axes(spec, plot);
  draw_y_axis(img, axes, spec.y_title);
  const int below_ticks = draw_x_axis(img, axes, spec.x_ticks);
  cv::rectangle(img, plot, kBlack, 1);
  for (std::size_t i = 0; i < spec.series.size(); ++i) draw_series(img, axes, spec.series[i], palette(i));
  draw_legend(img, spec, {plot.br().x + 20, plot.y + 12}, right - 28);
  put_centered(img, spec.x_title, plot.x + plot.width / 2, std::min(below_ticks + 6, size.height - 22), plot.width, 0.55,
               kBlack);
  return img;
}

namespace {

// The timeline's layout: the plot's margins and the height of a row.
constexpr int kTimelineLeft = 96, kTimelineRight = 150, kTimelineTop = 84, kTimelineBottom = 70;
int timeline_columns(int width) { return std::max(100, width - kTimelineLeft - kTimelineRight); }
int timeline_row_height(const TimelineSpec& spec) { return spec.rows.size() > 24 ? 14 : 26; }

}  // namespace

TimelineBins::TimelineBins(const TimelineSpec& spec, int width)
    : rows_(static_cast<int>(std::max<std::size_t>(1, spec.rows.size()))),
      kinds_(static_cast<int>(std::max<std::size_t>(1, spec.kinds.size()))),
      columns_(timeline_columns(width)),
      px_per_x_(columns_ / (spec.x_max > 0 ? spec.x_max : 1.0)),
      fill_(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(columns_) * static_cast<std::size_t>(kinds_), 0.0) {}

void TimelineBins::add(int row, double x0, double x1, int kind) {
  if (row < 0 || row >= rows_ || kind < 0 || kind >= kinds_) return;
  const double a = std::clamp(x0 * px_per_x_, 0.0, double(columns_)), z = std::clamp(x1 * px_per_x_, 0.0, double(columns_));
  for (int c = static_cast<int>(a); c < columns_ && c < z; ++c)
    fill_[(static_cast<std::size_t>(row) * columns_ + c) * kinds_ + kind] += std::min(z, c + 1.0) - std::max(a, double(c));
}

double TimelineBins::at(int row, int column, int kind) const {
  return fill_[(static_cast<std::size_t>(row) * columns_ + column) * kinds_ + kind];
}

cv::Mat draw_timeline(const TimelineSpec& spec, const TimelineBins& bins, int width) {
  const int row_h = timeline_row_height(spec), left = kTimelineLeft, right = kTimelineRight, top = kTimelineTop;
  const int rows = static_cast<int>(std::max<std::size_t>(1, spec.rows.size()));
  const int kinds = static_cast<int>(std::max<std::size_t>(1, spec.kinds.size()));
  const cv::Rect plot(left, top, bins.columns(), rows * row_h);
  cv::Mat img(plot.br().y + kTimelineBottom, width, CV_8UC3, kWhite);
  put_centered(img, spec.title, width / 2, 14, width - 20, 0.75, kBlack, 2);
  put_centered(img, spec.subtitle, width / 2, 46, width - 20, 0.5, kGray);
  const double x_max = spec.x_max > 0 ? spec.x_max : 1.0;
  const auto px = [&](double x) { return plot.x + static_cast<int>(std::lround(x / x_max * plot.width)); };
  // The x axis: a grid line and a label per "nice" step.
  const double step = nice_step(x_max, 8);
  for (int i = 0; i * step <= x_max * (1 + 1e-9); ++i) {
    const int x = px(i * step);
    cv::line(img, {x, plot.y}, {x, plot.br().y}, kGrid, 1);
    cv::line(img, {x, plot.br().y}, {x, plot.br().y + 5}, kBlack, 1);
    const std::string label = tick_label(i * step, step);
    put(img, label, x - text_size(label, 0.45, 1).width / 2, plot.br().y + 10, 0.45, kBlack);
  }
  put_centered(img, spec.x_title, plot.x + plot.width / 2, plot.br().y + 36, plot.width, 0.55, kBlack);
  for (int r = 0; r < static_cast<int>(spec.rows.size()); ++r) {
    const auto [t, sc] = fit(spec.rows[static_cast<std::size_t>(r)], left - 14, row_h > 20 ? 0.5 : 0.4, 1);
    put(img, t, left - 8 - text_size(t, sc, 1).width, plot.y + r * row_h + (row_h - text_size(t, sc, 1).height) / 2, sc,
        kBlack);
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < plot.width; ++c) {
      int most = 0;
      double busy = 0;
      for (int k = 0; k < kinds; ++k) {
        busy += bins.at(r, c, k);
        if (bins.at(r, c, k) > bins.at(r, c, most)) most = k;
      }
      if (busy < 0.02) continue;
      const double alpha = std::max(0.3, std::min(1.0, busy));
      const cv::Scalar colour = palette(static_cast<std::size_t>(most)) * alpha + kWhite * (1.0 - alpha);
      const int y0 = plot.y + r * row_h + 1;
      cv::line(img, {plot.x + c, y0}, {plot.x + c, y0 + row_h - 3}, colour, 1);
    }
  // Marks: a dashed line across the rows and a label above, skipped where it would overlap.
  int label_end = -1000;
  for (const auto& [x, label] : spec.marks) {
    const int mx = px(x);
    for (int y = plot.y - 4; y < plot.br().y; y += 6) cv::line(img, {mx, y}, {mx, std::min(y + 3, plot.br().y)}, kBlack, 1);
    const int w = text_size(label, 0.4, 1).width;
    if (mx - w / 2 < label_end + 6) continue;
    put(img, label, mx - w / 2, plot.y - 20, 0.4, kGray);
    label_end = mx + w - w / 2;
  }
  cv::rectangle(img, plot, kBlack, 1);
  for (std::size_t k = 0; k < spec.kinds.size(); ++k) {
    const int y = plot.y + 6 + static_cast<int>(k) * 22;
    cv::rectangle(img, {plot.br().x + 16, y}, {plot.br().x + 34, y + 12}, palette(k), cv::FILLED);
    const auto [t, sc] = fit(spec.kinds[k], right - 44, 0.5, 1);
    put(img, t, plot.br().x + 40, y, sc, kBlack);
  }
  return img;
}

}  // namespace tessera::cli
