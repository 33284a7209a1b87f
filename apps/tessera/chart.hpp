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

/// Rows of bars against a shared x axis (e.g. workers against time), with labelled vertical
/// marks (e.g. pass boundaries) and a legend. Used by `tessera trace --plot`.
struct TimelineSpec {
  std::string title, subtitle, x_title;
  std::vector<std::string> rows;   ///< row labels, top to bottom
  std::vector<std::string> kinds;  ///< legend labels; bar kind i has the chart palette's colour i
  double x_max = 0;
  std::vector<std::pair<double, std::string>> marks;  ///< x and label
};

/// The bars of a timeline, binned as they come by row and pixel column: how much of each
/// column each kind fills. Memory is rows x columns x kinds, whatever the number of bars.
class TimelineBins {
 public:
  /// For `spec` drawn `width` pixels wide.
  TimelineBins(const TimelineSpec& spec, int width);
  /// A bar on `row` from x0 to x1 (clipped to 0..x_max), of legend entry `kind`.
  void add(int row, double x0, double x1, int kind);
  /// The share of column `column` of `row` that `kind` fills.
  double at(int row, int column, int kind) const;
  int columns() const { return columns_; }

 private:
  int rows_, kinds_, columns_;
  double px_per_x_;
  std::vector<double> fill_;
};

/// Draws the timeline on a white BGR image `width` pixels wide; the height follows the rows.
/// A column takes the colour of the kind that fills most of it, faded towards white by the
/// share of it left empty, so that thousands of bars narrower than a pixel still show which
/// kind dominates and where the gaps are.
cv::Mat draw_timeline(const TimelineSpec& spec, const TimelineBins& bins, int width);

}  // namespace tessera::cli
