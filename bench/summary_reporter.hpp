/// A Google Benchmark console reporter that also keeps each benchmark's real time (the median
/// aggregate when repeated, else the median of its runs), for the summaries the bench
/// programs print after the table.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace tessera::bench {

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      const std::string& name = r.run_name.function_name;
      if (r.error_occurred) {
        errors_[name] = r.error_message;
        continue;
      }
      const double ms = r.GetAdjustedRealTime() * 1e3 / benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.run_type == Run::RT_Aggregate) {
        if (r.aggregate_name == "median") median_[name] = ms;
        if (r.aggregate_name == "stddev") stddev_[name] = ms;
        if (r.aggregate_name == "min") min_[name] = ms;
      } else {
        runs_[name].push_back(ms);
      }
    }
  }

  // Median real time in ms, or nullopt if the benchmark did not run.
  std::optional<double> time_ms(const std::string& name) const {
    if (auto it = median_.find(name); it != median_.end()) return it->second;
    auto it = runs_.find(name);
    if (it == runs_.end() || it->second.empty()) return std::nullopt;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  // Aggregates over repetitions, when repeated.
  std::optional<double> stddev_ms(const std::string& name) const { return find(stddev_, name); }
  std::optional<double> min_ms(const std::string& name) const { return find(min_, name); }
  const std::map<std::string, std::string>& errors() const { return errors_; }

 private:
  static std::optional<double> find(const std::map<std::string, double>& m, const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? std::nullopt : std::optional<double>(it->second);
  }

  std::map<std::string, double> median_, stddev_, min_;
  std::map<std::string, std::vector<double>> runs_;
  std::map<std::string, std::string> errors_;
};

}  // namespace tessera::bench
