// Run options as text: backends, tile sizes and memory sizes parsed from and written to
// what a user types (tessera/cli_support.hpp).
#include <cstdio>
#include <string>

#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"

namespace tessera {

Backend parse_backend(const std::string& name) {
  if (name == "tbb") return Backend::Tbb;
  if (name == "omp") return Backend::Omp;
  if (name == "serial") return Backend::Serial;
  throw UsageError("backend '" + name + "' is not one of tbb, omp, serial");
}

std::string to_string(Backend b) {
  switch (b) {
    case Backend::Tbb: return "tbb";
    case Backend::Omp: return "omp";
    case Backend::Serial: return "serial";
  }
  return "?";
}

Size parse_tile_size(const std::string& text) {
  const auto bad = [&] {
    return UsageError("tile size '" + text + "' is not N or WxH with positive integers (e.g. 256 or 512x128)");
  };
  const auto parse_side = [&](const std::string& s) -> std::int64_t {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) throw bad();
    const std::int64_t v = std::stoll(s);
    if (v <= 0) throw bad();
    return v;
  };
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos) {
    const std::int64_t v = parse_side(text);
    return {v, v};
  }
  return {parse_side(text.substr(0, x)), parse_side(text.substr(x + 1))};
}

std::int64_t parse_memory_size(const std::string& text) {
  const auto bad = [&] {
    return UsageError("memory size '" + text + "' is not a number of bytes with an optional K, M, G or T suffix (e.g. 512M)");
  };
  std::size_t end = 0;
  double v = 0;
  try {
    v = std::stod(text, &end);
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit = text.substr(end);
  if (unit.size() > 2 && unit.ends_with("iB")) unit.resize(unit.size() - 2);  // MiB
  else if (unit.ends_with("B")) unit.pop_back();                             // MB, B
  double scale = 1;
  if (unit == "K" || unit == "k") scale = 1024.0;
  else if (unit == "M" || unit == "m") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty()) throw bad();
  if (!(v > 0) || v * scale > 9.0e18) throw bad();
  return static_cast<std::int64_t>(v * scale);
}

std::string format_bytes(std::int64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace tessera
