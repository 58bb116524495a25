// LeftRightConsistency's disagreement along a row (CStereoKernels.h): AVX2 through function
// attributes, eight pixels per vector with gathers. The same operations, in the same order, as
// the Swift path (no contraction into FMAs), so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <math.h>

#pragma STDC FP_CONTRACT OFF

// e for one pixel, as LeftRightConsistency.disagreement.
static inline float disagreement1(float d, int x, float direction, const float *other, int width) {
  float u = (float)x + direction * d;
  if (!(u >= 0 && u <= (float)(width - 1))) return INFINITY;
  int left = (int)floorf(u);
  float fraction = u - (float)left;
  int right = left + 1 < width - 1 ? left + 1 : width - 1;
  float e = fabsf(d - ((1 - fraction) * other[left] + fraction * other[right]));
  return e != e ? INFINITY : e;
}

__attribute__((target("avx2,fma"))) void wnet_left_right_row(
  const float *own, const float *other, int width, float direction, float *output) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1);
  const __m256 last = _mm256_set1_ps((float)(width - 1)), step = _mm256_set1_ps(direction);
  const __m256 infinity = _mm256_set1_ps(INFINITY);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256i lastIndex = _mm256_set1_epi32(width - 1);
  int x = 0;
  for (; x + 8 <= width; x += 8) {
    __m256 d = _mm256_loadu_ps(own + x);
    __m256 columns = _mm256_add_ps(
      _mm256_set1_ps((float)x), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 u = _mm256_add_ps(columns, _mm256_mul_ps(step, d));
    __m256 inside = _mm256_and_ps(
      _mm256_cmp_ps(u, zero, _CMP_GE_OQ), _mm256_cmp_ps(u, last, _CMP_LE_OQ));
    // Outside lanes read column 0 and are replaced by +inf below.
    __m256 safe = _mm256_and_ps(u, inside);
    __m256 floor = _mm256_floor_ps(safe);
    __m256i left = _mm256_cvttps_epi32(floor);
    __m256 fraction = _mm256_sub_ps(safe, floor);
    __m256i right = _mm256_min_epi32(_mm256_add_epi32(left, _mm256_set1_epi32(1)), lastIndex);
    __m256 atLeft = _mm256_i32gather_ps(other, left, 4);
    __m256 atRight = _mm256_i32gather_ps(other, right, 4);
    __m256 sample = _mm256_add_ps(
      _mm256_mul_ps(_mm256_sub_ps(one, fraction), atLeft), _mm256_mul_ps(fraction, atRight));
    __m256 e = _mm256_andnot_ps(sign, _mm256_sub_ps(d, sample));
    e = _mm256_blendv_ps(e, infinity, _mm256_cmp_ps(e, e, _CMP_UNORD_Q));
    _mm256_storeu_ps(output + x, _mm256_blendv_ps(infinity, e, inside));
  }
  for (; x < width; x++) output[x] = disagreement1(own[x], x, direction, other, width);
}
