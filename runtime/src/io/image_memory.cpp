#include "image_memory.hpp"

#include <sys/mman.h>

#include <cstdint>

#include <opencv2/core.hpp>

namespace tessera::detail {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

/// Maps `bytes` (a multiple of kHugePage) at a 2 MiB boundary: maps one huge page more,
/// then unmaps the slack before and after the aligned range.
void* map_aligned(std::size_t bytes) {
  const std::size_t len = bytes + kHugePage;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = round_up(base, kHugePage);
  if (aligned > base) munmap(p, aligned - base);
  if (const std::size_t tail = base + len - (aligned + bytes); tail > 0)
    munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* a = reinterpret_cast<void*>(aligned);
  madvise(a, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages are 4 KiB
  return a;
}

class HugePageAllocator final : public cv::MatAllocator {
 public:
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, std::size_t* step, cv::AccessFlag,
                         cv::UMatUsageFlags) const override {
    const std::size_t total = dense_bytes(dims, sizes, type, data, step);
    void* p = data;
    if (!p) {
      p = map_aligned(round_up(total, kHugePage));
      if (!p) CV_Error(cv::Error::StsNoMem, "tessera: cannot map " + std::to_string(total) + " bytes for an image");
    }
    return new_umat_data(this, p, total, data != nullptr);
  }

  bool allocate(cv::UMatData* u, cv::AccessFlag, cv::UMatUsageFlags) const override { return u != nullptr; }

  void deallocate(cv::UMatData* u) const override {
    if (!u) return;
    CV_Assert(u->urefcount == 0 && u->refcount == 0);
    if (!(u->flags & cv::UMatData::USER_ALLOCATED)) munmap(u->origdata, round_up(u->size, kHugePage));
    delete u;
  }
};

}  // namespace

std::size_t dense_bytes(int dims, const int* sizes, int type, const void* data, std::size_t* step) {
  std::size_t total = CV_ELEM_SIZE(type);
  for (int i = dims - 1; i >= 0; --i) {
    if (step) {
      if (data && step[i] != cv::Mat::AUTO_STEP) total = step[i];
      else step[i] = total;
    }
    total *= static_cast<std::size_t>(sizes[i]);
  }
  return total;
}

cv::UMatData* new_umat_data(const cv::MatAllocator* allocator, void* pixels, std::size_t total, bool user_allocated) {
  auto* u = new cv::UMatData(allocator);
  u->data = u->origdata = static_cast<uchar*>(pixels);
  u->size = total;
  if (user_allocated) u->flags |= cv::UMatData::USER_ALLOCATED;
  return u;
}

cv::MatAllocator* huge_page_allocator() {
  static HugePageAllocator allocator;
  return &allocator;
}

void create_image(cv::Mat& m, int rows, int cols, int type) {
  if (m.dims == 2 && m.rows == rows && m.cols == cols && m.type() == type && m.data) return;
  m.release();
  const std::size_t bytes = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * CV_ELEM_SIZE(type);
  m.allocator = bytes >= kHugePageImageBytes ? huge_page_allocator() : nullptr;
  m.create(rows, cols, type);
  m.allocator = nullptr;  // the buffer remembers its allocator; a later create() of this header need not
}

}  // namespace tessera::detail
