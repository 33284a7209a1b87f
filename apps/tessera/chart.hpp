// A small line chart drawn with OpenCV: one coloured line with markers per series, a legend,
// titles, and labelled axes. Used by `tessera bench --plot`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace tessera::cli {

struct ChartPoint {
  double x = 0;
  double y = 0;
};

/// One line of the chart, plus optional unjoined markers in the same colour.
struct ChartSeries {
  std::string label;
  std::vector<ChartPoint> points;  ///< joined by a line, in x order
  std::vector<ChartPoint> extra;   ///< hollow squares, not joined (e.g. the auto-tuned choice)
};

struct ChartSpec {
  std::string title, subtitle, x_title, y_title;  ///< subtitle: one or more lines, '\n' separated
  std::vector<std::pair<double, std::string>> x_ticks;  ///< x positions and their labels
  bool log2_x = true;                                   ///< x axis on a log2 scale (x > 0)
  std::string extra_label;                              ///< legend entry for the hollow squares
  std::vector<ChartSeries> series;
};

/// Draws the chart on a white BGR image of `size`. The y axis starts at 0.
cv::Mat draw_line_chart(const ChartSpec& spec, cv::Size size = {900, 560});

}  // namespace tessera::cli
