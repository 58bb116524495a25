// The softmax summary of few candidates (CStereoKernels.h): AVX2 through function attributes,
// eight pixels per vector. The same operations, in the same order, as DisparityConfidence's
// eight-pixel path and VectorMath's exponential (no contraction into FMAs), so the same bits.
#include "CStereoKernels.h"
#include "summary_avx2.h"

#include <immintrin.h>
#include <math.h>

#pragma STDC FP_CONTRACT OFF

// The transpose of eight pixels' `count` (1...8) values (`count` vectors read in a row):
// candidate j of lane l is value count * l + j, element (count * l + j) % 8 of vector
// (count * l + j) / 8.
struct transpose {
  int index[8][8][8], take[8][8][8];
};

static void transpose_tables(int count, struct transpose *tables) {
  for (int j = 0; j < count; j++) {
    for (int m = 0; m < count; m++) {
      for (int l = 0; l < 8; l++) {
        int e = count * l + j;
        tables->index[j][m][l] = e % 8;
        tables->take[j][m][l] = e / 8 == m ? -1 : 0;
      }
    }
  }
}

// v[j] = candidate j of the eight pixels whose `count` values start at `block`.
static inline __attribute__((always_inline, target("avx2,fma"))) void load_candidates(
  const float *block, int count, const struct transpose *tables, __m256 v[8]) {
  __m256 a[8];
  for (int m = 0; m < count; m++) a[m] = _mm256_loadu_ps(block + 8 * m);
  for (int j = 0; j < count; j++) {
    v[j] = _mm256_setzero_ps();
    for (int m = 0; m < count; m++) {
      __m256 moved = _mm256_permutevar8x32_ps(
        a[m], _mm256_loadu_si256((const __m256i *)tables->index[j][m]));
      v[j] = _mm256_blendv_ps(
        v[j], moved, _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)tables->take[j][m])));
    }
  }
}

__attribute__((target("avx2,fma"))) long wnet_local_expected8(
  const float *logits, int count, long pixels, const float *base, float first, int radius,
  const float *constants, float *disparity) {
  if (count < 1 || count > 8) return 0;
  long pixel = 0;
  struct transpose tables;
  transpose_tables(count, &tables);
  for (; pixel + 8 <= pixels; pixel += 8) {
    __m256 v[8];
    load_candidates(logits + pixel * count, count, &tables, v);
    __m256 expected = local_expected8(v, count, first, radius, constants);
    expected = _mm256_add_ps(
      expected, base ? _mm256_loadu_ps(base + pixel) : _mm256_setzero_ps());
    _mm256_storeu_ps(disparity + pixel, expected);
  }
  return pixel;
}

__attribute__((target("avx2,fma"))) long wnet_softmax_summary8(
  const float *logits, int count, long pixels, const float *base, float first, float logCount,
  const float *constants, float *disparity, float *peak, float *confidence) {
  if (count < 1 || count > 8) return 0;
  long pixel = 0;
  struct transpose tables;
  transpose_tables(count, &tables);
  for (; pixel + 8 <= pixels; pixel += 8) {
    __m256 v[8];
    load_candidates(logits + pixel * count, count, &tables, v);
    __m256 sum, weighted, entropy;
    softmax_sums8(v, count, constants, &sum, &weighted, confidence ? &entropy : NULL);
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
