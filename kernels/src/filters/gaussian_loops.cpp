// Vector loops of the 8-bit Gaussian row stages (gaussian_rows.cpp).
// Compiled once per vector variant by tessera_simd_loops (kernels/CMakeLists.txt, simd/simd.hpp),
// never on its own.
#include "filters/gaussian_loops.hpp"

#if TESSERA_SIMD_ENABLED
namespace tessera::detail::TESSERA_SIMD_VARIANT {
namespace {

/// Mirrored pixels are added first (at most 510 * 128: still 16 bits), then the sum is
/// stored minus kGaussianBias.
int gaussian_h(const uchar* centre, short* dst, int n, int cn, const int* taps, int r) {
  if (r > kGaussianMaxSimdRadius) return 0;
  v_uint16 k[kGaussianMaxSimdRadius + 1];
  for (int i = 0; i <= r; ++i) k[i] = vx_setall_u16(static_cast<ushort>(taps[i]));
  const v_uint16 bias = vx_setall_u16(kGaussianBias);
  int e = 0;
  for (; e < n; e += v_uint16::nlanes) {
    if (!last_vector(e, n, v_uint16::nlanes)) break;
    v_uint16 acc = v_mul_wrap(vx_load_expand(centre + e), k[0]);
    for (int i = 1; i <= r; ++i)
      acc += v_mul_wrap(vx_load_expand(centre + e - i * cn) + vx_load_expand(centre + e + i * cn), k[i]);
    v_store(dst + e, v_reinterpret_as_s16(acc ^ bias));
  }
  return e;
}

/// Two rows at a time: zip them and multiply-add with the pair of taps (v_dotprod); the
/// last row of an odd count pairs with itself under weight 0.
int gaussian_v(const short* const* rows, uchar* dst, int n, const int* taps, int count) {
  if (count > 2 * kGaussianMaxSimdRadius + 1) return 0;
  const int pairs = (count + 1) / 2;
  v_int16 k[kGaussianMaxSimdRadius + 1];
  for (int p = 0; p < pairs; ++p) {
    const unsigned k1 = 2 * p + 1 < count ? static_cast<unsigned>(taps[2 * p + 1]) : 0u;
    k[p] = v_reinterpret_as_s16(vx_setall_u32(static_cast<unsigned>(taps[2 * p]) | k1 << 16));
  }
  const v_int32 add = vx_setall_s32(256 * kGaussianBias + (1 << 15));
  int e = 0;
  for (; e < n; e += v_int16::nlanes) {
    if (!last_vector(e, n, v_int16::nlanes)) break;
    v_int32 lo = add, hi = add;
    for (int p = 0; p < pairs; ++p) {
      const short* second = rows[2 * p + 1 < count ? 2 * p + 1 : 2 * p];
      v_int16 z0, z1;
      v_zip(vx_load(rows[2 * p] + e), vx_load(second + e), z0, z1);
      lo += v_dotprod(z0, k[p]);
      hi += v_dotprod(z1, k[p]);
    }
    v_pack_u_store(dst + e, v_pack(v_shr<16>(lo), v_shr<16>(hi)));
  }
  return e;
}

}  // namespace
}  // namespace tessera::detail::TESSERA_SIMD_VARIANT
#endif

TESSERA_SIMD_TABLE(GaussianLoops, gaussian_loops, {gaussian_h, gaussian_v})
