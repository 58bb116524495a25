// Bilinear x2 up-sampling with a scale, one output row (CStereoKernels.h): AVX2 through function
// attributes, eight input columns (sixteen outputs) per vector. The same operations, in the same
// order, as Kernels.upsample2xScaled's Swift path (no contraction into FMAs), so the same bits.
#include "CStereoKernels.h"

#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

__attribute__((target("avx2,fma"))) void wnet_upsample2x_scaled_row(
  const float *top, const float *bottom, int width, float wy0, float wy1, float scale,
  float *blended, float *out) {
  // The rows blended once per input column: what the Swift path computes at each column it reads.
  const __m256 w0 = _mm256_set1_ps(wy0), w1 = _mm256_set1_ps(wy1);
  int i = 0;
  for (; i + 8 <= width; i += 8) {
    __m256 t = _mm256_mul_ps(w0, _mm256_loadu_ps(top + i));
    _mm256_storeu_ps(
      blended + i, _mm256_add_ps(t, _mm256_mul_ps(w1, _mm256_loadu_ps(bottom + i))));
  }
  for (; i < width; i++) blended[i] = wy0 * top[i] + wy1 * bottom[i];
  // out[2i] = s * (1/4 m[i - 1] + 3/4 m[i]), out[2i + 1] = s * (3/4 m[i] + 1/4 m[i + 1]), clamped.
  const __m256 quarter = _mm256_set1_ps(0.25f), three = _mm256_set1_ps(0.75f);
  const __m256 s = _mm256_set1_ps(scale);
  int x = 0;
  if (width >= 10) {
    out[0] = scale * (0.25f * blended[0] + 0.75f * blended[0]);
    out[1] = scale * (0.75f * blended[0] + 0.25f * blended[1]);
    for (x = 1; x + 9 <= width; x += 8) {
      __m256 before = _mm256_loadu_ps(blended + x - 1), middle = _mm256_loadu_ps(blended + x);
      __m256 after = _mm256_loadu_ps(blended + x + 1);
      __m256 even = _mm256_mul_ps(
        s, _mm256_add_ps(_mm256_mul_ps(quarter, before), _mm256_mul_ps(three, middle)));
      __m256 odd = _mm256_mul_ps(
        s, _mm256_add_ps(_mm256_mul_ps(three, middle), _mm256_mul_ps(quarter, after)));
      // Interleave: e0 o0 e1 o1 ... e7 o7.
      __m256 low = _mm256_unpacklo_ps(even, odd), high = _mm256_unpackhi_ps(even, odd);
      _mm256_storeu_ps(out + 2 * x, _mm256_permute2f128_ps(low, high, 0x20));
      _mm256_storeu_ps(out + 2 * x + 8, _mm256_permute2f128_ps(low, high, 0x31));
    }
  }
  for (; x < width; x++) {
    int before = x > 0 ? x - 1 : 0, after = x + 1 < width ? x + 1 : width - 1;
    out[2 * x] = scale * (0.25f * blended[before] + 0.75f * blended[x]);
    out[2 * x + 1] = scale * (0.75f * blended[x] + 0.25f * blended[after]);
  }
}
