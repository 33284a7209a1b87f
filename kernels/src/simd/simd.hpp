// Vector loops of the row stages, chosen at run time. Each family writes its loops once, with
// OpenCV's universal intrinsics, in a <name>_loops.cpp file beside its row stages. CMake
// (tessera_simd_loops in kernels/CMakeLists.txt) compiles that file twice: for the baseline
// instruction set (SSE2 on x86-64) and for AVX2 (with FMA3, F16C, POPCNT and SSE4.2). The file
// ends with TESSERA_SIMD_TABLE (simd/variant.hpp), which gives each build a table of function
// pointers and defines the family's accessor: the AVX2 table on a CPU that has all of those
// features, the baseline one elsewhere.
//
// Every loop does a whole row, whole vectors at a time, the last vector moved back to end at
// the row's end, and returns the number of elements done: 0 for a row shorter than a vector,
// or where the variant has no such loop. The stage's scalar loop does the rest with the same
// arithmetic.
#pragma once

namespace tessera::detail::simd {

/// True when the CPU has every feature the AVX2 variant is compiled for.
bool cpu_has_avx2_level();

/// The AVX2 table when it was built (`avx2` not null) and the CPU can run it, else `baseline`.
template <class Table>
const Table& choose(const Table* avx2, const Table& baseline) {
  return avx2 && cpu_has_avx2_level() ? *avx2 : baseline;
}

}  // namespace tessera::detail::simd
