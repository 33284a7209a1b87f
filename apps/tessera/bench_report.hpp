// The results of `tessera bench` and the ways it reports them: table, auto summary, CSV, chart.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tessera/geometry.hpp"

namespace tessera::cli {

/// One measured tile size x thread count combination.
struct BenchRow {
  Size tile;
  int threads = 1;
  bool is_auto = false;                ///< the tile size choose_tile picked for these threads
  double tune_seconds = 0;             ///< time choose_tile took (auto rows)
  double median = 0, min = 0, max = 0; ///< seconds per run
  double mpix_per_s = 0;               ///< input megapixels / median
  std::optional<double> speedup;       ///< vs 1 thread with the same tile size
  std::optional<double> peak_mib;      ///< peak resident memory while running this combination
};

/// What was benchmarked, for titles and headers.
struct BenchInfo {
  std::string input, pipeline, backend, image;  ///< image: e.g. "2048x1536 u8x3 (3.1 MP)"
  Size size;
  int repeat = 0, warmup = 0;
  std::vector<std::string> footnotes;
};

/// Fills each row's speedup from the 1-thread row with the same tile size, if any.
void fill_speedups(std::vector<BenchRow>& rows);

/// Index of the row with the lowest median.
std::size_t best_row(const std::vector<BenchRow>& rows);

/// The aligned table; the best row is marked with '*'. Footnotes follow it.
void print_table(std::ostream& os, const BenchInfo& info, const std::vector<BenchRow>& rows);

/// One line per auto row: where the chosen size landed relative to the best swept size.
void print_auto_summary(std::ostream& os, const std::vector<BenchRow>& rows);

/// Header + one line per row, written to a temporary file and renamed. Throws IoError.
void write_csv(const std::string& path, const BenchInfo& info, const std::vector<BenchRow>& rows);

/// MP/s against tile size, one line per thread count, auto choices as hollow squares.
void write_chart(const std::string& path, const BenchInfo& info, const std::vector<BenchRow>& rows);

/// "256" for square tiles, "100x50" otherwise.
std::string tile_label(Size tile);

}  // namespace tessera::cli
