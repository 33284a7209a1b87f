// Interleaved pixels to channel planes and back, for row stages and tile loops that work plane
// by plane (channel_loops.cpp; simd/simd.hpp). split_channels / merge_channels do a whole row:
// the vector loop, then the rest pixel by pixel.
#pragma once

#include <cstddef>
#include <cstring>

#include <opencv2/core/hal/interface.h>

namespace tessera::detail {

/// Each loop handles cn = 2, 3 or 4 channels and returns the pixels done (0 for other cn).
struct ChannelLoops {
  int (*split_u8)(const uchar* src, uchar* const* planes, int cn, int n);
  int (*split_u16)(const ushort* src, ushort* const* planes, int cn, int n);
  int (*split_f32)(const float* src, float* const* planes, int cn, int n);
  int (*merge_u8)(const uchar* const* planes, uchar* dst, int cn, int n);
  int (*merge_u16)(const ushort* const* planes, ushort* dst, int cn, int n);
  int (*merge_f32)(const float* const* planes, float* dst, int cn, int n);
};
const ChannelLoops& channel_loops();

/// planes[c][x] = src[x * cn + c] for n pixels (u8, u16 or f32; any cn >= 1).
template <class T>
void split_channels(const T* src, T* const* planes, int cn, int n) {
  if (n <= 0) return;
  if (cn == 1) {
    std::memcpy(planes[0], src, static_cast<std::size_t>(n) * sizeof(T));
    return;
  }
  int x = 0;
  if constexpr (sizeof(T) == 1)
    x = channel_loops().split_u8(src, planes, cn, n);
  else if constexpr (sizeof(T) == 2)
    x = channel_loops().split_u16(src, planes, cn, n);
  else
    x = channel_loops().split_f32(src, planes, cn, n);
  for (; x < n; ++x)
    for (int c = 0; c < cn; ++c) planes[c][x] = src[x * cn + c];
}

/// dst[x * cn + c] = planes[c][x] for n pixels.
template <class T>
void merge_channels(const T* const* planes, T* dst, int cn, int n) {
  if (n <= 0) return;
  if (cn == 1) {
    std::memcpy(dst, planes[0], static_cast<std::size_t>(n) * sizeof(T));
    return;
  }
  int x = 0;
  if constexpr (sizeof(T) == 1)
    x = channel_loops().merge_u8(planes, dst, cn, n);
  else if constexpr (sizeof(T) == 2)
    x = channel_loops().merge_u16(planes, dst, cn, n);
  else
    x = channel_loops().merge_f32(planes, dst, cn, n);
  for (; x < n; ++x)
    for (int c = 0; c < cn; ++c) dst[x * cn + c] = planes[c][x];
}

}  // namespace tessera::detail
