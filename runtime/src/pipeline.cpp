#include "tessera/pipeline.hpp"

#include <cctype>
#include <functional>
#include <sstream>

#include "tessera/error.hpp"

namespace tessera {

namespace {

/// Splits `text` on `sep` (or on runs of white space) outside single or double quotes.
/// Quotes are kept in the parts when `keep_quotes`, removed otherwise. Throws on an
/// unclosed quote.
std::vector<std::string> split_outside_quotes(const std::string& text, char sep, bool on_space, bool keep_quotes,
                                              const std::string& where) {
  std::vector<std::string> parts;
  std::string cur;
  char quote = 0;
  bool any = false;
  for (char c : text) {
    if (quote) {
      const bool closing = c == quote;
      if (closing) quote = 0;
      if (!closing || keep_quotes) cur += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      any = true;
      if (keep_quotes) cur += c;
      continue;
    }
    const bool is_sep = on_space ? std::isspace(static_cast<unsigned char>(c)) != 0 : c == sep;
    if (is_sep) {
      if (!on_space || any || !cur.empty()) parts.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    cur += c;
  }
  if (quote) throw UsageError(where + "unclosed quote " + std::string(1, quote));
  if (!on_space || any || !cur.empty()) parts.push_back(cur);
  return parts;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

NodeId Pipeline::add(KernelPtr kernel, std::vector<NodeId> inputs, std::string label) {
  if (!kernel) throw UsageError("Pipeline::add: null kernel");
  const NodeId id = static_cast<NodeId>(nodes_.size()) + 1;
  if (inputs.empty() && kernel->arity() == 1) inputs.push_back(id - 1);
  if (label.empty()) label = "node " + std::to_string(id) + " '" + kernel->name() + "'";
  nodes_.push_back(Node{std::move(kernel), std::move(inputs), std::move(label), {}});
  return id;
}

NodeId Pipeline::add(const std::string& kernel_name, const std::map<std::string, std::string>& params,
                     std::vector<NodeId> inputs, const Registry& registry) {
  const NodeId id = static_cast<NodeId>(nodes_.size()) + 1;
  const std::string label = "node " + std::to_string(id) + " '" + kernel_name + "'";
  KernelPtr kernel;
  try {
    kernel = registry.make(kernel_name, params);
  } catch (const UsageError& e) {
    throw UsageError(label + ": " + e.what());
  }
  std::string spec = kernel_name;
  for (const auto& [k, v] : params) spec += " " + k + "=" + v;
  add(std::move(kernel), std::move(inputs), label);
  nodes_.back().spec = spec;
  return id;
}

Pipeline Pipeline::parse(const std::string& spec, const Registry& registry) {
  Pipeline p;
  if (trim(spec).empty()) throw UsageError("empty pipeline spec: expected e.g. \"gaussian sigma=2 | threshold t=40\"");
  const auto stages = split_outside_quotes(spec, '|', false, true, "pipeline spec: ");
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const std::string where = "stage " + std::to_string(i + 1);
    const std::string text = trim(stages[i]);
    if (text.empty()) throw UsageError(where + " is empty (two '|' in a row, or one at an end?)");
    const auto tokens = split_outside_quotes(text, ' ', true, false, where + ": ");
    const std::string& name = tokens.at(0);
    const std::string label = where + " '" + name + "'";
    std::map<std::string, std::string> params;
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      const auto eq = tokens[t].find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError(label + ": '" + tokens[t] + "' is not key=value");
      const std::string key = tokens[t].substr(0, eq);
      if (!params.emplace(key, tokens[t].substr(eq + 1)).second)
        throw UsageError(label + ": parameter '" + key + "' given twice");
    }
    KernelPtr kernel;
    try {
      kernel = registry.make(name, params);
    } catch (const UsageError& e) {
      throw UsageError(label + ": " + e.what());
    }
    if (kernel->arity() != 1)
      throw UsageError(label + ": takes " + std::to_string(kernel->arity()) +
                       " inputs; a spec chain feeds one (build such pipelines in C++)");
    p.add(std::move(kernel), {}, label);
    p.nodes_.back().spec = text;
  }
  return p;
}

PipelineShape Pipeline::validate(PixelType type, Size size) const {
  if (nodes_.empty()) throw UsageError("the pipeline has no stages");
  const NodeId n = static_cast<NodeId>(nodes_.size());
  const NodeId out = output();
  if (out < 1 || out > n) throw UsageError("pipeline output node " + std::to_string(out) + " does not exist");
  for (NodeId id = 1; id <= n; ++id) {
    const Node& nd = node(id);
    if (static_cast<int>(nd.inputs.size()) != nd.kernel->arity())
      throw UsageError(nd.label + ": has " + std::to_string(nd.inputs.size()) + " inputs, expected " +
                       std::to_string(nd.kernel->arity()));
    for (NodeId in : nd.inputs)
      if (in < 0 || in > n)
        throw UsageError(nd.label + ": input node " + std::to_string(in) + " does not exist");
  }
  // Depth-first from the output: detects cycles and yields a topological order of the
  // nodes that the output depends on.
  PipelineShape shape;
  std::vector<int> state(static_cast<std::size_t>(n) + 1, 0);  // 0 new, 1 on stack, 2 done
  std::function<void(NodeId)> visit = [&](NodeId id) {
    if (id == kInput || state[id] == 2) return;
    if (state[id] == 1) throw UsageError("the pipeline has a cycle through " + node(id).label);
    state[id] = 1;
    for (NodeId in : node(id).inputs) visit(in);
    state[id] = 2;
    shape.order.push_back(id);
  };
  visit(out);

  shape.types.assign(static_cast<std::size_t>(n) + 1, PixelType{});
  shape.sizes.assign(static_cast<std::size_t>(n) + 1, Size{});
  shape.types[0] = type;
  shape.sizes[0] = size;
  for (NodeId id : shape.order) {
    const Node& nd = node(id);
    std::vector<PixelType> in_types;
    std::vector<Size> in_sizes;
    for (NodeId in : nd.inputs) {
      in_types.push_back(shape.types[in]);
      in_sizes.push_back(shape.sizes[in]);
    }
    try {
      shape.types[id] = nd.kernel->output_type(in_types);
      shape.sizes[id] = nd.kernel->output_size(in_sizes);
    } catch (const UsageError& e) {
      throw UsageError(nd.label + ": " + e.what());
    }
    if (shape.sizes[id].empty())
      throw UsageError(nd.label + ": output size " + to_string(shape.sizes[id]) + " is empty");
  }
  return shape;
}

std::string Pipeline::str() const {
  bool linear = true;
  for (NodeId id = 1; id <= static_cast<NodeId>(nodes_.size()); ++id) {
    const Node& nd = node(id);
    if (nd.inputs.size() != 1 || nd.inputs[0] != id - 1) linear = false;
  }
  // Linear chains print as a spec; other DAGs as "id=stage(inputs); ...".
  std::ostringstream os;
  for (NodeId id = 1; id <= static_cast<NodeId>(nodes_.size()); ++id) {
    const Node& nd = node(id);
    if (id > 1) os << (linear ? " | " : "; ");
    if (!linear) os << id << "=";
    os << (nd.spec.empty() ? nd.kernel->name() : nd.spec);
    if (linear) continue;
    os << "(";
    for (std::size_t i = 0; i < nd.inputs.size(); ++i) os << (i ? "," : "") << nd.inputs[i];
    os << ")";
  }
  return os.str();
}

}  // namespace tessera
