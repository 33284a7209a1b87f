#include "tessera/registry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <mutex>
#include <sstream>

#include "kernel/spec_words.hpp"
#include "tessera/cli_support.hpp"
#include "tessera/error.hpp"

namespace tessera {

namespace {

/// The shortest text that reads back as `v`: integers exactly (1048576, 1073741824), round
/// powers of ten short (1e+06), fractions without noise digits (0.0625, 0.1).
std::string format_number(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

bool parse_int(const std::string& s, std::int64_t& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  std::istringstream is(s);
  is.imbue(std::locale::classic());
  is >> out;
  return !is.fail() && is.eof() && std::isfinite(out);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string ParamSpec::range_str() const {
  switch (type) {
    case ParamType::Choice: {
      std::string s;
      for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
      return s;
    }
    case ParamType::Text: return "text";
    case ParamType::Int:
    case ParamType::Float: {
      const bool lo = min > -1e299, hi = max < 1e299;
      if (lo && hi && !min_exclusive) return format_number(min) + ".." + format_number(max);
      if (lo && hi) return "> " + format_number(min) + ", <= " + format_number(max);
      if (lo) return (min_exclusive ? "> " : ">= ") + format_number(min);
      if (hi) return "<= " + format_number(max);
      return "any";
    }
  }
  return "";
}

std::map<std::string, std::string> KernelInfo::example_params() const {
  const std::string where = name + " example '" + example + "': ";
  return detail::key_values(detail::split_outside_quotes(example, ' ', true, false, where), where);
}

std::int64_t Params::integer(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("parameter '" + name + "' is not set");
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  throw UsageError("parameter '" + name + "' is not an integer");
}

double Params::number(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("parameter '" + name + "' is not set");
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*v);
  if (const auto* v = std::get_if<double>(&it->second)) return *v;
  throw UsageError("parameter '" + name + "' is not a number");
}

const std::string& Params::text(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("parameter '" + name + "' is not set");
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  throw UsageError("parameter '" + name + "' is not text");
}

std::optional<std::string> closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_d || (c.rfind(name, 0) == 0 && !name.empty() && d < best_d + 4)) {
      best_d = std::min(d, best_d);
      best = c;
    }
  }
  return best;
}

void Registry::add(KernelInfo info) {
  if (info.name.empty()) throw UsageError("a kernel needs a name");
  if (!info.make == !info.expand)
    throw UsageError("kernel '" + info.name + "' needs exactly one of make (a kernel) and expand (a composite)");
  if (info.types.depths.empty() || info.types.channels.empty())
    throw UsageError("kernel '" + info.name + "' lists no input types");
  const std::string name = info.name;
  if (!entries_.emplace(name, std::move(info)).second)
    throw UsageError("kernel '" + name + "' is already registered");
}

const KernelInfo* Registry::find(const std::string& name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

const KernelInfo& Registry::at(const std::string& name) const {
  if (const KernelInfo* k = find(name)) return *k;
  std::vector<std::string> names;
  for (const auto& [n, _] : entries_) names.push_back(n);
  std::string msg = "unknown kernel '" + name + "'";
  if (auto best = closest_name(name, names)) msg += " (did you mean '" + *best + "'?)";
  else msg += "; 'tessera kernels' lists them";
  throw UsageError(msg);
}

std::vector<const KernelInfo*> Registry::entries() const {
  std::vector<const KernelInfo*> out;
  for (const auto& [_, info] : entries_) out.push_back(&info);
  return out;
}

Params Registry::parse_params(const KernelInfo& info, const std::map<std::string, std::string>& raw) const {
  for (const auto& entry : raw) {
    const std::string& key = entry.first;  // (clang 14 cannot capture a structured binding)
    const bool known = std::any_of(info.params.begin(), info.params.end(),
                                   [&](const ParamSpec& p) { return p.name == key; });
    if (known) continue;
    std::vector<std::string> names;
    for (const auto& p : info.params) names.push_back(p.name);
    std::string msg = "unknown parameter '" + key + "'";
    if (auto best = closest_name(key, names)) msg += " (did you mean '" + *best + "'?)";
    if (names.empty()) msg += "; " + info.name + " takes no parameters";
    else {
      msg += "; " + info.name + " takes";
      for (const auto& n : names) msg += " " + n;
    }
    throw UsageError(msg);
  }
  Params params;
  for (const ParamSpec& p : info.params) {
    const auto it = raw.find(p.name);
    if (it == raw.end() && !p.default_value) throw UsageError("missing parameter " + p.name + "= (" + p.help + ")");
    const std::string& text = it != raw.end() ? it->second : *p.default_value;
    const std::string shown = p.name + "=" + text;
    switch (p.type) {
      case ParamType::Int:
      case ParamType::Float: {
        double v = 0;
        std::int64_t iv = 0;
        if (p.type == ParamType::Int) {
          if (!parse_int(text, iv)) throw UsageError(shown + " is not an integer");
          v = static_cast<double>(iv);
        } else if (!parse_double(text, v)) {
          throw UsageError(shown + " is not a number");
        }
        const bool below = p.min_exclusive ? v <= p.min : v < p.min;
        if (below || v > p.max) throw UsageError(shown + " is out of range: must be " + p.range_str());
        if (p.type == ParamType::Int) params.set(p.name, iv);
        else params.set(p.name, v);
        break;
      }
      case ParamType::Choice:
        if (std::find(p.choices.begin(), p.choices.end(), text) == p.choices.end())
          throw UsageError(shown + " is not one of " + p.range_str());
        params.set(p.name, text);
        break;
      case ParamType::Text:
        params.set(p.name, text);
        break;
    }
  }
  return params;
}

KernelPtr Registry::make(const std::string& name, const std::map<std::string, std::string>& raw) const {
  const KernelInfo& info = at(name);
  if (!info.make)
    throw UsageError("'" + name + "' is a composite of several kernels: add it to a Pipeline by name instead");
  return info.make(parse_params(info, raw));
}

std::vector<Step> Registry::steps(const std::string& name, const std::map<std::string, std::string>& raw) const {
  const KernelInfo& info = at(name);
  const Params params = parse_params(info, raw);
  if (info.make) {
    KernelPtr k = info.make(params);
    std::vector<int> inputs;
    for (int i = 0; i < k->arity(); ++i) inputs.push_back(-1 - i);
    return {Step{std::move(k), std::move(inputs)}};
  }
  std::vector<Step> steps = info.expand(params);
  if (steps.empty()) throw UsageError("composite '" + name + "' expanded to no kernels");
  for (std::size_t s = 0; s < steps.size(); ++s)
    for (int in : steps[s].inputs)
      if (in >= static_cast<int>(s)) throw UsageError("composite '" + name + "': step " + std::to_string(s) + " reads a later step");
  return steps;
}

std::vector<PixelType> TypeSet::all() const {
  std::vector<PixelType> out;
  for (int d : depths)
    for (int c : channels) out.push_back({d, c});
  return out;
}

bool TypeSet::contains(const PixelType& t) const {
  return std::find(depths.begin(), depths.end(), t.depth) != depths.end() &&
         std::find(channels.begin(), channels.end(), t.channels) != channels.end();
}

std::string TypeSet::str() const {
  std::string out;
  for (int d : depths) {
    if (!out.empty()) out += '/';
    out += PixelType::depth_name(d);
  }
  out += " x ";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(channels[i]);
  }
  return out;
}

}  // namespace tessera
