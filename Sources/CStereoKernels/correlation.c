// The correlation's forward rows (CStereoKernels.h): AVX2 through function attributes, four
// pixels at a time so that their channel sums run as independent chains. Each score is the same
// float operations, in the same order, as Kernels.correlation's Swift path, so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

// Stores the lanes of `value` below `count - offset` at `out + offset`.
static inline __attribute__((always_inline, target("avx2,fma"))) void store_scores(
  __m256 value, float *out, int offset, int count) {
  if (offset + 8 <= count) {
    _mm256_storeu_ps(out + offset, value);
    return;
  }
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(count - offset), index);
  _mm256_maskstore_ps(out + offset, keep, value);
}

// PIXELS pixels (x, x + 1, ...; their taps start at taps[p]) by VECTORS vectors of eight
// candidates from `k`: sum_c f[c] * tap[c], in ascending c from 0, then times `scale`.
#define DEFINE_SCORES(NAME, PIXELS, VECTORS) \
  static inline __attribute__((always_inline, target("avx2,fma"))) void NAME( \
    const float *planes, long length, const float *features, int channels, \
    const long *taps, int k, float scale, float *out, int count) { \
    __m256 sum[PIXELS][VECTORS]; \
    for (int p = 0; p < PIXELS; p++) { \
      for (int v = 0; v < VECTORS; v++) sum[p][v] = _mm256_setzero_ps(); \
    } \
    for (int c = 0; c < channels; c++) { \
      const float *plane = planes + (long)c * length + k; \
      for (int p = 0; p < PIXELS; p++) { \
        __m256 f = _mm256_set1_ps(features[(long)p * channels + c]); \
        for (int v = 0; v < VECTORS; v++) { \
          sum[p][v] = _mm256_add_ps( \
            sum[p][v], _mm256_mul_ps(f, _mm256_loadu_ps(plane + taps[p] + 8 * v))); \
        } \
      } \
    } \
    const __m256 s = _mm256_set1_ps(scale); \
    for (int p = 0; p < PIXELS; p++) { \
      for (int v = 0; v < VECTORS; v++) { \
        store_scores(_mm256_mul_ps(sum[p][v], s), out + (long)p * count, k + 8 * v, count); \
      } \
    } \
  }

DEFINE_SCORES(scores4x1, 4, 1)
DEFINE_SCORES(scores4x2, 4, 2)
DEFINE_SCORES(scores4x3, 4, 3)
DEFINE_SCORES(scores1x1, 1, 1)

__attribute__((target("avx2,fma"))) void wnet_correlation_row(
  const float *planes, long length, const float *features, int width, int channels,
  int candidateCount, int reversed, long firstTap, float scale, float *output) {
  const int laneCount = (candidateCount + 7) / 8 * 8;
  int x = 0;
  for (; x + 4 <= width; x += 4) {
    long taps[4];
    for (int p = 0; p < 4; p++) taps[p] = (reversed ? width - 1 - (x + p) : x + p) + firstTap;
    const float *f = features + (long)x * channels;
    float *out = output + (long)x * candidateCount;
    int k = 0;
    for (; k + 24 <= laneCount; k += 24) {
      scores4x3(planes, length, f, channels, taps, k, scale, out, candidateCount);
    }
    if (k + 16 <= laneCount) {
      scores4x2(planes, length, f, channels, taps, k, scale, out, candidateCount);
    } else if (k + 8 <= laneCount) {
      scores4x1(planes, length, f, channels, taps, k, scale, out, candidateCount);
    }
  }
  for (; x < width; x++) {
    long tap = (reversed ? width - 1 - x : x) + firstTap;
    const float *f = features + (long)x * channels;
    float *out = output + (long)x * candidateCount;
    for (int k = 0; k < laneCount; k += 8) {
      scores1x1(planes, length, f, channels, &tap, k, scale, out, candidateCount);
    }
  }
}
