// InvalidPixelRule's pass over the pixels (CStereoKernels.h): AVX2 through function attributes,
// eight pixels per vector; the same operations in the same order as the Swift path, so the same
// bits.
#include "CStereoKernels.h"
#include "exp_avx2.h"

#include <immintrin.h>

__attribute__((target("avx2,fma"))) long wnet_invalid_pixel_pass8(
  const float *peak, const float *difference, long pixels, float tau, float minimumPeak,
  const float *constants, float *marked, float *confidence, long *kept) {
  const __m256 infinity = _mm256_set1_ps(__builtin_inff());
  const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
  const __m256 threshold = _mm256_set1_ps(tau), least = _mm256_set1_ps(minimumPeak);
  long pixel = 0, count = 0;
  for (; pixel + 8 <= pixels; pixel += 8) {
    __m256 p = _mm256_loadu_ps(peak + pixel), e = _mm256_loadu_ps(difference + pixel);
    __m256 d = _mm256_loadu_ps(marked + pixel);
    // e.isFinite: |e| < inf (false for NaN).
    __m256 finite = _mm256_cmp_ps(_mm256_and_ps(e, magnitude), infinity, _CMP_LT_OQ);
    // −e / τ where e is finite, else 0.
    __m256 exponent = _mm256_and_ps(
      _mm256_div_ps(_mm256_xor_ps(e, sign), threshold), finite);
    __m256 exponential = exp_of_non_positive(exponent, constants);
    _mm256_storeu_ps(confidence + pixel, _mm256_and_ps(_mm256_mul_ps(p, exponential), finite));
    // Kept: e ≤ τ, p ≥ p_min, the disparity finite (false for NaN).
    __m256 keep = _mm256_and_ps(
      _mm256_and_ps(_mm256_cmp_ps(e, threshold, _CMP_LE_OQ), _mm256_cmp_ps(p, least, _CMP_GE_OQ)),
      _mm256_cmp_ps(_mm256_and_ps(d, magnitude), infinity, _CMP_LT_OQ));
    _mm256_storeu_ps(marked + pixel, _mm256_blendv_ps(infinity, d, keep));
    count += __builtin_popcount(_mm256_movemask_ps(keep));
  }
  *kept = count;
  return pixel;
}
