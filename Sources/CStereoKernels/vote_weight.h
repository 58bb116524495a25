// Shared by the kernels of CStereoKernels (not part of its interface): WeightedMedianFilter's
// vote weight for eight (AVX2) and sixteen (AVX-512) lanes, and the lane selections around it.
#ifndef C_STEREO_KERNELS_VOTE_WEIGHT_H
#define C_STEREO_KERNELS_VOTE_WEIGHT_H

#include "CStereoKernels.h"

#include <immintrin.h>

// `w` where `a pred b`, else 0, for 8 (256) and 16 (512) lanes.
#define KEEP_256(w, a, b, pred) _mm256_and_ps((w), _mm256_cmp_ps((a), (b), (pred)))
#define KEEP_512(w, a, b, pred) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((a), (b), (pred)), (w))

#define FLOOR_256(y) _mm256_floor_ps(y)
#define FLOOR_512(y) _mm512_roundscale_ps((y), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)

// WeightedMedianFilter.weight for a vector of floats (VEC, intrinsics P##_..., integers VECI
// through SI; its constants k: WNET_WEIGHT_...): 2^floor(y) * P(y - floor(y)) for
// y = max(x, lower) * log2e, with the cubic P in fused steps; 0 below lower.
#define DEFINE_WEIGHT(NAME, TARGET, VEC, VECI, P, SI, BITS) \
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

DEFINE_WEIGHT(weight8, "avx2,fma", __m256, __m256i, _mm256, si256, 256)
DEFINE_WEIGHT(weight16, "avx512f", __m512, __m512i, _mm512, si512, 512)

#endif
