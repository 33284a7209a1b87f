// Vector loops of the row stages, chosen at run time. Each family writes its loops once, with
// OpenCV's universal intrinsics, in a <name>_loops.cpp file beside its row stages. CMake
// (tessera_simd_loops in kernels/CMakeLists.txt) compiles that file three times: for the
// baseline instruction set (SSE2 on x86-64), for AVX2 (with FMA3, F16C, POPCNT and SSE4.2) and
// for AVX-512 (F, CD, BW, DQ, VL: OpenCV's AVX512_SKX), where the universal vectors are 512 bits.
// The file ends with TESSERA_SIMD_TABLE (simd/variant.hpp), which gives each build a table of
// function pointers and defines the family's accessor: the table of the level in use
// (tessera::simd_level(), tessera/simd.hpp), the widest one the CPU runs unless capped.
//
// Every loop does a whole row, whole vectors at a time, the last vector moved back to end at
// the row's end, and returns the number of elements done: 0 for a row shorter than a vector,
// or where the variant has no such loop. The stage's scalar loop does the rest with the same
// arithmetic. Every level gives the same bits.
#pragma once

#include <atomic>

namespace tessera::detail::simd {

/// The level in use, as a tessera::SimdLevel value (0 baseline, 1 AVX2, 2 AVX-512).
extern std::atomic<int> g_active_level;

inline int active_level() { return g_active_level.load(std::memory_order_relaxed); }

/// The table of the level in use; a level whose table was not built falls to the next one down.
template <class Table>
const Table& choose(const Table* avx512, const Table* avx2, const Table& baseline) {
  switch (active_level()) {
    case 2:
      if (avx512) return *avx512;
      [[fallthrough]];
    case 1:
      if (avx2) return *avx2;
      [[fallthrough]];
    default:
      return baseline;
  }
}

}  // namespace tessera::detail::simd
