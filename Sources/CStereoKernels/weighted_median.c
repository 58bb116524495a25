// The weighted median of kept disparities (CStereoKernels.h): AVX2 through function attributes,
// eight or sixteen centre pixels per vector. Each pixel's sums are the same float additions, in
// the same order, of the same weights as WeightedMedianFilter's Swift path, so the same bits.
#include "CStereoKernels.h"
#include "vote_weight.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

// WeightedMedianFilter.weight of x (constants k: WNET_WEIGHT_...): 2^floor(y) * P(y - floor(y))
// for y = max(x, lower) * log2e, with the cubic P in fused steps; 0 below lower.
static inline float weight_of(float x, const float *k) {
  float y = (x < k[WNET_WEIGHT_LOWER] ? k[WNET_WEIGHT_LOWER] : x) * k[WNET_WEIGHT_LOG2E];
  float n = floorf(y), f = y - n;
  float p = fmaf(k[WNET_WEIGHT_C3], f, k[WNET_WEIGHT_C2]);
  p = fmaf(p, f, k[WNET_WEIGHT_C1]);
  p = fmaf(p, f, 1);
  unsigned bits = (unsigned)((int)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  return x < k[WNET_WEIGHT_LOWER] ? 0 : p * scale;
}

// The vote's weight: weight_of(((dr*dr + dg*dg) + db*db) * negativeScale).
static inline float weight1(
  const float *red, const float *green, const float *blue, long centre, long other,
  float negativeScale, const float *constants) {
  float dr = red[other] - red[centre], dg = green[other] - green[centre];
  float db = blue[other] - blue[centre];
  return weight_of((dr * dr + dg * dg + db * db) * negativeScale, constants);
}

// The window's sums for one pixel (padded index `centre`), as the vector lanes compute them;
// vote k's weight goes to weights[k * lanes] (k = (i + reach) * (2 * reach + 1) + j + reach).
static void sums1(
  const float *red, const float *green, const float *blue, const float *bins, long stride,
  int height, int row, long centre, int reach, int step, float lowerBin, float upperBin,
  float negativeScale, const float *constants, int lanes, float *weights, float *total,
  float *below, float *upto) {
  float t = 0, b = 0, u = 0;
  for (int i = -reach; i <= reach; i++) {
    int v = row + i * step;
    if (v < 0 || v >= height) continue;
    for (int j = -reach; j <= reach; j++) {
      long other = centre + (long)(i * step) * stride + j * step;
      float bin = bins[other];
      if (!(bin >= 0)) continue;
      float w = weight1(red, green, blue, centre, other, negativeScale, constants);
      weights[((i + reach) * (2 * reach + 1) + j + reach) * lanes] = w;
      t += w;
      if (bin < lowerBin) b += w;
      if (bin <= upperBin) u += w;
    }
  }
  *total = t;
  *below = b;
  *upto = u;
}

// The sums of LANES consecutive pixels (padded index `centre` for the first), with vectors VEC
// (intrinsics P##_...) and the weight function WEIGHT: lane by lane the values of sums1, and
// the weights in the same places.
#define DEFINE_SUMS(NAME, TARGET, VEC, P, BITS, WEIGHT) \
  static __attribute__((target(TARGET))) void NAME( \
    const float *red, const float *green, const float *blue, const float *bins, long stride, \
    int height, int row, long centre, int reach, int step, const float *lowerBin, \
    const float *upperBin, float negativeScale, const float *constants, float *weights, \
    float *total, float *below, float *upto) { \
    VEC t = P##_setzero_ps(), b = P##_setzero_ps(), u = P##_setzero_ps(); \
    const VEC cr = P##_loadu_ps(red + centre), cg = P##_loadu_ps(green + centre); \
    const VEC cb = P##_loadu_ps(blue + centre); \
    const VEC scale = P##_set1_ps(negativeScale); \
    const VEC lower = P##_loadu_ps(lowerBin), upper = P##_loadu_ps(upperBin); \
    for (int i = -reach; i <= reach; i++) { \
      int v = row + i * step; \
      if (v < 0 || v >= height) continue; \
      long line = centre + (long)(i * step) * stride; \
      float *rowWeights = weights + (long)(i + reach) * (2 * reach + 1) * (BITS / 32); \
      for (int j = -reach; j <= reach; j++) { \
        long other = line + j * step; \
        VEC dr = P##_sub_ps(P##_loadu_ps(red + other), cr); \
        VEC dg = P##_sub_ps(P##_loadu_ps(green + other), cg); \
        VEC db = P##_sub_ps(P##_loadu_ps(blue + other), cb); \
        /* Exact in either order (integers below 2^24): fused. */ \
        VEC distance = P##_fmadd_ps(db, db, P##_fmadd_ps(dg, dg, P##_mul_ps(dr, dr))); \
        /* An unknown vote's poisoned colour gives it the weight 0. */ \
        VEC w = WEIGHT(P##_mul_ps(distance, scale), constants); \
        P##_storeu_ps(rowWeights + (j + reach) * (BITS / 32), w); \
        VEC bin = P##_loadu_ps(bins + other); \
        t = P##_add_ps(t, w); \
        b = P##_add_ps(b, KEEP_##BITS(w, bin, lower, _CMP_LT_OQ)); \
        u = P##_add_ps(u, KEEP_##BITS(w, bin, upper, _CMP_LE_OQ)); \
      } \
    } \
    P##_storeu_ps(total, t); \
    P##_storeu_ps(below, b); \
    P##_storeu_ps(upto, u); \
  }

DEFINE_SUMS(sums8, "avx2,fma", __m256, _mm256, 256, weight8)
DEFINE_SUMS(sums16, "avx512f", __m512, _mm512, 512, weight16)

// The median of a pixel that moves: the votes on the side it moves to, binned in scan order
// with the weights its sums used (`weights`, every `lanes`-th), then the first bin whose running
// sum reaches half the total. Returns it, or -1 if rounding keeps the running sum below half.
// The histogram is left zeroed.
static float moved_median(
  const float *bins, long stride, int height, int row, long centre, int reach, int step,
  int down, float lowerBin, float upperBin, float lowest, float highest, float half, float upto,
  const float *weights, int lanes, float *histogram) {
  for (int i = -reach; i <= reach; i++) {
    int v = row + i * step;
    if (v < 0 || v >= height) continue;
    long line = centre + (long)(i * step) * stride;
    const float *rowWeights = weights + (long)(i + reach) * (2 * reach + 1) * lanes;
    for (int j = -reach; j <= reach; j++) {
      float bin = bins[line + j * step];
      if (!(bin >= 0) || (down ? !(bin < lowerBin) : !(bin > upperBin))) continue;
      histogram[(long)bin] += rowWeights[(j + reach) * lanes];
    }
  }
  // The votes' bins lie in [lowest, highest], whatever d is (bins are clamped, d is not).
  long first = (long)(down ? lowest : fmaxf(upperBin + 1, lowest));
  long last = (long)(down ? fminf(lowerBin - 1, highest) : highest);
  float sum = down ? 0 : upto, median = -1;
  for (long bin = first; bin <= last; bin++) {
    sum += histogram[bin];
    if (median < 0 && sum >= half) median = (float)bin;
    histogram[bin] = 0;
  }
  return median;
}

__attribute__((target("avx2,fma"))) long wnet_weighted_median_row(
  const float *colours, const float *bins, const float *lowest, const float *highest,
  const float *disparity, int width, int height, int row, int radius, int step, float tolerance,
  float edgeSpan, float negativeScale, const float *constants, int lanes, float *histogram,
  float *weights, float *output, float *sums) {
  const long stride = width + 2L * radius, plane = stride * height;
  const float *red = colours, *green = colours + plane, *blue = colours + 2 * plane;
  const int reach = radius / step;
  const float *own = disparity + (long)row * width;
  const float *low = lowest + (long)row * width, *high = highest + (long)row * width;
  long moved = 0;
  if (lanes != 16) lanes = 8;
  for (int x0 = 0; x0 < width; x0 += lanes) {
    int count = width - x0 < lanes ? width - x0 : lanes;
    int candidate[16], any = 0;
    float lowerBin[16], upperBin[16];
    for (int l = 0; l < lanes; l++) {
      float d = l < count ? own[x0 + l] : 0;
      candidate[l] = l < count && isfinite(d)
        && !(d - low[x0 + l] <= tolerance && high[x0 + l] - d <= tolerance)
        && high[x0 + l] - low[x0 + l] >= edgeSpan;
      any |= candidate[l];
      lowerBin[l] = ceilf(d - tolerance);
      upperBin[l] = floorf(d + tolerance);
    }
    if (!any) continue;
    long centre = (long)row * stride + radius + x0;
    float total[16], below[16], upto[16];
    if (count == lanes) {
      (lanes == 16 ? sums16 : sums8)(
        red, green, blue, bins, stride, height, row, centre, reach, step, lowerBin, upperBin,
        negativeScale, constants, weights, total, below, upto);
    } else {
      for (int l = 0; l < count; l++) {
        if (!candidate[l]) continue;
        sums1(
          red, green, blue, bins, stride, height, row, centre + l, reach, step, lowerBin[l],
          upperBin[l], negativeScale, constants, lanes, weights + l, &total[l], &below[l],
          &upto[l]);
      }
    }
    for (int l = 0; l < count; l++) {
      if (!candidate[l]) continue;
      if (sums) {
        sums[3 * (x0 + l)] = total[l];
        sums[3 * (x0 + l) + 1] = below[l];
        sums[3 * (x0 + l) + 2] = upto[l];
      }
      float half = total[l] / 2;
      int down = below[l] >= half;
      if (!down && !(upto[l] < half)) continue;
      float median = moved_median(
        bins, stride, height, row, centre + l, reach, step, down, lowerBin[l], upperBin[l],
        low[x0 + l], high[x0 + l], half, upto[l], weights + l, lanes, histogram);
      if (median >= 0) {
        output[x0 + l] = median;
        moved++;
      }
    }
  }
  return moved;
}

__attribute__((target("avx2,fma"))) void wnet_row_extremes(
  const float *bins, int width, int radius, int step, float *lowest, float *highest) {
  const float none = INFINITY;
  for (int x = 0; x < width; x++) {
    lowest[x] = none;
    highest[x] = -1;
  }
  for (int o = radius - radius / step * step; o <= 2 * radius; o += step) {
    const float *shifted = bins + o;
    for (int x = 0; x < width; x++) {
      float b = shifted[x], known = b >= 0 ? b : none;
      lowest[x] = known < lowest[x] ? known : lowest[x];
      highest[x] = b > highest[x] ? b : highest[x];
    }
  }
}

__attribute__((target("avx2,fma"))) void wnet_column_extremes(
  const float *rowLowest, const float *rowHighest, int width, int height, int row, int radius,
  int step, float *lowest, float *highest) {
  const int reach = radius / step;
  for (int x = 0; x < width; x++) {
    lowest[x] = INFINITY;
    highest[x] = -1;
  }
  for (int i = -reach; i <= reach; i++) {
    int v = row + i * step;
    if (v < 0 || v >= height) continue;
    const float *lo = rowLowest + (long)v * width, *hi = rowHighest + (long)v * width;
    for (int x = 0; x < width; x++) {
      lowest[x] = lo[x] < lowest[x] ? lo[x] : lowest[x];
      highest[x] = hi[x] > highest[x] ? hi[x] : highest[x];
    }
  }
}

// One channel of a row of the guide (every `channels`-th value from `source`) to 0...255.
// Inlined with a constant `channels`, so that the compiler vectorises the strided loads.
static inline __attribute__((always_inline, target("avx2,fma"))) void colour_row(
  const float *source, int channels, int width, float *target) {
  for (int x = 0; x < width; x++) {
    float value = floorf(source[(long)x * channels] * 255 + 0.5f);
    target[x] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
}

__attribute__((target("avx2,fma"))) float wnet_weighted_median_planes(
  const float *guide, int channels, const float *disparity, int width, int height, int radius,
  int row, float poison, float *colours, float *bins) {
  const long stride = width + 2L * radius, plane = stride * height;
  const long padded = (long)row * stride + radius, pixel = (long)row * width;
  float largest = -1;
  for (int x = 0; x < radius; x++) {
    for (int c = 0; c < 3; c++) {
      colours[c * plane + padded - radius + x] = poison;
      colours[c * plane + padded + width + x] = poison;
    }
    bins[padded - radius + x] = -1;
    bins[padded + width + x] = -1;
  }
  for (int c = 0; c < 3; c++) {
    float *target = colours + c * plane + padded;
    if (channels == 3) {
      colour_row(guide + pixel * 3 + c, 3, width, target);
    } else {
      colour_row(guide + pixel, 1, width, target);
    }
  }
  for (int x = 0; x < width; x++) {
    float d = disparity[pixel + x];
    if (!isfinite(d)) {
      for (int c = 0; c < 3; c++) colours[c * plane + padded + x] = poison;
      bins[padded + x] = -1;
      continue;
    }
    float bin = floorf(d + 0.5f);
    bin = bin < 0 ? 0 : bin > 65535 ? 65535 : bin;
    bins[padded + x] = bin;
    largest = bin > largest ? bin : largest;
  }
  return largest;
}
