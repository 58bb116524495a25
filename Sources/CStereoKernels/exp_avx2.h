// Shared by the kernels of CStereoKernels (not part of its interface): VectorMath's
// exponential of non-positive values for eight AVX2 lanes, the same operations in the same
// order as the Swift one (no contraction into FMAs: the pragma below holds for the including
// file from here on).
#ifndef C_STEREO_KERNELS_EXP_AVX2_H
#define C_STEREO_KERNELS_EXP_AVX2_H

#include "CStereoKernels.h"

#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

// VectorMath.expOfNonPositive for eight lanes, its constants given (see the header).
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 exp_of_non_positive(
  __m256 x, const float *k) {
  const __m256 lower = _mm256_set1_ps(k[WNET_EXP_LOWER_LIMIT]);
  const __m256 magic = _mm256_set1_ps(k[WNET_EXP_ROUNDING_MAGIC]);
  // simdMax(x, lower): lower > x ? lower : x (a NaN x stays NaN).
  __m256 clamped = _mm256_max_ps(lower, x);
  __m256 shifted = _mm256_add_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(k[WNET_EXP_LOG2E])), magic);
  __m256 n = _mm256_sub_ps(shifted, magic);
  __m256 r = _mm256_sub_ps(clamped, _mm256_mul_ps(n, _mm256_set1_ps(k[WNET_EXP_LN2_HIGH])));
  r = _mm256_add_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(k[WNET_EXP_LN2_EXCESS])));
  __m256 r2 = _mm256_mul_ps(r, r);
  __m256 p = _mm256_set1_ps(k[WNET_EXP_P0 + 5]);
  for (int i = 4; i >= 0; i--) {
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(k[WNET_EXP_P0 + i]));
  }
  p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, r2), r), _mm256_set1_ps(1));
  __m256i exponent = _mm256_sub_epi32(
    _mm256_castps_si256(shifted), _mm256_castps_si256(magic));
  __m256 scale = _mm256_castsi256_ps(
    _mm256_slli_epi32(_mm256_add_epi32(exponent, _mm256_set1_epi32(127)), 23));
  __m256 result = _mm256_mul_ps(p, scale);
  // 0 where x < lower (false for NaN).
  return _mm256_andnot_ps(_mm256_cmp_ps(x, lower, _CMP_LT_OQ), result);
}

#endif
