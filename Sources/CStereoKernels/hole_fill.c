// HoleFill's proposals (CStereoKernels.h): AVX2 or AVX-512 through function attributes, eight or
// sixteen hole pixels per vector. Each pixel's sums are the same float operations, in the same
// order, as HoleFill's Swift path, so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <math.h>

#pragma STDC FP_CONTRACT OFF

#define KEEP_256(w, a, b, pred) _mm256_and_ps((w), _mm256_cmp_ps((a), (b), (pred)))
#define KEEP_512(w, a, b, pred) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((a), (b), (pred)), (w))
#define CHOOSE_256(yes, no, a, b, pred) _mm256_blendv_ps((no), (yes), _mm256_cmp_ps((a), (b), (pred)))
#define CHOOSE_512(yes, no, a, b, pred) \
  _mm512_mask_mov_ps((no), _mm512_cmp_ps_mask((a), (b), (pred)), (yes))
#define FLOOR_256(y) _mm256_floor_ps(y)
#define FLOOR_512(y) _mm512_roundscale_ps((y), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)

// WeightedMedianFilter.weight for a vector (as weighted_median.c's weight8 and weight16).
#define DEFINE_FILL_WEIGHT(NAME, TARGET, VEC, VECI, P, SI, BITS) \
  static inline __attribute__((always_inline, target(TARGET))) VEC NAME(VEC x, const float *k) { \
    const VEC lower = P##_set1_ps(k[WNET_WEIGHT_LOWER]); \
    VEC y = P##_mul_ps(P##_max_ps(lower, x), P##_set1_ps(k[WNET_WEIGHT_LOG2E])); \
    VEC n = FLOOR_##BITS(y), f = P##_sub_ps(y, n); \
    VEC p = P##_fmadd_ps(P##_set1_ps(k[WNET_WEIGHT_C3]), f, P##_set1_ps(k[WNET_WEIGHT_C2])); \
    p = P##_fmadd_ps(p, f, P##_set1_ps(k[WNET_WEIGHT_C1])); \
    p = P##_fmadd_ps(p, f, P##_set1_ps(1)); \
    VECI exponent = P##_add_epi32(P##_cvtps_epi32(n), P##_set1_epi32(127)); \
    VEC scale = P##_cast##SI##_ps(P##_slli_epi32(exponent, 23)); \
    return KEEP_##BITS(P##_mul_ps(p, scale), x, lower, _CMP_NLT_UQ); \
  }

DEFINE_FILL_WEIGHT(fill_weight8, "avx2,fma", __m256, __m256i, _mm256, si256, 256)
DEFINE_FILL_WEIGHT(fill_weight16, "avx512f", __m512, __m512i, _mm512, si512, 512)

// One block of LANES pixels (padded index `centre` for the first):
// - votes: each known vote's weight to weights[k * LANES] (0 for unknown votes and the
//   padding), k in scan order; total[l] = their sum in scan order, lowest[l] = the smallest
//   known bin (INFINITY if none).
// - bin: for the lanes' current bins `current`, the sums of the weights `inBin` and of
//   fma(w, d, .) `moment` over the votes in that bin, in scan order, and `next`, the smallest
//   bin above it (INFINITY if none).
#define DEFINE_FILL_BLOCK(VOTES, BIN, TARGET, VEC, P, BITS, WEIGHT) \
  static __attribute__((target(TARGET))) void VOTES( \
    const float *red, const float *green, const float *blue, int channels, const float *bins, \
    long stride, int height, int row, long centre, int reach, int step, float negativeScale, \
    const float *constants, float *weights, float *total, float *lowest) { \
    const int lanes = BITS / 32; \
    VEC t = P##_setzero_ps(), low = P##_set1_ps(INFINITY); \
    const VEC cr = P##_loadu_ps(red + centre), cg = P##_loadu_ps(green + centre); \
    const VEC cb = P##_loadu_ps(blue + centre), scale = P##_set1_ps(negativeScale); \
    const VEC zero = P##_setzero_ps(), none = P##_set1_ps(INFINITY); \
    for (int i = -reach; i <= reach; i++) { \
      int v = row + i * step; \
      if (v < 0 || v >= height) continue; \
      long line = centre + (long)(i * step) * stride; \
      float *rowWeights = weights + (long)(i + reach) * (2 * reach + 1) * lanes; \
      for (int j = -reach; j <= reach; j++) { \
        long other = line + j * step; \
        VEC dr = P##_sub_ps(P##_loadu_ps(red + other), cr), distance; \
        if (channels == 3) { \
          VEC dg = P##_sub_ps(P##_loadu_ps(green + other), cg); \
          VEC db = P##_sub_ps(P##_loadu_ps(blue + other), cb); \
          distance = P##_fmadd_ps(db, db, P##_fmadd_ps(dg, dg, P##_mul_ps(dr, dr))); \
        } else { \
          distance = P##_mul_ps(dr, dr); \
        } \
        VEC bin = P##_loadu_ps(bins + other); \
        VEC w = KEEP_##BITS(WEIGHT(P##_mul_ps(distance, scale), constants), bin, zero, \
                            _CMP_GE_OQ); \
        P##_storeu_ps(rowWeights + (j + reach) * lanes, w); \
        t = P##_add_ps(t, w); \
        low = P##_min_ps(low, CHOOSE_##BITS(bin, none, bin, zero, _CMP_GE_OQ)); \
      } \
    } \
    P##_storeu_ps(total, t); \
    P##_storeu_ps(lowest, low); \
  } \
  static __attribute__((target(TARGET))) void BIN( \
    const float *bins, const float *values, long stride, int height, int row, long centre, \
    int reach, int step, const float *weights, const float *current, float *inBin, \
    float *moment, float *next) { \
    const int lanes = BITS / 32; \
    const VEC cur = P##_loadu_ps(current), none = P##_set1_ps(INFINITY); \
    VEC sum = P##_setzero_ps(), m = P##_setzero_ps(), above = none; \
    for (int i = -reach; i <= reach; i++) { \
      int v = row + i * step; \
      if (v < 0 || v >= height) continue; \
      long line = centre + (long)(i * step) * stride; \
      const float *rowWeights = weights + (long)(i + reach) * (2 * reach + 1) * lanes; \
      for (int j = -reach; j <= reach; j++) { \
        long other = line + j * step; \
        VEC bin = P##_loadu_ps(bins + other); \
        VEC w = KEEP_##BITS(P##_loadu_ps(rowWeights + (j + reach) * lanes), bin, cur, _CMP_EQ_OQ); \
        sum = P##_add_ps(sum, w); \
        m = P##_fmadd_ps(w, P##_loadu_ps(values + other), m); \
        above = P##_min_ps(above, CHOOSE_##BITS(bin, none, bin, cur, _CMP_GT_OQ)); \
      } \
    } \
    P##_storeu_ps(inBin, sum); \
    P##_storeu_ps(moment, m); \
    P##_storeu_ps(next, above); \
  }

