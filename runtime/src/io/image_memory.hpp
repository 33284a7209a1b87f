// Memory for whole images (outputs, materialised intermediates): large buffers are mapped
// with transparent huge pages, so that a fresh image costs one page fault per 2 MiB rather
// than per 4 KiB (bench/RESULTS.md: 64 MiB first touched in 230 ms with 4 KiB pages, 4 ms
// with huge pages, on the dev VM).
#pragma once

#include <opencv2/core/mat.hpp>

namespace tessera::detail {

/// For a cv::MatAllocator::allocate: the bytes of a dense array of `dims` dimensions, with
/// its steps written to `step` innermost first (a caller's own `data` keeps its given steps).
std::size_t dense_bytes(int dims, const int* sizes, int type, const void* data, std::size_t* step);

/// For a cv::MatAllocator::allocate: the UMatData of `pixels` (`total` bytes), owned by
/// `allocator` unless `user_allocated`.
cv::UMatData* new_umat_data(const cv::MatAllocator* allocator, void* pixels, std::size_t total, bool user_allocated);

/// Images of at least this many bytes get huge pages; smaller ones use OpenCV's allocator.
constexpr std::size_t kHugePageImageBytes = std::size_t{4} << 20;

/// The allocator behind create_image for large images: anonymous mappings aligned to 2 MiB
/// with madvise(MADV_HUGEPAGE) (a no-op where transparent huge pages are off).
cv::MatAllocator* huge_page_allocator();

/// Makes `m` a rows x cols image of `type`. Keeps its buffer when it already is one (as
/// cv::Mat::create does); otherwise allocates, with huge pages when it is large.
void create_image(cv::Mat& m, int rows, int cols, int type);

}  // namespace tessera::detail
