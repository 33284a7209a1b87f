#include "tessera/pipeline.hpp"

#include <cctype>
#include <functional>
#include <sstream>

#include "kernel/spec_words.hpp"
#include "tessera/error.hpp"

namespace tessera {

namespace {

/// Without leading and trailing white space: every character std::isspace names, as the
/// tokenizer splits on (a stage of form feeds is empty, not a stage without a name).
std::string trim(const std::string& s) {
  constexpr const char* kSpace = " \t\n\v\f\r";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

}  // namespace

NodeId Pipeline::add(KernelPtr kernel, std::vector<NodeId> inputs, std::string label) {
  if (!kernel) throw UsageError("Pipeline::add: null kernel");
  const NodeId id = static_cast<NodeId>(nodes_.size()) + 1;
  if (inputs.empty() && kernel->arity() == 1) inputs.push_back(id - 1);
  else chain_ = false;
  if (label.empty()) label = "node " + std::to_string(id) + " '" + kernel->name() + "'";
  stages_.push_back(kernel->name());
  nodes_.push_back(Node{std::move(kernel), std::move(inputs), std::move(label), {}});
  return id;
}

NodeId Pipeline::add_stage(std::vector<Step> steps, std::vector<NodeId> inputs, const std::string& label,
                           const std::string& spec) {
  const NodeId first = static_cast<NodeId>(nodes_.size()) + 1;
  const bool default_inputs = inputs.empty();
  if (default_inputs) inputs.push_back(first - 1);
  for (std::size_t s = 0; s < steps.size(); ++s) {
    std::vector<NodeId> ins;
    for (int in : steps[s].inputs) {
      if (in >= 0) {
        ins.push_back(first + in);
      } else if (static_cast<std::size_t>(-1 - in) < inputs.size()) {
        ins.push_back(inputs[static_cast<std::size_t>(-1 - in)]);
      } else {
        throw UsageError(label + ": takes " + std::to_string(-in) + " inputs, given " + std::to_string(inputs.size()));
      }
    }
    const bool last = s + 1 == steps.size();
    std::string node_label = label;
    if (!last)
      node_label += " (step " + std::to_string(s + 1) + " of " + std::to_string(steps.size()) + ": " +
                    steps[s].kernel->name() + ")";
    nodes_.push_back(Node{std::move(steps[s].kernel), std::move(ins), std::move(node_label), last ? spec : ""});
  }
  if (!default_inputs) chain_ = false;
  stages_.push_back(spec);
  return static_cast<NodeId>(nodes_.size());
}

NodeId Pipeline::add(const std::string& kernel_name, const std::map<std::string, std::string>& params,
                     std::vector<NodeId> inputs, const Registry& registry) {
  const NodeId id = static_cast<NodeId>(nodes_.size()) + 1;
  const std::string label = "node " + std::to_string(id) + " '" + kernel_name + "'";
  std::vector<Step> steps;
  try {
    steps = registry.steps(kernel_name, params);
  } catch (const UsageError& e) {
    throw UsageError(label + ": " + e.what());
  }
  std::string spec = kernel_name;
  for (const auto& [k, v] : params) spec += " " + k + "=" + v;
  return add_stage(std::move(steps), std::move(inputs), label, spec);
}

Pipeline Pipeline::example(const KernelInfo& kernel, const Registry& registry) {
  const auto params = kernel.example_params();
  const bool two_inputs = kernel.make && !kernel.expand && registry.make(kernel.name, params)->arity() == 2;
  Pipeline p;
  if (two_inputs) p.add(kernel.name, params, {kInput, kInput}, registry);
  else p.add(kernel.name, params, {}, registry);
  return p;
}

Pipeline Pipeline::parse(const std::string& spec, const Registry& registry) {
  Pipeline p;
  if (trim(spec).empty()) throw UsageError("empty pipeline spec: expected e.g. \"gaussian sigma=2 | threshold t=40\"");
  const auto stages = detail::split_outside_quotes(spec, '|', false, true, "pipeline spec: ");
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const std::string where = "stage " + std::to_string(i + 1);
    const std::string text = trim(stages[i]);
    if (text.empty()) throw UsageError(where + " is empty (two '|' in a row, or one at an end?)");
    const auto tokens = detail::split_outside_quotes(text, ' ', true, false, where + ": ");
    if (tokens.empty()) throw UsageError(where + " is empty (two '|' in a row, or one at an end?)");
    const std::string& name = tokens.front();
    const std::string label = where + " '" + name + "'";
    const auto params = detail::key_values(std::span(tokens).subspan(1), label + ": ");
    std::vector<Step> steps;
    try {
      steps = registry.steps(name, params);
    } catch (const UsageError& e) {
      throw UsageError(label + ": " + e.what());
    }
    for (const Step& st : steps)
      for (int in : st.inputs)
        if (in < -1)
          throw UsageError(label + ": takes " + std::to_string(-in) +
                           " inputs; a spec chain feeds one (build such pipelines in C++)");
    p.add_stage(std::move(steps), {}, label, text);
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
  std::ostringstream os;
  if (chain_) {  // a linear chain of stages prints as a spec
    for (std::size_t i = 0; i < stages_.size(); ++i) os << (i ? " | " : "") << stages_[i];
    return os.str();
  }
  // Other DAGs as "id=stage(inputs); ...".
  for (NodeId id = 1; id <= static_cast<NodeId>(nodes_.size()); ++id) {
    const Node& nd = node(id);
    os << (id > 1 ? "; " : "") << id << "=" << (nd.spec.empty() ? nd.kernel->name() : nd.spec) << "(";
    for (std::size_t i = 0; i < nd.inputs.size(); ++i) os << (i ? "," : "") << nd.inputs[i];
    os << ")";
  }
  return os.str();
}

}  // namespace tessera
