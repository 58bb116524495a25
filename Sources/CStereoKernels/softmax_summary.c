// The softmax summary of few candidates (CStereoKernels.h): AVX2 through function attributes,
// eight pixels per vector. The same operations, in the same order, as DisparityConfidence's
// eight-pixel path and VectorMath's exponential (no contraction into FMAs), so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <math.h>

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

__attribute__((target("avx2,fma"))) long wnet_softmax_summary8(
  const float *logits, int count, long pixels, const float *base, float first, float logCount,
  const float *constants, float *disparity, float *peak, float *confidence) {
  if (count < 1 || count > 8) return 0;
  long pixel = 0;
  // The transpose of eight pixels' `count` values (`count` vectors read in a row): candidate j
  // of lane l is value count * l + j, element (count * l + j) % 8 of vector (count * l + j) / 8.
  int index[8][8][8], take[8][8][8];
  for (int j = 0; j < count; j++) {
    for (int m = 0; m < count; m++) {
      for (int l = 0; l < 8; l++) {
        int e = count * l + j;
        index[j][m][l] = e % 8;
        take[j][m][l] = e / 8 == m ? -1 : 0;
      }
    }
  }
  for (; pixel + 8 <= pixels; pixel += 8) {
    const float *block = logits + pixel * count;
    __m256 a[8], v[8];
    for (int m = 0; m < count; m++) a[m] = _mm256_loadu_ps(block + 8 * m);
    __m256 peakLogit = _mm256_set1_ps(-3.40282347e+38f);
    for (int j = 0; j < count; j++) {
      v[j] = _mm256_setzero_ps();
      for (int m = 0; m < count; m++) {
        __m256 moved = _mm256_permutevar8x32_ps(a[m], _mm256_loadu_si256((__m256i *)index[j][m]));
        v[j] = _mm256_blendv_ps(
          v[j], moved, _mm256_castsi256_ps(_mm256_loadu_si256((__m256i *)take[j][m])));
      }
      // v > peak ? v : peak
      peakLogit = _mm256_max_ps(v[j], peakLogit);
    }
    __m256 sum = _mm256_setzero_ps(), weighted = _mm256_setzero_ps();
    __m256 entropy = _mm256_setzero_ps();
    for (int j = 0; j < count; j++) {
      __m256 shifted = _mm256_sub_ps(v[j], peakLogit);
      __m256 e = exp_of_non_positive(shifted, constants);
      sum = _mm256_add_ps(sum, e);
      weighted = _mm256_add_ps(weighted, _mm256_mul_ps(e, _mm256_set1_ps((float)j)));
      entropy = _mm256_add_ps(entropy, _mm256_mul_ps(e, shifted));
    }
    __m256 inverse = _mm256_div_ps(_mm256_set1_ps(1), sum);
    __m256 expected = _mm256_add_ps(_mm256_set1_ps(first), _mm256_mul_ps(weighted, inverse));
    if (base) expected = _mm256_add_ps(expected, _mm256_loadu_ps(base + pixel));
    _mm256_storeu_ps(disparity + pixel, expected);
    if (peak) _mm256_storeu_ps(peak + pixel, inverse);
    if (confidence) {
      if (count > 1) {
        float sums[8], logs[8];
        _mm256_storeu_ps(sums, sum);
        for (int i = 0; i < 8; i++) logs[i] = logf(sums[i]);
        __m256 h = _mm256_sub_ps(_mm256_loadu_ps(logs), _mm256_mul_ps(entropy, inverse));
        _mm256_storeu_ps(
          confidence + pixel,
          _mm256_sub_ps(_mm256_set1_ps(1), _mm256_div_ps(h, _mm256_set1_ps(logCount))));
      } else {
        _mm256_storeu_ps(confidence + pixel, _mm256_set1_ps(1));
      }
    }
  }
  return pixel;
}
