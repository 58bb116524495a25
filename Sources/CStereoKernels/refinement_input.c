// One row of a refinement scale's input (CStereoKernels.h): AVX2 through function attributes,
// eight pixels per vector. Every value is computed with the same operations, in the same order,
// as OffsetSelection's warp, correlation and concatenation (multiplications and additions kept
// apart: no contraction into FMAs), so the result is the same bit for bit.
#include "CStereoKernels.h"
#include "planes.h"

#include <immintrin.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

// Zero columns on each side of a warped plane: the largest radius (3) rounded up, so that a
// vector of eight pixels at any offset -r...r stays inside the plane.
#define PAD 8

static long warped_length(int width) { return ((width + 7) / 8) * 8 + 2 * PAD; }
static long own_length(int width) { return ((width + 7) / 8) * 8; }

long wnet_refinement_input_scratch_count(int width, int channels) {
  // The warped planes, this view's planes, and eight staged scores.
  return (long)channels * (warped_length(width) + own_length(width)) + 8;
}

// The bilinear tap of OffsetSelection's InterpolationTap: the position clamped to [0, W - 1]
// (NaN to 0), its floor, the next column (clamped) and the fraction.
static inline void tap_at(float position, int width, int *i0, int *i1, float *f) {
  float last = (float)(width - 1);
  float clamped = position >= 0 ? (position <= last ? position : last) : 0;
  *i0 = (int)clamped;
  *f = clamped - (float)*i0;
  *i1 = *i0 + 1 < width - 1 ? *i0 + 1 : width - 1;
}

// The warped row, warped(x, c) = (1 - f) * other(i0, c) + f * other(i1, c), into planes:
// warped[c * length + PAD + x]. Eight pixels by eight channels per transpose where the channels
// come in eights; one value at a time otherwise.
static __attribute__((target("avx2,fma"))) void warp_row(
  const float *otherRow, const float *baseRow, int width, int channels, float direction,
  float *warped, long length) {
  int x = 0;
  if (channels % 8 == 0) {
    for (; x + 8 <= width; x += 8) {
      int i0[8], i1[8];
      float f[8];
      for (int i = 0; i < 8; i++) {
        tap_at((float)(x + i) + direction * baseRow[x + i], width, &i0[i], &i1[i], &f[i]);
      }
      for (int c = 0; c < channels; c += 8) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) {
          __m256 a = _mm256_loadu_ps(otherRow + (long)i0[i] * channels + c);
          __m256 b = _mm256_loadu_ps(otherRow + (long)i1[i] * channels + c);
          r[i] = _mm256_add_ps(
            _mm256_mul_ps(_mm256_set1_ps(1 - f[i]), a), _mm256_mul_ps(_mm256_set1_ps(f[i]), b));
        }
        transpose8(r);
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(warped + (c + k) * length + PAD + x, r[k]);
      }
    }
  }
  for (; x < width; x++) {
    int i0, i1;
    float f;
    tap_at((float)x + direction * baseRow[x], width, &i0, &i1, &f);
    const float *a = otherRow + (long)i0 * channels, *b = otherRow + (long)i1 * channels;
    for (int c = 0; c < channels; c++) {
      float w0 = 1 - f;
      float left = w0 * a[c];
      float right = f * b[c];
      warped[c * length + PAD + x] = left + right;
    }
  }
}

// The 2r + 1 scores of eight pixels at a time, vectorised over the pixels:
//   score(x, k) = (sum over c, in order, of own(c, x) * warped(c, x + s(k))) * (1 / C)
// with s(k) = k - r for the right view and r - k for the left, each product added to the sum
// as it comes (the correlation's order). Written at channel C + k of `destination`.
static __attribute__((target("avx2,fma"))) void scores(
  const float *own, long ol, const float *warped, long wl, int w, int C, int radius, int leftView,
  float *destination, long pixelStride, long channelStride, float *stage) {
  const int K = 2 * radius + 1;
  const __m256 scale = _mm256_set1_ps(1 / (float)C);
  for (int x0 = 0; x0 < w; x0 += 8) {
    int count = w - x0 < 8 ? w - x0 : 8;
    for (int k = 0; k < K; k++) {
      long offset = PAD + (leftView ? radius - k : k - radius);
      __m256 sum = _mm256_setzero_ps();
      for (int c = 0; c < C; c++) {
        __m256 product = _mm256_mul_ps(
          _mm256_loadu_ps(own + c * ol + x0), _mm256_loadu_ps(warped + c * wl + x0 + offset));
        sum = _mm256_add_ps(sum, product);
      }
      sum = _mm256_mul_ps(sum, scale);
      float *target = destination + (C + k) * channelStride;
      if (pixelStride == 1) {
        if (count == 8) {
          _mm256_storeu_ps(target + x0, sum);
        } else {
          __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
          __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes);
          _mm256_maskstore_ps(target + x0, mask, sum);
        }
      } else {
        _mm256_storeu_ps(stage, sum);
        for (int i = 0; i < count; i++) target[(x0 + i) * pixelStride] = stage[i];
      }
    }
  }
}

void wnet_refinement_input_row(
  const float *features, const float *other, const float *base, int width, int channels,
  int radius, int leftView, long row, float *destination, long pixelStride, long channelStride,
  float *scratch) {
  const int w = width, C = channels;
  const long wl = warped_length(w), ol = own_length(w);
  float *warped = scratch, *own = scratch + (long)C * wl, *stage = own + (long)C * ol;
  // Zero padding around the warped columns, and past the last column of this view's planes.
  for (int c = 0; c < C; c++) {
    memset(warped + c * wl, 0, sizeof(float) * PAD);
    memset(warped + c * wl + PAD + w, 0, sizeof(float) * (wl - PAD - w));
    memset(own + c * ol + w, 0, sizeof(float) * (ol - w));
  }
  const float *ownRow = features + row * w * C;
  warp_row(other + row * w * C, base + row * w, w, C, leftView ? -1.0f : 1.0f, warped, wl);
  to_planes(ownRow, w, C, C, ol, own);
  // This view's features first.
  if (channelStride == 1) {
    for (int x = 0; x < w; x++) {
      memcpy(destination + x * pixelStride, ownRow + (long)x * C, sizeof(float) * C);
    }
  } else if (pixelStride == 1) {
    for (int c = 0; c < C; c++) memcpy(destination + c * channelStride, own + c * ol, sizeof(float) * w);
  } else {
    for (int x = 0; x < w; x++) {
      for (int c = 0; c < C; c++) destination[x * pixelStride + c * channelStride] = ownRow[(long)x * C + c];
    }
  }
  scores(own, ol, warped, wl, w, C, radius, leftView, destination, pixelStride, channelStride,
         stage);
}
