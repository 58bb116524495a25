// HoleFill's proposals (CStereoKernels.h): AVX2 or AVX-512 through function attributes, eight or
// sixteen hole pixels per vector. Each pixel's sums are the same float operations, in the same
// order, as HoleFill's Swift path, so the same bits.
#include "CStereoKernels.h"
#include "vote_weight.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

// `yes` where `a pred b`, else `no`, for 8 (256) and 16 (512) lanes.
#define CHOOSE_256(yes, no, a, b, pred) \
  _mm256_blendv_ps((no), (yes), _mm256_cmp_ps((a), (b), (pred)))
#define CHOOSE_512(yes, no, a, b, pred) \
  _mm512_mask_mov_ps((no), _mm512_cmp_ps_mask((a), (b), (pred)), (yes))

// One block of LANES pixels (padded index `centre` for the first; `holes`, the lanes to propose
// for), as the Swift path computes each of them:
// 1. the votes: each known vote's weight to weights[k * LANES] (0 for unknown votes and the
//    padding), k in scan order; W = their sum in scan order; the smallest known bin;
// 2. the known bins in ascending order: each bin's weight and fma(w, d, .) moment over its votes
//    in scan order, added to a running sum; the first bin whose running sum reaches W / 2 and
//    that holds weight gives m = moment / weight.
// proposals[l] = m for the lanes that have one (W >= w_min, W > 0), NaN for the others.
#define DEFINE_FILL_BLOCK(NAME, TARGET, VEC, P, BITS, WEIGHT, MASK, MASK_AND, MASK_ANDNOT, \
                          MASK_OF, MASK_ANY, BLEND) \
  static __attribute__((target(TARGET))) void NAME( \
    const float *red, const float *green, const float *blue, int channels, const float *bins, \
    const float *values, long stride, int height, int row, long centre, int reach, int step, \
    float negativeScale, float minimumWeight, const float *constants, MASK holes, \
    float *weights, float *proposals) { \
    const int lanes = BITS / 32; \
    VEC t = P##_setzero_ps(), low = P##_set1_ps(INFINITY); \
    const VEC cr = P##_loadu_ps(red + centre), cg = P##_loadu_ps(green + centre); \
    const VEC cb = P##_loadu_ps(blue + centre), scale = P##_set1_ps(negativeScale); \
    const VEC zero = P##_setzero_ps(), none = P##_set1_ps(INFINITY); \
    int first = -reach, last = reach; \
    while (row + first * step < 0) first++; \
    while (row + last * step >= height) last--; \
    for (int i = first; i <= last; i++) { \
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
    const VEC half = P##_div_ps(t, P##_set1_ps(2)); \
    VEC proposal = P##_set1_ps(NAN), sum = zero, current = low; \
    MASK active = MASK_AND(MASK_AND(holes, MASK_OF(t, P##_set1_ps(minimumWeight), _CMP_GE_OQ)), \
                           MASK_OF(t, zero, _CMP_GT_OQ)); \
    while (MASK_ANY(active)) { \
      VEC inBin = zero, moment = zero, next = none; \
      for (int i = first; i <= last; i++) { \
        long line = centre + (long)(i * step) * stride; \
        const float *rowWeights = weights + (long)(i + reach) * (2 * reach + 1) * lanes; \
        for (int j = -reach; j <= reach; j++) { \
          long other = line + j * step; \
          VEC bin = P##_loadu_ps(bins + other); \
          VEC w = KEEP_##BITS(P##_loadu_ps(rowWeights + (j + reach) * lanes), bin, current, \
                              _CMP_EQ_OQ); \
          inBin = P##_add_ps(inBin, w); \
          moment = P##_fmadd_ps(w, P##_loadu_ps(values + other), moment); \
          next = P##_min_ps(next, CHOOSE_##BITS(bin, none, bin, current, _CMP_GT_OQ)); \
        } \
      } \
      sum = P##_add_ps(sum, inBin); \
      MASK hit = MASK_AND(MASK_AND(active, MASK_OF(sum, half, _CMP_GE_OQ)), \
                          MASK_OF(inBin, zero, _CMP_GT_OQ)); \
      proposal = BLEND(hit, proposal, P##_div_ps(moment, inBin)); \
      active = MASK_AND(MASK_ANDNOT(hit, active), MASK_OF(next, none, _CMP_NEQ_OQ)); \
      current = next; \
    } \
    P##_storeu_ps(proposals, proposal); \
  }

// Lane masks: __m256 of all-ones lanes (AVX2), __mmask16 (AVX-512).
#define MASK_256 __m256
#define AND_256(a, b) _mm256_and_ps((a), (b))
#define ANDNOT_256(a, b) _mm256_andnot_ps((a), (b))
#define OF_256(a, b, pred) _mm256_cmp_ps((a), (b), (pred))
#define ANY_256(m) (_mm256_movemask_ps(m) != 0)
#define BLEND_256(m, no, yes) _mm256_blendv_ps((no), (yes), (m))
#define MASK_512 __mmask16
#define AND_512(a, b) ((__mmask16)((a) & (b)))
#define ANDNOT_512(a, b) ((__mmask16)(~(a) & (b)))
#define OF_512(a, b, pred) _mm512_cmp_ps_mask((a), (b), (pred))
#define ANY_512(m) ((m) != 0)
#define BLEND_512(m, no, yes) _mm512_mask_mov_ps((no), (m), (yes))

DEFINE_FILL_BLOCK(fill_block8, "avx2,fma", __m256, _mm256, 256, weight8, MASK_256, AND_256,
                  ANDNOT_256, OF_256, ANY_256, BLEND_256)
DEFINE_FILL_BLOCK(fill_block16, "avx512f", __m512, _mm512, 512, weight16, MASK_512,
                  AND_512, ANDNOT_512, OF_512, ANY_512, BLEND_512)

// The holes among `count` lanes from `bins` (unknown: bin -1), as a lane mask.
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 holes8(
  const float *bins, int count) {
  const __m256 index = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_and_ps(
    _mm256_cmp_ps(_mm256_loadu_ps(bins), _mm256_setzero_ps(), _CMP_LT_OQ),
    _mm256_cmp_ps(index, _mm256_set1_ps((float)count), _CMP_LT_OQ));
}

static inline __attribute__((always_inline, target("avx512f"))) __mmask16 holes16(
  const float *bins, int count) {
  __mmask16 inside = (__mmask16)(count >= 16 ? 0xFFFF : (1u << count) - 1);
  return _mm512_mask_cmp_ps_mask(inside, _mm512_loadu_ps(bins), _mm512_setzero_ps(), _CMP_LT_OQ);
}

// One row of blocks of LANES pixels: each block with a hole through BLOCK, the lanes that got a
// proposal appended to `columns` and `proposals`; returns how many.
#define DEFINE_FILL_ROW(NAME, TARGET, LANES, BLOCK, MASK, HOLES, ANY) \
  static __attribute__((target(TARGET))) long NAME( \
    const float *red, const float *green, const float *blue, int channels, const float *bins, \
    const float *values, long stride, int width, int height, int row, long first, int reach, \
    int step, float negativeScale, float minimumWeight, const float *constants, float *weights, \
    int *columns, float *proposals) { \
    long proposed = 0; \
    for (int x0 = 0; x0 < width; x0 += LANES) { \
      MASK holes = HOLES(bins + first + x0, width - x0); \
      if (!ANY(holes)) continue; \
      float block[LANES]; \
      BLOCK(red, green, blue, channels, bins, values, stride, height, row, first + x0, reach, \
            step, negativeScale, minimumWeight, constants, holes, weights, block); \
      for (int l = 0; l < LANES; l++) { \
        if (block[l] == block[l]) { \
          columns[proposed] = x0 + l; \
          proposals[proposed++] = block[l]; \
        } \
      } \
    } \
    return proposed; \
  }

DEFINE_FILL_ROW(fill_row8, "avx2,fma", 8, fill_block8, __m256, holes8, ANY_256)
DEFINE_FILL_ROW(fill_row16, "avx512f", 16, fill_block16, __mmask16, holes16, ANY_512)

__attribute__((target("avx2,fma"))) long wnet_hole_fill_row(
  const float *colours, int channels, const float *bins, const float *values, int width,
  int height, int row, int radius, int step, float negativeScale, float minimumWeight,
  const float *constants, int lanes, float *weights, int *columns, float *proposals) {
  const long stride = wnet_hole_fill_stride(width, radius), plane = stride * height;
  const float *red = colours, *green = colours + plane, *blue = colours + 2 * plane;
  const long first = (long)row * stride + radius;
  return (lanes == 16 ? fill_row16 : fill_row8)(
    red, green, blue, channels, bins, values, stride, width, height, row, first, radius / step,
    step, negativeScale, minimumWeight, constants, weights, columns, proposals);
}

// One channel of a row of the guide (every `channels`-th value from `source`) into a plane.
// Inlined with a constant `channels`, so that the compiler vectorises the strided loads.
static inline __attribute__((always_inline, target("avx2,fma"))) void channel_row(
  const float *source, int channels, int width, float *target) {
  for (int x = 0; x < width; x++) target[x] = source[(long)x * channels];
}

__attribute__((target("avx2,fma"))) void wnet_hole_fill_planes(
  const float *guide, int channels, const float *disparity, int width, int height, int radius,
  int row, float *colours, float *bins, float *values) {
  const long stride = wnet_hole_fill_stride(width, radius), plane = stride * height;
  const long padded = (long)row * stride, pixel = (long)row * width;
  const long tail = stride - radius - width;
  for (int c = 0; c < 3; c++) {
    float *target = colours + c * plane + padded;
    memset(target, 0, sizeof(float) * radius);
    memset(target + radius + width, 0, sizeof(float) * tail);
    if (channels == 3) {
      channel_row(guide + pixel * 3 + c, 3, width, target + radius);
    } else {
      channel_row(guide + pixel, 1, width, target + radius);
    }
  }
  float *binRow = bins + padded, *valueRow = values + padded;
  for (long x = 0; x < stride; x++) {
    if (x == radius) x += width;
    valueRow[x] = 0;
    binRow[x] = -1;
  }
  const float *map = disparity + pixel;
  for (int x = 0; x < width; x++) {
    float d = map[x];
    int known = fabsf(d) < INFINITY;
    float bin = floorf(d + 0.5f);
    bin = bin < 0 ? 0 : bin > 65535 ? 65535 : bin;
    binRow[radius + x] = known ? bin : -1;
    valueRow[radius + x] = known ? d : 0;
  }
}

long wnet_hole_fill_stride(int width, int radius) { return (long)width + 2L * radius + 16; }
