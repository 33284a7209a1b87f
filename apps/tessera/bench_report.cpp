#include "bench_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "chart.hpp"
#include "tessera/error.hpp"
#include "tessera/io.hpp"

namespace tessera::cli {

namespace fs = std::filesystem;

namespace {

std::string fixed(double v, int decimals) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(decimals) << v;
  return os.str();
}

std::string threads_label(int threads) { return std::to_string(threads) + (threads == 1 ? " thread" : " threads"); }

/// Decimals that show the shortest time in the table with three significant digits.
int seconds_decimals(const std::vector<BenchRow>& rows) {
  double shortest = INFINITY;
  for (const BenchRow& r : rows) shortest = std::min(shortest, r.min);
  if (!(shortest > 0) || !std::isfinite(shortest)) return 3;
  return std::clamp(2 - static_cast<int>(std::floor(std::log10(shortest))), 3, 6);
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`.
void write_text_atomic(const std::string& path, const std::string& text) {
  const fs::path dest(path);
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError("cannot write '" + path + "': directory '" + dir.string() + "' does not exist");
  static std::atomic<int> counter{0};
  std::string name(".");  // built by appending: GCC 12 warns (-Wrestrict) about "." + std::string
  name += dest.filename().string();
  name += ".tessera-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const fs::path tmp = dir / name;
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    os << text;
    os.close();
    if (!os) {
      fs::remove(tmp, ec);
      throw IoError("cannot write '" + path + "': writing '" + tmp.string() + "' failed");
    }
  }
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError("cannot write '" + path + "': " + ec.message());
  }
}

}  // namespace

std::string tile_label(Size tile) { return tile.w == tile.h ? std::to_string(tile.w) : to_string(tile); }

void fill_speedups(std::vector<BenchRow>& rows) {
  for (BenchRow& r : rows) {
    const auto base = std::find_if(rows.begin(), rows.end(), [&](const BenchRow& b) {
      return b.threads == 1 && b.tile == r.tile && b.median > 0;
    });
    if (base != rows.end()) r.speedup = base->median / r.median;
  }
}

std::size_t best_row(const std::vector<BenchRow>& rows) {
  const auto best = std::min_element(rows.begin(), rows.end(),
                                     [](const BenchRow& a, const BenchRow& b) { return a.median < b.median; });
  return static_cast<std::size_t>(best - rows.begin());
}

void print_table(std::ostream& os, const BenchInfo& info, const std::vector<BenchRow>& rows) {
  os << "tessera bench: " << info.input << ", " << info.image << "\n  pipeline: " << info.pipeline << "\n  "
     << info.backend << " backend, " << info.repeat << " timed run" << (info.repeat == 1 ? "" : "s") << " after "
     << info.warmup << " warm-up" << (info.warmup == 1 ? "" : "s") << " per row\n\n";
  const int sd = seconds_decimals(rows);
  const std::size_t best = best_row(rows);
  std::vector<std::vector<std::string>> cells{
      {"", "tile", "threads", "median s", "min s", "max s", "MP/s", "speedup", "peak MiB"}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const BenchRow& r = rows[i];
    cells.push_back({i == best ? "*" : " ", r.is_auto ? "auto (" + to_string(r.tile) + ")" : to_string(r.tile),
                     std::to_string(r.threads), fixed(r.median, sd), fixed(r.min, sd), fixed(r.max, sd),
                     fixed(r.mpix_per_s, 1), r.speedup ? fixed(*r.speedup, 2) + "x" : "-",
                     r.peak_mib ? fixed(*r.peak_mib, 1) : "-"});
  }
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : cells) {
    std::string line = row[0] + " " + row[1] + std::string(width[1] - row[1].size(), ' ');  // mark and tile: left
    for (std::size_t c = 2; c < row.size(); ++c) line += "  " + std::string(width[c] - row[c].size(), ' ') + row[c];
    os << line << "\n";
  }
  os << "\n* lowest median: " << (rows[best].is_auto ? "auto " : "") << to_string(rows[best].tile) << ", "
     << threads_label(rows[best].threads) << "\n";
  for (const std::string& note : info.footnotes) os << "note: " << note << "\n";
}

void print_auto_summary(std::ostream& os, const std::vector<BenchRow>& rows) {
  const int sd = seconds_decimals(rows);
  for (const BenchRow& a : rows) {
    if (!a.is_auto) continue;
    const BenchRow* best = nullptr;
    for (const BenchRow& r : rows)
      if (!r.is_auto && r.threads == a.threads && (!best || r.median < best->median)) best = &r;
    os << "auto " << to_string(a.tile) << " (" << threads_label(a.threads) << ", chosen in " << fixed(a.tune_seconds, 2)
       << " s): " << fixed(a.median, sd) << " s";
    if (!best) {
      os << "\n";
      continue;
    }
    const double pct = (a.median - best->median) / best->median * 100;
    os << ", best swept " << to_string(best->tile) << ": " << fixed(best->median, sd) << " s, auto is "
       << (std::abs(pct) < 0.05 ? "as fast" : fixed(std::abs(pct), 1) + (pct > 0 ? "% slower" : "% faster"))
       << (a.tile == best->tile ? " (the same size)" : "") << "\n";
  }
}

void write_csv(const std::string& path, const BenchInfo& info, const std::vector<BenchRow>& rows) {
  std::ostringstream os;
  os << "tile_w,tile_h,threads,backend,median_s,min_s,max_s,mpix_per_s,speedup,peak_rss_mib,auto\n";
  os << std::setprecision(9);
  for (const BenchRow& r : rows) {
    os << r.tile.w << "," << r.tile.h << "," << r.threads << "," << info.backend << "," << r.median << "," << r.min << ","
       << r.max << "," << r.mpix_per_s << ",";
    if (r.speedup) os << *r.speedup;
    os << ",";
    if (r.peak_mib) os << *r.peak_mib;
    os << "," << (r.is_auto ? 1 : 0) << "\n";
  }
  write_text_atomic(path, os.str());
}

void write_chart(const std::string& path, const BenchInfo& info, const std::vector<BenchRow>& rows) {
  ChartSpec spec;
  spec.title = "tessera bench: throughput by tile size";
  spec.subtitle = "pipeline: " + info.pipeline + "\n" + fs::path(info.input).filename().string() + " " + info.image +
                  ", " + info.backend + " backend, median of " + std::to_string(info.repeat) +
                  (info.repeat == 1 ? " run" : " runs");
  spec.y_title = "MP/s (higher is better)";
  spec.extra_label = "auto choice";
  std::map<int, ChartSeries> by_threads;
  std::map<std::pair<std::int64_t, std::int64_t>, Size> tiles;
  bool non_square = false;
  for (const BenchRow& r : rows) {
    const ChartPoint p{std::sqrt(static_cast<double>(r.tile.area())), r.mpix_per_s};
    ChartSeries& s = by_threads[r.threads];
    s.label = threads_label(r.threads);
    (r.is_auto ? s.extra : s.points).push_back(p);
    tiles[{r.tile.w, r.tile.h}] = r.tile;
    non_square = non_square || r.tile.w != r.tile.h;
  }
  for (auto& [threads, s] : by_threads) spec.series.push_back(std::move(s));
  for (const auto& [key, tile] : tiles) spec.x_ticks.push_back({std::sqrt(static_cast<double>(tile.area())), tile_label(tile)});
  spec.x_title = non_square ? "tile size (log2 scale; a WxH tile sits at sqrt(W*H))" : "tile size (log2 scale)";
  write_image_atomic(path, draw_line_chart(spec));
}

}  // namespace tessera::cli
