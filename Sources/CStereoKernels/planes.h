// Shared by the kernels of CStereoKernels (not part of its interface): moving rows of
// pixel-major values into one plane per channel, eight pixels by eight channels at a time.
#ifndef C_STEREO_KERNELS_PLANES_H
#define C_STEREO_KERNELS_PLANES_H

#include <immintrin.h>

// Transposes the 8x8 block in r[0..7] (r[i][j] becomes r[j][i]).
static inline __attribute__((always_inline, target("avx2,fma"))) void transpose8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Copies a row of `cin` channels (pixel x's at source + x * inputStride) into planes: channel c
// of pixel x at slot[c * p + x].
// With eight or more channels, eight pixels by eight channels at a time through a transpose
// (the last group of channels overlaps the one before when cin is not a multiple of 8).
static inline __attribute__((target("avx2,fma"))) void to_planes(
  const float *source, int width, int inputStride, int cin, long p, float *slot) {
  int x = 0;
  if (cin >= 8) {
    for (; x + 8 <= width; x += 8) {
      for (int c0 = 0; c0 < cin; c0 += 8) {
        int c = c0 + 8 <= cin ? c0 : cin - 8;
        __m256 r[8];
        for (int i = 0; i < 8; i++) {
          r[i] = _mm256_loadu_ps(source + (long)(x + i) * inputStride + c);
        }
        transpose8(r);
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(slot + (long)(c + k) * p + x, r[k]);
      }
    }
  }
  for (; x < width; x++) {
    const float *pixel = source + (long)x * inputStride;
    for (int c = 0; c < cin; c++) slot[c * p + x] = pixel[c];
  }
}

#endif
