// with_row_stages: attaches row stages to an existing kernel without changing anything else.
#include "common/row_kernels.hpp"

namespace tessera::detail {

namespace {

/// `base` with row_stages() added.
class WithRows final : public ForwardingKernel {
 public:
  WithRows(KernelPtr base, RowFactory rows) : ForwardingKernel(std::move(base)), rows_(std::move(rows)) {}
  std::vector<RowStagePtr> row_stages(const PixelType& in, Size in_size) const override {
    return rows_(in, in_size);
  }

 private:
  RowFactory rows_;
};

}  // namespace

KernelPtr with_row_stages(KernelPtr base, RowFactory rows) {
  return std::make_shared<WithRows>(std::move(base), std::move(rows));
}

RowFactory u8_rows(RowStagePtr stage) {
  return [stage = std::move(stage)](const PixelType& in, Size) {
    return in.depth == CV_8U && stage ? std::vector<RowStagePtr>{stage} : std::vector<RowStagePtr>{};
  };
}

RowFactory depth_rows(std::map<int, std::vector<RowStagePtr>> stages) {
  for (auto it = stages.begin(); it != stages.end();) {
    bool complete = !it->second.empty();
    for (const RowStagePtr& s : it->second) complete = complete && s;
    it = complete ? std::next(it) : stages.erase(it);
  }
  return [stages = std::move(stages)](const PixelType& in, Size) {
    const auto it = stages.find(in.depth);
    return it == stages.end() ? std::vector<RowStagePtr>{} : it->second;
  };
}

RowFactory pointwise_rows(RowStagePtr u8, std::function<RowStagePtr(int depth)> other) {
  return [u8 = std::move(u8), other = std::move(other)](const PixelType& in, Size) {
    const RowStagePtr stage = in.depth == CV_8U && u8 ? u8 : other(in.depth);
    return stage ? std::vector<RowStagePtr>{stage} : std::vector<RowStagePtr>{};
  };
}

}  // namespace tessera::detail
