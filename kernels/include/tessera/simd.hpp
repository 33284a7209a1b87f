/// The vector instruction sets of the fused row loops, and which one runs.
///
/// Each row loop is built for the baseline (SSE2 on x86-64), AVX2 and AVX-512 and chosen at run
/// time: the widest level the CPU runs. Every level gives the same bits, so the level changes
/// only speed; capping it compares instruction sets in one process (bench_kernels does).
/// OPENCV_CPU_DISABLE (for example `AVX512_SKX` or `AVX2`) lowers the supported level as it
/// does OpenCV's own.
#pragma once

namespace tessera {

enum class SimdLevel { Baseline, Avx2, Avx512 };

/// "baseline", "avx2" or "avx512".
const char* to_string(SimdLevel level);

/// The widest level this build has and this CPU runs.
SimdLevel simd_supported();

/// The level the row loops use now: simd_supported() unless capped by set_simd_level.
SimdLevel simd_level();

/// Caps the level at `cap` for every later row (runs in flight switch between rows, with the
/// same bits) and returns the level now in use: the lower of `cap` and simd_supported().
SimdLevel set_simd_level(SimdLevel cap);

}  // namespace tessera
