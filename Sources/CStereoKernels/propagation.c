// DisparityPropagation.handOn's rows (CStereoKernels.h): AVX2 through function attributes, a
// candidate's feature error eight channels per vector. The same operations, in the same order, as
// the Swift path (channel c in lane c mod 8, the lanes summed as a tree, the box in row order,
// nothing fused), so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define CANDIDATES 10

static inline int clampi(int v, int low, int high) { return v < low ? low : v > high ? high : v; }

// The ten candidates of fine pixel (y, x): the bilinear one, then 2·d of the coarse 3×3
// neighbourhood of its cell in row order.
static inline void candidates_of(
  const float *coarse, int h, int w, const float *bilinear, int width, int y, int x,
  float *out) {
  out[0] = bilinear[(long)y * width + x];
  for (int i = 0; i < 3; i++) {
    const float *row = coarse + (long)clampi(y / 2 + i - 1, 0, h - 1) * w;
    for (int j = 0; j < 3; j++) out[1 + 3 * i + j] = 2 * row[clampi(x / 2 + j - 1, 0, w - 1)];
  }
}

// (1/C) Σ_c (own_c − ((1 − t)·a_c + t·b_c))², the sum in eight lanes, then the tree.
static __attribute__((target("avx2"))) float feature_error(
  const float *own, const float *a, const float *b, int channels, float t) {
  const __m256 weightA = _mm256_set1_ps(1 - t), weightB = _mm256_set1_ps(t);
  __m256 sum = _mm256_setzero_ps();
  int c = 0;
  for (; c + 8 <= channels; c += 8) {
    __m256 sample = _mm256_add_ps(
      _mm256_mul_ps(weightA, _mm256_loadu_ps(a + c)), _mm256_mul_ps(weightB, _mm256_loadu_ps(b + c)));
    __m256 difference = _mm256_sub_ps(_mm256_loadu_ps(own + c), sample);
    sum = _mm256_add_ps(sum, _mm256_mul_ps(difference, difference));
  }
  if (c < channels) {  // the tail, zero-padded: its empty lanes add exactly 0
    float ownTail[8] = {0}, aTail[8] = {0}, bTail[8] = {0};
    memcpy(ownTail, own + c, sizeof(float) * (channels - c));
    memcpy(aTail, a + c, sizeof(float) * (channels - c));
    memcpy(bTail, b + c, sizeof(float) * (channels - c));
    __m256 sample = _mm256_add_ps(
      _mm256_mul_ps(weightA, _mm256_loadu_ps(aTail)), _mm256_mul_ps(weightB, _mm256_loadu_ps(bTail)));
    __m256 difference = _mm256_sub_ps(_mm256_loadu_ps(ownTail), sample);
    sum = _mm256_add_ps(sum, _mm256_mul_ps(difference, difference));
  }
  // (l0 + l4, l1 + l5, l2 + l6, l3 + l7), then ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)).
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  __m128 pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
  float total = _mm_cvtss_f32(pairs) + _mm_cvtss_f32(_mm_shuffle_ps(pairs, pairs, 1));
  return total / (float)channels;
}

// The ten errors of fine pixel (v, x) into e[0..9].
static __attribute__((target("avx2"))) void errors_of(
  const float *coarse, int h, int w, const float *bilinear, const float *own, const float *other,
  int width, int channels, float sigma, int v, int x, float *e) {
  float c[CANDIDATES];
  candidates_of(coarse, h, w, bilinear, width, v, x, c);
  const float *ownPixel = own + ((long)v * width + x) * channels;
  const float *otherRow = other + (long)v * width * channels;
  for (int k = 0; k < CANDIDATES; k++) {
    float column = (float)x + sigma * c[k];
    float u = fminf(fmaxf(column, 0), (float)(width - 1));
    int left = (int)floorf(u);
    int right = left + 1 < width ? left + 1 : width - 1;
    float t = u - (float)left;
    e[k] = feature_error(
      ownPixel, otherRow + (long)left * channels, otherRow + (long)right * channels, channels, t);
  }
}

__attribute__((target("avx2"))) void wnet_propagation_rows(
  const float *coarse, int h, int w, const unsigned char *marked, const float *bilinear,
  const float *own, const float *other, int channels, float sigma, int reach, int row0, int row1,
  float *ring, int *ringRows, unsigned char *columns, float *out) {
  const int height = 2 * h, width = 2 * w, slots = 2 * reach + 1;
  for (int s = 0; s < slots; s++) ringRows[s] = -1;
  for (int y = row0; y < row1; y++) {
    const unsigned char *cells = marked + (long)(y / 2) * w;
    float *output = out + (long)y * width;
    memcpy(output, bilinear + (long)y * width, sizeof(float) * width);
    int any = 0;
    for (int j = 0; j < w && !any; j++) any = cells[j];
    if (!any) continue;
    // The errors of rows y − reach … y + reach, each computed once, where a box needs them.
    for (int v = y - reach > 0 ? y - reach : 0; v <= y + reach && v < height; v++) {
      int slot = v % slots;
      if (ringRows[slot] == v) continue;
      ringRows[slot] = v;
      // columns[x]: a marked pixel within `reach` rows of v in column x; then within the box.
      for (int x = 0; x < width; x++) {
        int hit = 0;
        for (int r = v - reach > 0 ? v - reach : 0; r <= v + reach && r < height && !hit; r++)
          hit = marked[(long)(r / 2) * w + x / 2];
        columns[x] = (unsigned char)hit;
      }
      float *errors = ring + (long)slot * width * CANDIDATES;
      for (int x = 0; x < width; x++) {
        int needed = 0;
        for (int u = x - reach > 0 ? x - reach : 0; u <= x + reach && u < width && !needed; u++)
          needed = columns[u];
        if (needed)
          errors_of(
            coarse, h, w, bilinear, own, other, width, channels, sigma, v, x,
            errors + (long)x * CANDIDATES);
      }
    }
    for (int x = 0; x < width; x++) {
      if (!cells[x / 2]) continue;
      float sums[CANDIDATES] = {0};
      int count = 0;
      for (int v = y - reach > 0 ? y - reach : 0; v <= y + reach && v < height; v++) {
        const float *errors = ring + (long)(v % slots) * width * CANDIDATES;
        for (int u = x - reach > 0 ? x - reach : 0; u <= x + reach && u < width; u++) {
          for (int k = 0; k < CANDIDATES; k++) sums[k] += errors[(long)u * CANDIDATES + k];
          count++;
        }
      }
      int best = 0;
      float bestCost = INFINITY;
      for (int k = 0; k < CANDIDATES; k++) {
        float cost = sums[k] / (float)count;
        if (cost < bestCost) {
          bestCost = cost;
          best = k;
        }
      }
      float c[CANDIDATES];
      candidates_of(coarse, h, w, bilinear, width, y, x, c);
      output[x] = c[best];
    }
  }
}
