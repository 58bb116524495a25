// DisparityPropagation.handOn's rows (CStereoKernels.h): AVX2 through function attributes, a
// candidate's feature error eight channels per vector. The same operations, in the same order, as
// the Swift path (channel c in lane c mod 8, the lanes summed as a tree, the box in row order,
// nothing fused), so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
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
  if (channels <= 4) {
    // Two candidates per vector (k in the low half, k + 1 in the high one). Lanes 4-7 of the
    // eight-lane form hold 0 here, so its tree ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))
    // is (l0 + l2) + (l1 + l3) bit for bit, which each half sums below.
    // Exactly four channels load whole pixels; fewer are masked (their other lanes load 0).
    const __m128i mask4 = _mm_cmpgt_epi32(_mm_set1_epi32(channels), _mm_setr_epi32(0, 1, 2, 3));
    const int whole = channels == 4;
#define LOAD4(pointer) (whole ? _mm_loadu_ps(pointer) : _mm_maskload_ps((pointer), mask4))
    const __m128 own4 = LOAD4(ownPixel);
    const __m256 ownBoth = _mm256_set_m128(own4, own4);
    for (int k = 0; k < CANDIDATES; k += 2) {
      const __m256 a = _mm256_set_m128(
        LOAD4(otherRow + (long)lefts[k + 1] * channels), LOAD4(otherRow + (long)lefts[k] * channels));
      const __m256 b = _mm256_set_m128(
        LOAD4(otherRow + (long)rights[k + 1] * channels),
        LOAD4(otherRow + (long)rights[k] * channels));
      const __m256 t = _mm256_set_m128(_mm_set1_ps(ts[k + 1]), _mm_set1_ps(ts[k]));
      const __m256 u = _mm256_set_m128(_mm_set1_ps(1 - ts[k + 1]), _mm_set1_ps(1 - ts[k]));
      const __m256 sample = _mm256_add_ps(_mm256_mul_ps(u, a), _mm256_mul_ps(t, b));
      const __m256 difference = _mm256_sub_ps(ownBoth, sample);
      const __m256 squares = _mm256_mul_ps(difference, difference);
      // Per half: (l0 + l2, l1 + l3), then their sum.
      const __m256 pairs = _mm256_add_ps(squares, _mm256_permute_ps(squares, 0x4E));
      const __m256 totals = _mm256_add_ps(pairs, _mm256_permute_ps(pairs, 0xB1));
      e[k] = _mm256_cvtss_f32(totals);
      e[k + 1] = _mm_cvtss_f32(_mm256_extractf128_ps(totals, 1));
    }
#undef LOAD4
    return;
  }
  // Two candidates at a time, each summed over the chunks in order (its additions as in any
  // other order of the candidates), then each sum's lanes as
  // ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). The tail's empty lanes load 0 (masked), so
  // they add exactly 0, as a zero-padded copy did.
  const int tail = channels % 8;
  const __m256i tailMask =
    _mm256_cmpgt_epi32(_mm256_set1_epi32(tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int k = 0; k < CANDIDATES; k += 2) {
    const float *a0 = otherRow + (long)lefts[k] * channels;
    const float *b0 = otherRow + (long)rights[k] * channels;
    const float *a1 = otherRow + (long)lefts[k + 1] * channels;
    const float *b1 = otherRow + (long)rights[k + 1] * channels;
    const __m256 t0 = _mm256_set1_ps(ts[k]), u0 = _mm256_set1_ps(1 - ts[k]);
    const __m256 t1 = _mm256_set1_ps(ts[k + 1]), u1 = _mm256_set1_ps(1 - ts[k + 1]);
    __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
    for (int chunk = 0; chunk < channels; chunk += 8) {
      const int full = chunk + 8 <= channels;
#define LOAD8(pointer) \
  (full ? _mm256_loadu_ps(pointer) : _mm256_maskload_ps((pointer), tailMask))
      const __m256 ownChunk = LOAD8(ownPixel + chunk);
      const __m256 sample0 = _mm256_add_ps(
        _mm256_mul_ps(u0, LOAD8(a0 + chunk)), _mm256_mul_ps(t0, LOAD8(b0 + chunk)));
      const __m256 sample1 = _mm256_add_ps(
        _mm256_mul_ps(u1, LOAD8(a1 + chunk)), _mm256_mul_ps(t1, LOAD8(b1 + chunk)));
#undef LOAD8
      const __m256 difference0 = _mm256_sub_ps(ownChunk, sample0);
      const __m256 difference1 = _mm256_sub_ps(ownChunk, sample1);
      sum0 = _mm256_add_ps(sum0, _mm256_mul_ps(difference0, difference0));
      sum1 = _mm256_add_ps(sum1, _mm256_mul_ps(difference1, difference1));
    }
    __m256 halves = _mm256_add_ps(
      _mm256_permute2f128_ps(sum0, sum1, 0x20), _mm256_permute2f128_ps(sum0, sum1, 0x31));
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
      // The pixels whose box reaches a marked cell j are 2j − reach … 2j + 1 + reach; the
      // cells in increasing order, each pixel once (`next`: the first not yet computed).
      int next = 0;
      for (int j = 0; j < w; j++) {
        if (!columns[j]) continue;
        int first = 2 * j - reach, last = 2 * j + 1 + reach;
        if (first < next) first = next;
        if (last > width - 1) last = width - 1;
        for (int x = first; x <= last; x++)
          errors_of(
            coarse, h, w, bilinear, own, other, width, channels, sigma, v, x,
            errors + (long)x * CANDIDATES);
        if (last + 1 > next) next = last + 1;
      }
    }
    for (int x = 0; x < width; x++) {
      if (!cells[x / 2]) {
        x |= 1;  // the cell's second pixel is not marked either
        continue;
      }
      // Candidates 0-7 in one vector and 8-9 apart: each sum's additions in the box's row
      // order, as one at a time.
      __m256 low = _mm256_setzero_ps();
      float sums[CANDIDATES] = {0};
      for (int v = y - reach > 0 ? y - reach : 0; v <= y + reach && v < height; v++) {
        const float *errors = ring + (long)(v % slots) * width * CANDIDATES;
        for (int u = x - reach > 0 ? x - reach : 0; u <= x + reach && u < width; u++) {
          const float *e = errors + (long)u * CANDIDATES;
          low = _mm256_add_ps(low, _mm256_loadu_ps(e));
          sums[8] += e[8];
          sums[9] += e[9];
        }
      }
      _mm256_storeu_ps(sums, low);
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

__attribute__((target("avx2"))) void wnet_propagation_marks(
  const float *coarse, int h, int w, float threshold, unsigned char *marked) {
  // Separably: each column's extremes over the rows y − 1 … y + 1 (clipped), then each
  // cell's over the columns x − 1 … x + 1. min and max are exact in any order, and a NaN is
  // skipped at every step as in one pass over the nine values (`a < b ? a : b`).
  float *low = malloc(sizeof(float) * 2 * (size_t)w), *high = low + w;
  if (!low) return;
  for (int y = 0; y < h; y++) {
    const float *above = coarse + (long)(y > 0 ? y - 1 : 0) * w;
    const float *row = coarse + (long)y * w;
    const float *below = coarse + (long)(y + 1 < h ? y + 1 : h - 1) * w;
    for (int x = 0; x < w; x++) {
      float l = INFINITY, u = -INFINITY, a = 2 * above[x], b = 2 * row[x], c = 2 * below[x];
      l = a < l ? a : l;
      u = a > u ? a : u;
      l = b < l ? b : l;
      u = b > u ? b : u;
      l = c < l ? c : l;
      u = c > u ? c : u;
      low[x] = l;
      high[x] = u;
    }
    unsigned char *out = marked + (long)y * w;
    for (int x = 0; x < w; x++) {
      const int left = x > 0 ? x - 1 : 0, right = x + 1 < w ? x + 1 : w - 1;
      float l = low[left], u = high[left];
      l = low[x] < l ? low[x] : l;
      u = high[x] > u ? high[x] : u;
      l = low[right] < l ? low[right] : l;
      u = high[right] > u ? high[right] : u;
      out[x] = u - l > threshold;
    }
  }
  free(low);
}
