#include "recycled.hpp"

#include "io/image_memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace tessera::detail {

namespace {

constexpr std::size_t kMinBytes = std::size_t{64} << 10;  // smaller blocks: the allocator reuses them well
constexpr std::size_t kMaxIdle = std::size_t{256} << 20;
constexpr std::size_t kHeader = 64;  // block capacity, stored before the pixels (keeps them 64-byte aligned)
constexpr std::size_t kPage = 4096;

/// A cv::MatAllocator whose blocks go to an idle list for reuse while some scope is alive.
/// Blocks are matched by capacity: a request takes the most recently freed idle block that
/// holds it without wasting more than a quarter (its pages are the likeliest still in cache).
class Recycler final : public cv::MatAllocator {
 public:
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, std::size_t* step, cv::AccessFlag,
                         cv::UMatUsageFlags) const override {
    const std::size_t total = dense_bytes(dims, sizes, type, data, step);
    uchar* pixels = data ? static_cast<uchar*>(data) : take(total);
    try {
      return new_umat_data(this, pixels, total, data != nullptr);
    } catch (...) {
      if (!data) std::free(pixels - kHeader);
      throw;
    }
  }

  bool allocate(cv::UMatData* u, cv::AccessFlag, cv::UMatUsageFlags) const override { return u != nullptr; }

  void deallocate(cv::UMatData* u) const override {
    if (!u) return;
    if (!(u->flags & cv::UMatData::USER_ALLOCATED)) give(u->origdata);
    delete u;
  }

  void enter() {
    std::lock_guard lock(mutex_);
    ++scopes_;
  }
  void leave() {
    std::vector<uchar*> drop;
    {
      std::lock_guard lock(mutex_);
      if (--scopes_ > 0) return;
      drop.swap(idle_);
      idle_bytes_ = 0;
    }
    for (uchar* p : drop) std::free(p - kHeader);
  }
  std::size_t idle_bytes() const {
    std::lock_guard lock(mutex_);
    return idle_bytes_;
  }

 private:
  static std::size_t& capacity(uchar* p) { return *reinterpret_cast<std::size_t*>(p - kHeader); }

  uchar* take(std::size_t bytes) const {
    {
      std::lock_guard lock(mutex_);
      for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        const std::size_t cap = capacity(*it);
        if (cap >= bytes && cap - bytes <= bytes / 4) {
          uchar* p = *it;
          idle_.erase(std::next(it).base());
          idle_bytes_ -= cap;
          return p;
        }
      }
    }
    const std::size_t cap = (bytes + kPage - 1) / kPage * kPage;
    void* base = std::aligned_alloc(kHeader, kHeader + cap);
    if (!base) throw std::bad_alloc();
    uchar* p = static_cast<uchar*>(base) + kHeader;
    capacity(p) = cap;
    return p;
  }

  void give(uchar* p) const {
    {
      std::lock_guard lock(mutex_);
      const std::size_t cap = capacity(p);
      // Small blocks (a Mat made here that was later re-created smaller) are not kept. Nor is
      // a block when the idle list cannot grow (this runs in ~Mat: it must not throw).
      bool keep = scopes_ > 0 && cap >= kMinBytes && cap <= kMaxIdle;
      if (keep) {
        try {
          idle_.push_back(p);
        } catch (...) {
          keep = false;
        }
      }
      if (!keep) {
        std::free(p - kHeader);
      } else {
        idle_bytes_ += cap;
        std::size_t n = 0;  // the oldest go first
        while (idle_bytes_ > kMaxIdle) {
          idle_bytes_ -= capacity(idle_[n]);
          std::free(idle_[n++] - kHeader);
        }
        idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
      }
    }
  }

  mutable std::mutex mutex_;
  mutable std::vector<uchar*> idle_;  // oldest first
  mutable std::size_t idle_bytes_ = 0;
  int scopes_ = 0;
};

/// Never destroyed: Mats released during static destruction still find it.
Recycler& recycler() {
  static Recycler* r = new Recycler;
  return *r;
}

}  // namespace

cv::Mat recycled_mat(int rows, int cols, int type) {
  cv::Mat m;
  if (static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * CV_ELEM_SIZE(type) >= kMinBytes)
    m.allocator = &recycler();
  m.create(rows, cols, type);
  return m;
}

void recycled_create(cv::Mat& m, int rows, int cols, int type) {
  if (m.dims == 2 && m.rows == rows && m.cols == cols && m.type() == type) return;
  m = recycled_mat(rows, cols, type);
}

RecyclingScope::RecyclingScope() { recycler().enter(); }
RecyclingScope::~RecyclingScope() { recycler().leave(); }

std::size_t recycled_idle_bytes() { return recycler().idle_bytes(); }

}  // namespace tessera::detail
