#include "plan.hpp"

#include <algorithm>

#include "tessera/error.hpp"

namespace tessera::detail {

namespace {

/// Global kernels run once on whole images.
bool is_whole(const Kernel& k) { return k.kernel_class() == KernelClass::Global; }
/// Kernels that need all of their input before producing any output tile.
bool starts_epoch(const Kernel& k) { return is_whole(k) || k.kernel_class() == KernelClass::ReduceThenMap; }

}  // namespace

Plan make_plan(const Pipeline& pipeline, const PipelineShape& shape) {
  Plan plan;
  plan.shape = shape;
  const std::size_t n = shape.types.size();
  // epoch: how many epoch-starting kernels lie on the longest path from the input.
  // Tileable nodes of one epoch can run in the same tiled passes.
  std::vector<int> epoch(n, 0);
  std::vector<bool> used(n, false), materialised(n, false);
  materialised[Pipeline::kInput] = true;
  materialised[static_cast<std::size_t>(pipeline.output())] = true;
  int max_epoch = 0;
  for (NodeId id : shape.order) {
    const Node& nd = pipeline.node(id);
    int e = 0;
    for (NodeId in : nd.inputs) e = std::max(e, epoch[in]);
    const bool starts = starts_epoch(*nd.kernel);
    if (nd.kernel->kernel_class() == KernelClass::ReduceThenMap && !dynamic_cast<const ReduceKernel*>(nd.kernel.get()))
      throw UsageError(nd.label + ": a ReduceThenMap kernel must derive from tessera::ReduceKernel");
    epoch[id] = starts ? e + 1 : e;
    max_epoch = std::max(max_epoch, epoch[id]);
    used[id] = true;
    if (is_whole(*nd.kernel)) materialised[id] = true;
    for (NodeId in : nd.inputs)
      if (starts || epoch[in] != epoch[id]) materialised[in] = true;
  }
  for (int e = 0; e <= max_epoch; ++e) {
    for (NodeId id : shape.order) {
      if (epoch[id] != e) continue;
      const Kernel& k = *pipeline.node(id).kernel;
      if (is_whole(k)) plan.passes.push_back({Pass::Kind::Whole, id, {id}, pipeline.node(id).inputs});
      if (k.kernel_class() == KernelClass::ReduceThenMap)
        plan.passes.push_back({Pass::Kind::Reduce, id, {id}, pipeline.node(id).inputs});
    }
    for (NodeId id : shape.order) {
      if (epoch[id] != e || !materialised[id] || is_whole(*pipeline.node(id).kernel)) continue;
      // The nodes this target needs back to materialised ones, in topological order.
      std::vector<bool> in_pass(n, false);
      in_pass[id] = true;
      Pass pass{Pass::Kind::Tiled, id, {}, {}};
      for (auto it = std::find(shape.order.rbegin(), shape.order.rend(), id); it != shape.order.rend(); ++it) {
        if (!in_pass[*it]) continue;
        for (NodeId in : pipeline.node(*it).inputs) {
          if (materialised[in]) {
            if (std::find(pass.inputs.begin(), pass.inputs.end(), in) == pass.inputs.end()) pass.inputs.push_back(in);
          } else {
            in_pass[in] = true;
          }
        }
      }
      for (NodeId m : shape.order)
        if (in_pass[m]) pass.nodes.push_back(m);
      plan.passes.push_back(std::move(pass));
    }
  }
  return plan;
}

}  // namespace tessera::detail