DEFINE_FILL_BLOCK(fill_votes8, fill_bin8, "avx2,fma", __m256, _mm256, 256, fill_weight8)
DEFINE_FILL_BLOCK(fill_votes16, fill_bin16, "avx512f", __m512, _mm512, 512, fill_weight16)

__attribute__((target("avx2,fma"))) long wnet_hole_fill_row(
  const float *colours, int channels, const float *bins, const float *values, int width,
  int height, int row, int radius, int step, float negativeScale, float minimumWeight,
  const float *constants, int lanes, float *weights, int *columns, float *proposals) {
  const long stride = wnet_hole_fill_stride(width, radius), plane = stride * height;
  const float *red = colours, *green = colours + plane, *blue = colours + 2 * plane;
  const int reach = radius / step;
  const long first = (long)row * stride + radius;
  long proposed = 0;
  if (lanes != 16) lanes = 8;
  for (int x0 = 0; x0 < width; x0 += lanes) {
    int count = width - x0 < lanes ? width - x0 : lanes, any = 0;
    int active[16];
    for (int l = 0; l < lanes; l++) {
      // A hole: unknown here (its bin is -1; the padding past the width is never a hole).
      active[l] = l < count && bins[first + x0 + l] < 0;
      any |= active[l];
    }
    if (!any) continue;
    long centre = first + x0;
    float total[16], lowest[16], current[16], inBin[16], moment[16], next[16], sum[16];
    (lanes == 16 ? fill_votes16 : fill_votes8)(
      red, green, blue, channels, bins, stride, height, row, centre, reach, step, negativeScale,
      constants, weights, total, lowest);
    int left = 0;
    for (int l = 0; l < lanes; l++) {
      // No proposal without support (W < w_min, or no weight at all).
      active[l] = active[l] && total[l] >= minimumWeight && total[l] > 0;
      current[l] = lowest[l];
      sum[l] = 0;
      left += active[l];
    }
    // The known bins in ascending order, each summed over the votes in scan order; the first
    // whose running sum reaches half the total (and holds weight) is the median bin.
    while (left > 0) {
      (lanes == 16 ? fill_bin16 : fill_bin8)(
        bins, values, stride, height, row, centre, reach, step, weights, current, inBin, moment,
        next);
      for (int l = 0; l < lanes; l++) {
        if (!active[l]) continue;
        sum[l] += inBin[l];
        if (sum[l] >= total[l] / 2 && inBin[l] > 0) {
          columns[proposed] = x0 + l;
          proposals[proposed++] = moment[l] / inBin[l];
          active[l] = 0;
          left--;
        } else if (next[l] == INFINITY) {
          active[l] = 0;
          left--;
        }
        current[l] = next[l];
      }
    }
  }
  return proposed;
}

__attribute__((target("avx2,fma"))) void wnet_hole_fill_planes(
  const float *guide, int channels, const float *disparity, int width, int height, int radius,
  int row, float *colours, float *bins, float *values) {
  const long stride = wnet_hole_fill_stride(width, radius), plane = stride * height;
  const long padded = (long)row * stride, pixel = (long)row * width;
  for (long x = 0; x < stride; x++) {
    long u = x - radius;
    int inside = u >= 0 && u < width;
    for (int c = 0; c < 3; c++) {
      colours[c * plane + padded + x] =
        inside ? guide[(pixel + u) * channels + (channels == 3 ? c : 0)] : 0;
    }
    float d = inside ? disparity[pixel + u] : NAN;
    if (isfinite(d)) {
      float bin = floorf(d + 0.5f);
      bins[padded + x] = bin < 0 ? 0 : bin > 65535 ? 65535 : bin;
      values[padded + x] = d;
    } else {
      bins[padded + x] = -1;
      values[padded + x] = 0;
    }
  }
}

long wnet_hole_fill_stride(int width, int radius) { return (long)width + 2L * radius + 16; }
