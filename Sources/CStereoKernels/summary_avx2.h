// Shared by the kernels of CStereoKernels (not part of its interface): the summaries of a few
// candidate scores per pixel, eight pixels per vector, candidate j of the eight in v[j]. The one
// definition of DisparityConfidence's operations and their order, used where the scores are read
// back (softmax_summary.c) and where a head computes them (narrow_conv3x3.c): the same bits.
#ifndef C_STEREO_KERNELS_SUMMARY_AVX2_H
#define C_STEREO_KERNELS_SUMMARY_AVX2_H

#include "exp_avx2.h"

#include <immintrin.h>

// The softmax's sums over `count` candidates: the largest score (max, in order from the lowest
// float), S = sum e_j, sum j e_j and, with `entropy`, sum e_j (v_j - max), e_j = exp(v_j - max).
static inline __attribute__((always_inline, target("avx2,fma"))) void softmax_sums8(
  const __m256 v[8], int count, const float *constants, __m256 *sum, __m256 *weighted,
  __m256 *entropy) {
  __m256 peakLogit = _mm256_set1_ps(-3.40282347e+38f);
  for (int j = 0; j < count; j++) peakLogit = _mm256_max_ps(v[j], peakLogit);
  __m256 s = _mm256_setzero_ps(), w = _mm256_setzero_ps(), h = _mm256_setzero_ps();
  for (int j = 0; j < count; j++) {
    __m256 shifted = _mm256_sub_ps(v[j], peakLogit);
    __m256 e = exp_of_non_positive(shifted, constants);
    s = _mm256_add_ps(s, e);
    w = _mm256_add_ps(w, _mm256_mul_ps(e, _mm256_set1_ps((float)j)));
    if (entropy) h = _mm256_add_ps(h, _mm256_mul_ps(e, shifted));
  }
  *sum = s;
  *weighted = w;
  if (entropy) *entropy = h;
}

// The local expectation over `count` candidates: the first largest (a later one replaces it
// only if strictly larger), then the candidates within `radius` of it in ascending order (the
// others add 0): first + (sum j e_j) / (sum e_j), no base.
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 local_expected8(
  const __m256 v[8], int count, float first, int radius, const float *constants) {
  const __m256 zero = _mm256_setzero_ps(), reach = _mm256_set1_ps((float)radius);
  __m256 best = zero, peakLogit = v[0];
  for (int j = 1; j < count; j++) {
    __m256 larger = _mm256_cmp_ps(v[j], peakLogit, _CMP_GT_OQ);
    best = _mm256_blendv_ps(best, _mm256_set1_ps((float)j), larger);
    peakLogit = _mm256_blendv_ps(peakLogit, v[j], larger);
  }
  __m256 sum = zero, weighted = zero;
  for (int j = 0; j < count; j++) {
    __m256 k = _mm256_set1_ps((float)j);
    __m256 distance = _mm256_max_ps(_mm256_sub_ps(k, best), _mm256_sub_ps(best, k));
    __m256 e = _mm256_and_ps(
      exp_of_non_positive(_mm256_sub_ps(v[j], peakLogit), constants),
      _mm256_cmp_ps(distance, reach, _CMP_LE_OQ));
    sum = _mm256_add_ps(sum, e);
    weighted = _mm256_add_ps(weighted, _mm256_mul_ps(e, k));
  }
  return _mm256_add_ps(_mm256_set1_ps(first), _mm256_div_ps(weighted, sum));
}

#endif
