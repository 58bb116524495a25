// Shared by the kernels of CStereoKernels (not part of its interface): VectorMath's exponential
// of non-positive values, eight lanes and scalar, with its constants given by the caller (the
// header's WNET_EXP_ indices). The same operations in the same order as the Swift definitions,
// with FP contraction off (for the including file too) so that no product is fused into an FMA.
#ifndef C_STEREO_KERNELS_EXPONENTIAL_H
#define C_STEREO_KERNELS_EXPONENTIAL_H

#include <immintrin.h>
#include <string.h>

#include "CStereoKernels.h"

#pragma STDC FP_CONTRACT OFF

// `w` where `a pred b`, else 0, for 8 (256) and 16 (512) lanes.
#define KEEP_256(w, a, b, pred) _mm256_and_ps((w), _mm256_cmp_ps((a), (b), (pred)))
#define KEEP_512(w, a, b, pred) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((a), (b), (pred)), (w))

// VectorMath.expOfNonPositive for a vector of floats (VEC, intrinsics P##_..., integer casts
// through SI), its constants given (see the header).
#define DEFINE_EXP_OF_NON_POSITIVE(NAME, TARGET, VEC, VECI, P, SI, BITS) \
  static inline __attribute__((always_inline, target(TARGET))) VEC NAME(VEC x, const float *k) { \
    const VEC lower = P##_set1_ps(k[WNET_EXP_LOWER_LIMIT]); \
    const VEC magic = P##_set1_ps(k[WNET_EXP_ROUNDING_MAGIC]); \
    /* simdMax(x, lower): lower > x ? lower : x (a NaN x stays NaN). */ \
    VEC clamped = P##_max_ps(lower, x); \
    VEC shifted = P##_add_ps(P##_mul_ps(clamped, P##_set1_ps(k[WNET_EXP_LOG2E])), magic); \
    VEC n = P##_sub_ps(shifted, magic); \
    VEC r = P##_sub_ps(clamped, P##_mul_ps(n, P##_set1_ps(k[WNET_EXP_LN2_HIGH]))); \
    r = P##_add_ps(r, P##_mul_ps(n, P##_set1_ps(k[WNET_EXP_LN2_EXCESS]))); \
    VEC r2 = P##_mul_ps(r, r); \
    VEC p = P##_set1_ps(k[WNET_EXP_P0 + 5]); \
    for (int i = 4; i >= 0; i--) { \
      p = P##_add_ps(P##_mul_ps(p, r), P##_set1_ps(k[WNET_EXP_P0 + i])); \
    } \
    p = P##_add_ps(P##_add_ps(P##_mul_ps(p, r2), r), P##_set1_ps(1)); \
    VECI exponent = P##_sub_epi32(P##_castps_##SI(shifted), P##_castps_##SI(magic)); \
    VEC scale = P##_cast##SI##_ps(P##_slli_epi32(P##_add_epi32(exponent, P##_set1_epi32(127)), 23)); \
    /* 0 where x < lower (false for NaN). */ \
    return KEEP_##BITS(P##_mul_ps(p, scale), x, lower, _CMP_NLT_UQ); \
  }

DEFINE_EXP_OF_NON_POSITIVE(exp_of_non_positive, "avx2,fma", __m256, __m256i, _mm256, si256, 256)

// VectorMath.expOfNonPositive(Float): the lane above for one value.
static inline float exp_of_non_positive1(float x, const float *k) {
  float lower = k[WNET_EXP_LOWER_LIMIT], magic = k[WNET_EXP_ROUNDING_MAGIC];
  float clamped = x < lower ? lower : x;
  float shifted = clamped * k[WNET_EXP_LOG2E] + magic;
  float n = shifted - magic;
  float r = clamped - n * k[WNET_EXP_LN2_HIGH];
  r = r + n * k[WNET_EXP_LN2_EXCESS];
  float r2 = r * r;
  float p = k[WNET_EXP_P0 + 5];
  for (int i = 4; i >= 0; i--) p = p * r + k[WNET_EXP_P0 + i];
  p = p * r2 + r + 1;
  int shiftedBits, magicBits;
  memcpy(&shiftedBits, &shifted, 4);
  memcpy(&magicBits, &magic, 4);
  unsigned scaleBits = (unsigned)(shiftedBits - magicBits + 127) << 23;
  float scale;
  memcpy(&scale, &scaleBits, 4);
  return x < lower ? 0 : p * scale;
}

#endif
