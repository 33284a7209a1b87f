// Recycled pixel buffers for what a tile task hands on: the region a streamed source reads
// for it, and the output tile it gives the sink. Unlike scratch memory (scratch.hpp), these
// outlive the task that made them and are released on another thread (the sink's), so they
// are reference-counted cv::Mats whose memory goes back to a shared pool when the last
// reference goes.
//
// Fresh memory for every tile costs more than the copy into it: glibc gives blocks of a
// megabyte and more back to the kernel on free, so every tile pays the page faults and page
// zeroing of its buffers again (TIFF to TIFF P1 at 1024² tiles: 34,000 page faults against
// 11,000 with reuse; bench/RESULTS.md, "Streaming: recycled tile buffers").
#pragma once

#include <opencv2/core/mat.hpp>

namespace tessera::detail {

/// A rows x cols image of `type` (any size; small ones come straight from the allocator)
/// whose memory is kept for reuse when its last reference goes while a RecyclingScope is
/// alive, and freed otherwise. The Mat keeps the recycling allocator: a later create() on
/// it (or a copy of it) allocates through it too (blocks under 64 KiB are then not kept).
cv::Mat recycled_mat(int rows, int cols, int type);

/// m.create(rows, cols, type), but new memory comes from recycled_mat().
void recycled_create(cv::Mat& m, int rows, int cols, int type);

/// Keeps the buffers of recycled_mat() for reuse while alive: one per pass being executed.
/// Scopes may overlap (concurrent runs on several threads). When the last one ends, the idle
/// buffers are freed, so nothing stays allocated between runs. At most 256 MiB is kept idle.
class RecyclingScope {
 public:
  RecyclingScope();
  ~RecyclingScope();
  RecyclingScope(const RecyclingScope&) = delete;
  RecyclingScope& operator=(const RecyclingScope&) = delete;
};

/// Bytes held idle for reuse now (tests).
std::size_t recycled_idle_bytes();

}  // namespace tessera::detail
