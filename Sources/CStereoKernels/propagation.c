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

// The ten errors of fine pixel (v, x) into e[0..9]: the ten sampling positions at once, then
// each chunk of eight channels of the pixel loaded once for all ten candidates.
static __attribute__((target("avx2"))) void errors_of(
  const float *coarse, int h, int w, const float *bilinear, const float *own, const float *other,
  int width, int channels, float sigma, int v, int x, float *e) {
  float c[16] = {0};
  candidates_of(coarse, h, w, bilinear, width, v, x, c);
  const float *ownPixel = own + ((long)v * width + x) * channels;
  const float *otherRow = other + (long)v * width * channels;
  // u = clamp(x + σ·c, 0, W − 1), left = ⌊u⌋, right = min(left + 1, W − 1), t = u − left.
  float ts[16];
  int lefts[16], rights[16];
  const __m256 column = _mm256_set1_ps((float)x), direction = _mm256_set1_ps(sigma);
  const __m256 last = _mm256_set1_ps((float)(width - 1));
  const __m256i lastIndex = _mm256_set1_epi32(width - 1), one = _mm256_set1_epi32(1);
  for (int k = 0; k < 16; k += 8) {
    __m256 u = _mm256_add_ps(column, _mm256_mul_ps(direction, _mm256_loadu_ps(c + k)));
    u = _mm256_min_ps(_mm256_max_ps(u, _mm256_setzero_ps()), last);
    __m256 floor = _mm256_round_ps(u, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m256i left = _mm256_cvttps_epi32(floor);
    _mm256_storeu_ps(ts + k, _mm256_sub_ps(u, floor));
    _mm256_storeu_si256((__m256i *)(lefts + k), left);
    _mm256_storeu_si256(
      (__m256i *)(rights + k), _mm256_min_epi32(_mm256_add_epi32(left, one), lastIndex));
  }
  __m256 sums[CANDIDATES];
  for (int k = 0; k < CANDIDATES; k++) sums[k] = _mm256_setzero_ps();
  float ownTail[8], aTail[8], bTail[8];
  for (int chunk = 0; chunk < channels; chunk += 8) {
    const int full = chunk + 8 <= channels, count = channels - chunk;
    __m256 ownChunk;
    if (full) {
      ownChunk = _mm256_loadu_ps(ownPixel + chunk);
    } else {  // the tail, zero-padded: its empty lanes add exactly 0
      memset(ownTail, 0, sizeof ownTail);
      memcpy(ownTail, ownPixel + chunk, sizeof(float) * count);
      ownChunk = _mm256_loadu_ps(ownTail);
    }
    for (int k = 0; k < CANDIDATES; k++) {
      const float *a = otherRow + (long)lefts[k] * channels + chunk;
      const float *b = otherRow + (long)rights[k] * channels + chunk;
      __m256 aChunk, bChunk;
      if (full) {
        aChunk = _mm256_loadu_ps(a);
        bChunk = _mm256_loadu_ps(b);
      } else {
        memset(aTail, 0, sizeof aTail);
        memset(bTail, 0, sizeof bTail);
        memcpy(aTail, a, sizeof(float) * count);
        memcpy(bTail, b, sizeof(float) * count);
        aChunk = _mm256_loadu_ps(aTail);
        bChunk = _mm256_loadu_ps(bTail);
      }
      __m256 sample = _mm256_add_ps(
        _mm256_mul_ps(_mm256_set1_ps(1 - ts[k]), aChunk),
        _mm256_mul_ps(_mm256_set1_ps(ts[k]), bChunk));
      __m256 difference = _mm256_sub_ps(ownChunk, sample);
      sums[k] = _mm256_add_ps(sums[k], _mm256_mul_ps(difference, difference));
    }
  }
  // Each sum's lanes as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), two sums at a time.
  for (int k = 0; k < CANDIDATES; k += 2) {
    __m256 halves = _mm256_add_ps(
      _mm256_permute2f128_ps(sums[k], sums[k + 1], 0x20),
      _mm256_permute2f128_ps(sums[k], sums[k + 1], 0x31));
    __m256 pairs = _mm256_add_ps(halves, _mm256_permute_ps(halves, 0x4E));
    __m256 totals = _mm256_add_ps(pairs, _mm256_permute_ps(pairs, 0xB1));
    e[k] = _mm256_cvtss_f32(totals);
    e[k + 1] = _mm_cvtss_f32(_mm256_extractf128_ps(totals, 1));
  }
}

__attribute__((target("avx2"))) void wnet_propagation_rows(
  const float *coarse, int h, int w, const unsigned char *marked, const float *bilinear,
  const float *own, const float *other, int channels, float sigma, int reach, float floorCost,
  int row0, int row1, float *ring, int *ringRows, unsigned char *columns, float *out) {
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
      // columns[j]: a marked cell in column j among the rows of the box around row v (branch
      // free); a pixel needs its errors where a cell under its box is marked.
      const int top = (v - reach > 0 ? v - reach : 0) / 2;
      const int bottom = (v + reach < height ? v + reach : height - 1) / 2;
      memcpy(columns, marked + (long)top * w, (size_t)w);
      for (int r = top + 1; r <= bottom; r++)
        for (int j = 0; j < w; j++) columns[j] |= marked[(long)r * w + j];
      float *errors = ring + (long)slot * width * CANDIDATES;
      for (int x = 0; x < width; x++) {
        const int first = (x - reach > 0 ? x - reach : 0) / 2;
        const int last = (x + reach < width ? x + reach : width - 1) / 2;
        int needed = 0;
        for (int j = first; j <= last; j++) needed |= columns[j];
        if (needed)
          errors_of(
            coarse, h, w, bilinear, own, other, width, channels, sigma, v, x,
            errors + (long)x * CANDIDATES);
      }
    }
    for (int x = 0; x < width; x++) {
      if (!cells[x / 2]) continue;
      float sums[CANDIDATES] = {0};
      for (int v = y - reach > 0 ? y - reach : 0; v <= y + reach && v < height; v++) {
        const float *errors = ring + (long)(v % slots) * width * CANDIDATES;
        for (int u = x - reach > 0 ? x - reach : 0; u <= x + reach && u < width; u++) {
          for (int k = 0; k < CANDIDATES; k++) sums[k] += errors[(long)u * CANDIDATES + k];
        }
      }
      int best = 0;
      float bestCost = INFINITY;
      for (int k = 0; k < CANDIDATES; k++) {
        float cost = sums[k] < floorCost ? floorCost : sums[k];
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

void wnet_propagation_marks(const float *coarse, int h, int w, float threshold, unsigned char *marked) {
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      float low = INFINITY, high = -INFINITY;
      for (int v = y > 0 ? y - 1 : 0; v <= y + 1 && v < h; v++) {
        for (int u = x > 0 ? x - 1 : 0; u <= x + 1 && u < w; u++) {
          float value = 2 * coarse[(long)v * w + u];
          low = value < low ? value : low;
          high = value > high ? value : high;
        }
      }
      marked[(long)y * w + x] = high - low > threshold;
    }
  }
}
