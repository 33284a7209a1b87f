/// Pipeline: a DAG of kernel nodes with typed edges, validated before it runs; built in C++ or parsed from a spec.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/kernel.hpp"
#include "tessera/registry.hpp"

namespace tessera {

/// Node 0 is the pipeline's input image; kernel nodes are numbered from 1.
using NodeId = int;

/// One kernel node: the kernel and the nodes feeding each of its inputs.
struct Node {
  KernelPtr kernel;
  std::vector<NodeId> inputs;
  std::string label;  ///< how errors name it, e.g. "stage 2 'gaussian'"
  /// The stage as text, e.g. "gaussian sigma=2"; empty for C++-built kernels and for the
  /// inner nodes of a composite stage (its last node carries the text).
  std::string spec;
};

/// A registry kernel by name, with its parameters written as a spec writes them ("sigma" ->
/// "2"): what the typed ops of tessera/ops.hpp convert to. Pipeline::add checks it exactly as
/// the spec parser checks a stage.
struct StageCall {
  std::string kernel;
  std::map<std::string, std::string> params;
};

/// Types and sizes of every node for a given input, as computed by Pipeline::validate.
struct PipelineShape {
  std::vector<PixelType> types;  ///< indexed by NodeId (0 = input)
  std::vector<Size> sizes;
  std::vector<NodeId> order;     ///< kernel nodes in a topological order
};

/// A DAG of kernels. Compose it, then hand it to tessera::run.
class Pipeline {
 public:
  static constexpr NodeId kInput = 0;

  /// Adds a kernel fed by `inputs` (default: the previous node, or the input for the
  /// first). Inputs may name nodes added later; validate() checks them. Returns its id.
  NodeId add(KernelPtr kernel, std::vector<NodeId> inputs = {}, std::string label = {});
  /// Adds a registry kernel by name with key=value parameters (a composite entry adds
  /// the nodes it expands into). Returns the id of the stage's output node.
  NodeId add(const std::string& kernel_name, const std::map<std::string, std::string>& params = {},
             std::vector<NodeId> inputs = {}, const Registry& registry = Registry::builtin());
  /// The same for a stage given as a StageCall, e.g. a typed op:
  /// `p.add(tessera::ops::gaussian{.sigma = 2})`.
  NodeId add(const StageCall& stage, std::vector<NodeId> inputs = {}, const Registry& registry = Registry::builtin()) {
    return add(stage.kernel, stage.params, std::move(inputs), registry);
  }
  /// The node whose image is the pipeline's result (default: the last added).
  void set_output(NodeId id) { output_ = id; }
  NodeId output() const { return output_ < 0 ? static_cast<NodeId>(nodes_.size()) : output_; }

  /// Parses a linear chain "name k=v ... | name k=v ...". Throws UsageError naming the
  /// stage and the problem.
  static Pipeline parse(const std::string& spec, const Registry& registry = Registry::builtin());
  /// The registry entry `kernel` alone, with its example parameters; a kernel of two inputs
  /// reads the input twice.
  static Pipeline example(const KernelInfo& kernel, const Registry& registry = Registry::builtin());

  /// Checks the graph (node ids exist, arities match, no cycle, output reachable) and the
  /// types and sizes flowing along every edge for an input of `type` and `size`.
  /// Throws UsageError naming the stage and the value.
  PipelineShape validate(PixelType type, Size size) const;

  std::size_t size() const { return nodes_.size(); }
  const Node& node(NodeId id) const { return nodes_.at(static_cast<std::size_t>(id - 1)); }
  /// The pipeline written back as a spec string (linear chains) or a node list.
  std::string str() const;

 private:
  NodeId add_stage(std::vector<Step> steps, std::vector<NodeId> inputs, const std::string& label,
                   const std::string& spec);

  std::vector<Node> nodes_;
  NodeId output_ = -1;
  std::vector<std::string> stages_;  ///< each add() as text, for str()
  bool chain_ = true;                ///< every stage fed by the one before (prints as a spec)
};

}  // namespace tessera
