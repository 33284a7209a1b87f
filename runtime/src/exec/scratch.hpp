// Scratch memory for tile-at-a-time evaluation: the intermediate images of a tile live in
// buffers that a run reuses from tile to tile, instead of memory fresh from the allocator
// each time. Fresh memory is slow because the kernel maps and zeroes every new page
// (bench/RESULTS.md, "Tile at a time: page faults"), and glibc returns large blocks to the
// kernel on free, so without reuse every tile pays for its intermediates again.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace tessera::detail {

/// Byte buffers shared by the tile tasks of one run. Thread-safe.
class ScratchPool {
 public:
  /// A 1 x n byte buffer with bytes <= n <= 2 * bytes: the smallest free one that fits, or a
  /// new one (so that a small request does not hold on to a large buffer).
  cv::Mat take(std::size_t bytes);
  /// Returns a buffer from take() for later calls to reuse.
  void give(cv::Mat buffer);
  /// Frees the buffers not in use (between passes, whose tiles need other sizes).
  void clear();

 private:
  std::mutex mutex_;
  std::vector<cv::Mat> free_;
};

/// The scratch images of one tile evaluation. While it lives, it is the current scope of its
/// thread (scratch_mat() draws from it); it gives its buffers back to the pool when it ends.
/// Scopes nest: a tile task that another one's wait lets run on the same thread (as oneTBB
/// does inside OpenCV's own parallel loops) gets its own scope and buffers.
class ScratchScope {
 public:
  explicit ScratchScope(ScratchPool* pool);
  ~ScratchScope();
  ScratchScope(const ScratchScope&) = delete;
  ScratchScope& operator=(const ScratchScope&) = delete;

  /// A rows x cols image of `type` in a pooled buffer, valid until this scope ends.
  cv::Mat mat(int rows, int cols, int type);

  /// The innermost scope alive on this thread, or null.
  static ScratchScope* current();

 private:
  ScratchPool* pool_;
  ScratchScope* outer_;
  std::vector<cv::Mat> held_;
};

/// A rows x cols image of `type` that the caller uses only until the current tile is done:
/// from the current scratch scope, or newly allocated outside one.
cv::Mat scratch_mat(int rows, int cols, int type);

}  // namespace tessera::detail
