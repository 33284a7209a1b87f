#include "scratch.hpp"

#include "tessera/kernel.hpp"

#include <algorithm>

namespace tessera::detail {

namespace {

thread_local ScratchScope* current_scope = nullptr;

std::size_t capacity(const cv::Mat& buffer) { return static_cast<std::size_t>(buffer.cols); }

}  // namespace

cv::Mat ScratchPool::take(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (capacity(*it) >= bytes && capacity(*it) <= 2 * bytes &&
          (best == free_.end() || capacity(*it) < capacity(*best)))
        best = it;
    if (best != free_.end()) {
      cv::Mat buffer = std::move(*best);
      free_.erase(best);
      return buffer;
    }
  }
  return cv::Mat(1, static_cast<int>(std::max<std::size_t>(bytes, 1)), CV_8U);
}

void ScratchPool::give(cv::Mat buffer) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(buffer));
}

void ScratchPool::clear() {
  std::lock_guard lock(mutex_);
  free_.clear();
}

ScratchScope::ScratchScope(ScratchPool* pool) : pool_(pool), outer_(current_scope) { current_scope = this; }

ScratchScope::~ScratchScope() {
  current_scope = outer_;
  if (pool_)
    for (cv::Mat& buffer : held_) pool_->give(std::move(buffer));
}

cv::Mat ScratchScope::mat(int rows, int cols, int type) {
  const std::size_t bytes = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * CV_ELEM_SIZE(type);
  // Beyond 2^31 bytes a 1 x n buffer cannot hold it: plain memory then (tiles that big are rare).
  if (!pool_ || bytes >= (std::size_t{1} << 31)) return cv::Mat(rows, cols, type);
  held_.push_back(pool_->take(bytes));
  return cv::Mat(rows, cols, type, held_.back().data);
}

ScratchScope* ScratchScope::current() { return current_scope; }

cv::Mat scratch_mat(int rows, int cols, int type) {
  ScratchScope* scope = ScratchScope::current();
  return scope ? scope->mat(rows, cols, type) : cv::Mat(rows, cols, type);
}

}  // namespace tessera::detail

cv::Mat tessera::tile_scratch(int rows, int cols, int type) { return detail::scratch_mat(rows, cols, type); }
