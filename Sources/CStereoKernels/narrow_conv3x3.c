// The narrow 3x3 convolution of CStereoKernels.h: AVX2 + FMA (eight output pixels per vector),
// AVX-512 (sixteen) or AVX512-BF16 (sixteen, channel pairs in bfloat16), through function
// attributes (no compiler flags), chosen per call; up to 16 outputs, in groups of eight.
//
// Per output row, the three input rows it reads are kept channel-planar in `scratch`: plane c of
// a row holds [0, in(x = 0, c), ..., in(x = W - 1, c), 0, ...] (length P = W rounded up to 32,
// plus 2), so the tap (ky, kx) of a vector of pixels from x0 is one unaligned load at x0 + kx. Rows
// outside the image read an all-zero row. A row stays in its slot (row mod 3) while it is needed.
#include "CStereoKernels.h"
#include "planes.h"
#include "summary_avx2.h"

#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// Fully unrolls the loop that follows (its bound is a constant after inlining).
#define UNROLL _Pragma("clang loop unroll(full)")

int wnet_narrow_conv3x3_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int wnet_narrow_conv3x3_avx512_available(void) {
  __builtin_cpu_init();
  return wnet_narrow_conv3x3_available() && __builtin_cpu_supports("avx512f");
}

int wnet_narrow_conv3x3_bf16_available(void) {
  __builtin_cpu_init();
  return wnet_narrow_conv3x3_avx512_available() && __builtin_cpu_supports("avx512bf16");
}

// AMX-TILE and AMX-BF16 (CPUID 7.0 EDX bits 24 and 22), their state enabled by the OS (XCR0 bits
// 17 and 18), and this process allowed to use it (Linux's ARCH_REQ_XCOMP_PERM for XTILEDATA;
// oneDNN asks for the same).
static int amx_usable(void) {
  unsigned a, b, c, d;
  if (!wnet_narrow_conv3x3_bf16_available() || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  if (!(d & (1u << 24)) || !(d & (1u << 22))) return 0;
  unsigned low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  if ((low & (3u << 17)) != (3u << 17)) return 0;
  return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */) == 0;
}

int wnet_narrow_conv3x3_amx_available(void) {
  static int state = -1;  // racing first calls compute the same answer
  if (state < 0) state = amx_usable();
  return state;
}

// Rounded up to 32 so that a block of two 16-pixel vectors never reads past the plane.
static long plane_length(int width) { return ((width + 31) / 32) * 32 + 2; }

// The channel pairs of the bfloat16 kernel.
static long pair_count(int cin) { return (cin + 1) / 2; }

long wnet_narrow_conv3x3_scratch_count(int cin, int width) {
  // Three row slots and one zero row, each cin planes; a staged vector of up to 8 outputs by
  // 16 pixels; for bfloat16, three slots and a zero row of pair planes and the filter's pairs;
  // for AMX, a bias tile and a staged tile (16 by 16 floats each).
  return 4 * (long)cin * plane_length(width) + 8 * 16
    + 4 * pair_count(cin) * plane_length(width) + 16 * 9 * pair_count(cin) + 2 * 256;
}

// x rounded to bfloat16 (to nearest, ties to even; x finite): its 16 high bits.
static inline uint32_t bf16_bits(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  return (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16;
}

// The same for sixteen floats, in the low half of each lane.
static inline __attribute__((always_inline, target("avx512f"))) __m512i bf16_bits16(__m512 x) {
  __m512i bits = _mm512_castps_si512(x);
  __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i rounding = _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF));
  return _mm512_srli_epi32(_mm512_add_epi32(bits, rounding), 16);
}

// Pair planes from float planes (p floats each): pair k of element i at pairs[k * p + i], channel
// 2k in its low half and 2k + 1 (0 past cin) in its high half, both rounded to bfloat16.
static __attribute__((target("avx512f"))) void to_pairs(
  const float *planes, int cin, long p, uint32_t *pairs) {
  for (long k = 0; k < pair_count(cin); k++) {
    const float *low = planes + 2 * k * p, *high = 2 * k + 1 < cin ? low + p : NULL;
    uint32_t *target = pairs + k * p;
    long i = 0;
    for (; i + 16 <= p; i += 16) {
      __m512i word = bf16_bits16(_mm512_loadu_ps(low + i));
      if (high) {
        __m512i upper = bf16_bits16(_mm512_loadu_ps(high + i));
        word = _mm512_or_si512(word, _mm512_slli_epi32(upper, 16));
      }
      _mm512_storeu_si512(target + i, word);
    }
    for (; i < p; i++) target[i] = bf16_bits(low[i]) | (high ? bf16_bits(high[i]) << 16 : 0);
  }
}

// Writes `count` staged pixels (channel o of pixel i at stage[LANES * o + i]) to `target`, pixel
// i's channels at target + i * stride; eight channels by a whole vector of pixels through 8x8
// transposes.
static inline __attribute__((always_inline, target("avx2,fma"))) void store_staged(
  const float *stage, const int LANES, int count, const int COUT, float *target, int stride) {
  if (COUT == 8 && count == LANES) {
    UNROLL for (int half = 0; half < LANES / 8; half++) {
      __m256 r[8];
      UNROLL for (int o = 0; o < 8; o++) r[o] = _mm256_loadu_ps(stage + LANES * o + 8 * half);
      transpose8(r);
      UNROLL for (int i = 0; i < 8; i++) {
        _mm256_storeu_ps(target + (long)(8 * half + i) * stride, r[i]);
      }
    }
    return;
  }
  for (int i = 0; i < count; i++) {
    UNROLL for (int o = 0; o < COUT; o++) target[(long)i * stride + o] = stage[LANES * o + i];
  }
}

// Where the outputs end (wnet_narrow_conv3x3_rows_expected): one output row's base disparity
// and peak (or NULL), the first candidate, the exponential's constants, and the window radius of
// a local expectation (wnet_local_expected8's; -1 for the whole softmax).
struct summary {
  const float *base;
  float *peak;
  float first;
  const float *constants;
  int localRadius;
};

// Instead of writing `count` staged pixels out: their softmax summary (or local expectation),
// with wnet_softmax_summary8's (wnet_local_expected8's) operations from summary_avx2.h, so the
// same bits as the stored outputs summarized there, eight pixels at a time. The expected
// disparity goes to disparity[x...], the peak 1 / S to s->peak[x...].
static inline __attribute__((always_inline, target("avx2,fma"))) void summarize_staged(
  const float *stage, const int LANES, int count, const int COUT, const struct summary *s, int x,
  float *disparity) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int half = 0; half < LANES / 8 && 8 * half < count; half++) {
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(count - 8 * half), lanes);
    __m256 v[8];
    for (int o = 0; o < COUT; o++) v[o] = _mm256_loadu_ps(stage + LANES * o + 8 * half);
    long at = x + 8 * half;
    if (s->localRadius >= 0) {
      __m256 expected = local_expected8(v, COUT, s->first, s->localRadius, s->constants);
      __m256 base = s->base ? _mm256_maskload_ps(s->base + at, mask) : _mm256_setzero_ps();
      _mm256_maskstore_ps(disparity + at, mask, _mm256_add_ps(expected, base));
      continue;
    }
    __m256 sum, weighted;
    softmax_sums8(v, COUT, s->constants, &sum, &weighted, NULL);
    __m256 inverse = _mm256_div_ps(_mm256_set1_ps(1), sum);
    __m256 expected = _mm256_add_ps(_mm256_set1_ps(s->first), _mm256_mul_ps(weighted, inverse));
    if (s->base) expected = _mm256_add_ps(expected, _mm256_maskload_ps(s->base + at, mask));
    _mm256_maskstore_ps(disparity + at, mask, expected);
    if (s->peak) _mm256_maskstore_ps(s->peak + at, mask, inverse);
  }
}

// The kernel for vectors of type VEC with LANES pixels (TARGET its instruction sets): block##S
// accumulates COUT channels over XB vectors of pixels starting at x0, acc[o][j] starting at the
// bias and adding one FMA per tap in the order ky, c, kx (so every lane width gives the same
// bits), then applies the ReLU and writes them out (or, with `sm`, their summary to `out`, one
// value per pixel); row##S runs the blocks of one output row.
#define DEFINE_KERNEL(S, TARGET, VEC, LANES, SET1, LOAD, FMA, MAX, ZERO, STORE) \
  static inline __attribute__((always_inline, target(TARGET))) void block##S( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int x0, \
    const int COUT, const int XB, int relu, float *out, int stride, int width, float *stage, \
    const struct summary *sm) { \
    VEC acc[8][2]; \
    UNROLL for (int o = 0; o < COUT; o++) { \
      VEC b = SET1(bias ? bias[o] : 0.0f); \
      UNROLL for (int j = 0; j < XB; j++) acc[o][j] = b; \
    } \
    for (int ky = 0; ky < 3; ky++) { \
      for (int c = 0; c < cin; c++) { \
        const float *plane = rows[ky] + c * p + x0; \
        UNROLL for (int kx = 0; kx < 3; kx++) { \
          VEC v[2]; \
          UNROLL for (int j = 0; j < XB; j++) v[j] = LOAD(plane + kx + LANES * j); \
          const float *w = weights + (ky * 3 + kx) * cin + c; \
          UNROLL for (int o = 0; o < COUT; o++) { \
            VEC weight = SET1(w[(long)o * 9 * cin]); \
            UNROLL for (int j = 0; j < XB; j++) acc[o][j] = FMA(weight, v[j], acc[o][j]); \
          } \
        } \
      } \
    } \
    for (int j = 0; j < XB; j++) { \
      int first = x0 + LANES * j; \
      if (first >= width) break; \
      int count = width - first < LANES ? width - first : LANES; \
      UNROLL for (int o = 0; o < COUT; o++) { \
        STORE(stage + LANES * o, relu ? MAX(acc[o][j], ZERO()) : acc[o][j]); \
      } \
      if (sm) { \
        summarize_staged(stage, LANES, count, COUT, sm, first, out); \
      } else { \
        store_staged(stage, LANES, count, COUT, out + (long)first * stride, stride); \
      } \
    } \
  } \
  static inline __attribute__((always_inline, target(TARGET))) void row##S( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int width, \
    const int COUT, const int XB, int relu, float *out, int stride, float *stage, \
    const struct summary *sm) { \
    for (int x0 = 0; x0 < width; x0 += LANES * XB) \
      block##S(rows, p, cin, weights, bias, x0, COUT, XB, relu, out, stride, width, stage, sm); \
  }

// AVX2 + FMA, eight pixels per vector.
DEFINE_KERNEL(
  256, "avx2,fma", __m256, 8, _mm256_set1_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_max_ps,
  _mm256_setzero_ps, _mm256_storeu_ps)
// AVX-512, sixteen.
DEFINE_KERNEL(
  512, "avx512f,avx2,fma", __m512, 16, _mm512_set1_ps, _mm512_loadu_ps, _mm512_fmadd_ps,
  _mm512_max_ps, _mm512_setzero_ps, _mm512_storeu_ps)

// row##S##_##C: the row function of kernel S for C outputs, XB vectors per block (as many as
// the registers hold: 16 for AVX2, 32 for AVX-512).
#define ROW_CASE(S, TARGET, C, XB) \
  static __attribute__((target(TARGET))) void row##S##_##C( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int width, \
    int relu, float *out, int stride, float *stage, const struct summary *sm) { \
    row##S(rows, p, cin, weights, bias, width, C, XB, relu, out, stride, stage, sm); \
  }
#define ROW_CASES(S, TARGET, XB7) \
  ROW_CASE(S, TARGET, 1, 2) \
  ROW_CASE(S, TARGET, 2, 2) \
  ROW_CASE(S, TARGET, 3, 2) \
  ROW_CASE(S, TARGET, 4, 2) \
  ROW_CASE(S, TARGET, 5, 2) \
  ROW_CASE(S, TARGET, 6, 2) \
  ROW_CASE(S, TARGET, 7, XB7) \
  ROW_CASE(S, TARGET, 8, XB7)
ROW_CASES(256, "avx2,fma", 1)
ROW_CASES(512, "avx512f,avx2,fma", 2)

// bfloat16 (AVX512-BF16): sixteen pixels per vector as in block512, each 32-bit lane a pair of
// channels of one pixel (to_pairs) and each weight a pair of the filter's (the same layout, pair
// k of tap (ky, kx) of output o at weights[(o * 9 + ky * 3 + kx) * pairs + k]); one vdpbf16ps per
// pair and tap, in the order ky, k, kx.
static inline __attribute__((always_inline, target("avx512f,avx512bf16,avx2,fma")))
void block_bf16(
  const uint32_t *rows[3], long p, int pairs, const uint32_t *weights, const float *bias, int x0,
  const int COUT, int relu, float *out, int stride, int width, float *stage,
  const struct summary *sm) {
  __m512 acc[8][2];
  UNROLL for (int o = 0; o < COUT; o++) {
    acc[o][0] = acc[o][1] = _mm512_set1_ps(bias ? bias[o] : 0.0f);
  }
  for (int ky = 0; ky < 3; ky++) {
    for (int k = 0; k < pairs; k++) {
      const uint32_t *plane = rows[ky] + k * p + x0;
      UNROLL for (int kx = 0; kx < 3; kx++) {
        __m512bh v0 = (__m512bh)_mm512_loadu_si512(plane + kx);
        __m512bh v1 = (__m512bh)_mm512_loadu_si512(plane + kx + 16);
        const uint32_t *w = weights + (ky * 3 + kx) * pairs + k;
        UNROLL for (int o = 0; o < COUT; o++) {
          __m512bh weight = (__m512bh)_mm512_set1_epi32((int)w[(long)o * 9 * pairs]);
          acc[o][0] = _mm512_dpbf16_ps(acc[o][0], weight, v0);
          acc[o][1] = _mm512_dpbf16_ps(acc[o][1], weight, v1);
        }
      }
    }
  }
  for (int j = 0; j < 2; j++) {
    int first = x0 + 16 * j;
    if (first >= width) break;
    int count = width - first < 16 ? width - first : 16;
    UNROLL for (int o = 0; o < COUT; o++) {
      __m512 value = relu ? _mm512_max_ps(acc[o][j], _mm512_setzero_ps()) : acc[o][j];
      _mm512_storeu_ps(stage + 16 * o, value);
    }
    if (sm) {
      summarize_staged(stage, 16, count, COUT, sm, first, out);
    } else {
      store_staged(stage, 16, count, COUT, out + (long)first * stride, stride);
    }
  }
}

#define ROW_CASE_BF16(C) \
  static __attribute__((target("avx512f,avx512bf16,avx2,fma"))) void row_bf16_##C( \
    const uint32_t *rows[3], long p, int pairs, const uint32_t *weights, const float *bias, \
    int width, int relu, float *out, int stride, float *stage, const struct summary *sm) { \
    for (int x0 = 0; x0 < width; x0 += 32) \
      block_bf16(rows, p, pairs, weights, bias, x0, C, relu, out, stride, width, stage, sm); \
  }
ROW_CASE_BF16(1)
ROW_CASE_BF16(2)
ROW_CASE_BF16(3)
ROW_CASE_BF16(4)
ROW_CASE_BF16(5)
ROW_CASE_BF16(6)
ROW_CASE_BF16(7)
ROW_CASE_BF16(8)

// AMX (bfloat16 == 2): the same pair planes and pair weights, all outputs at once. Per tap
// (ky, kx), one TDPBF16PS multiplies A, the tap's weights (cout rows by `pairs` pairs), by B,
// the pair planes at x0 + kx (`pairs` rows by 16 pixels), into C (cout rows by 16 pixels),
// four blocks of 16 pixels per pass; C starts at the bias. Tiles 0-3 are C, 4 is A, 5-7 B.
struct tile_config {
  uint8_t palette, startRow, reserved[14];
  uint16_t columnBytes[16];
  uint8_t rows[16];
};

static __attribute__((target("amx-tile,amx-bf16,avx512f,avx2,fma"))) void configure_amx(
  int cout, int pairs) {
  struct tile_config config;
  memset(&config, 0, sizeof config);
  config.palette = 1;
  for (int t = 0; t < 8; t++) {
    config.rows[t] = (uint8_t)(t < 5 ? cout : pairs);
    config.columnBytes[t] = (uint16_t)(t == 4 ? 4 * pairs : 64);
  }
  _tile_loadconfig(&config);
}

// Stores C tile T (a constant) to `stage`, applies the ReLU and writes the block's pixels out.
#define STORE_TILE(T) \
  if (T < blocks) { \
    int first = x0 + 16 * T; \
    int count = width - first < 16 ? width - first : 16; \
    _tile_stored(T, stage, 64); \
    if (relu) { \
      for (int o = 0; o < cout; o++) { \
        _mm512_storeu_ps(stage + 16 * o, _mm512_max_ps(_mm512_loadu_ps(stage + 16 * o), \
                                                        _mm512_setzero_ps())); \
      } \
    } \
    if (sm) { \
      summarize_staged(stage, 16, count, cout, sm, first, out); \
    } else { \
      for (int g = 0; g < cout; g += 8) { \
        store_staged(stage + 16 * g, 16, count, cout - g < 8 ? cout - g : 8, \
                     out + (long)first * stride + g, stride); \
      } \
    } \
  }

static __attribute__((target("amx-tile,amx-bf16,avx512f,avx2,fma"))) void row_amx(
  const uint32_t *rows[3], long p, int pairs, const uint32_t *weights, const float *biasTile,
  int width, int cout, int relu, float *out, int stride, float *stage, const struct summary *sm) {
  long planeBytes = 4 * p, weightBytes = 4 * 9 * (long)pairs;
  for (int x0 = 0; x0 < width; x0 += 64) {
    int blocks = (width - x0 + 15) / 16 < 4 ? (width - x0 + 15) / 16 : 4;
    _tile_loadd(0, biasTile, 64);
    _tile_loadd(1, biasTile, 64);
    _tile_loadd(2, biasTile, 64);
    _tile_loadd(3, biasTile, 64);
    for (int t = 0; t < 9; t++) {
      const uint32_t *b = rows[t / 3] + x0 + t % 3;
      _tile_loadd(4, weights + t * pairs, weightBytes);
      _tile_loadd(5, b, planeBytes);
      _tile_dpbf16ps(0, 4, 5);
      if (blocks > 1) {
        _tile_loadd(6, b + 16, planeBytes);
        _tile_dpbf16ps(1, 4, 6);
      }
      if (blocks > 2) {
        _tile_loadd(7, b + 32, planeBytes);
        _tile_dpbf16ps(2, 4, 7);
      }
      if (blocks > 3) {
        _tile_loadd(5, b + 48, planeBytes);
        _tile_dpbf16ps(3, 4, 5);
      }
    }
    STORE_TILE(0)
    STORE_TILE(1)
    STORE_TILE(2)
    STORE_TILE(3)
  }
}

static __attribute__((target("amx-tile"))) void release_amx(void) { _tile_release(); }

typedef void (*row_function_bf16)(
  const uint32_t *rows[3], long p, int pairs, const uint32_t *weights, const float *bias,
  int width, int relu, float *out, int stride, float *stage, const struct summary *sm);

typedef void (*row_function)(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int width,
  int relu, float *out, int stride, float *stage, const struct summary *sm);

// The rows of wnet_narrow_conv3x3_rows_filled; with `summary` (cout <= 8), each row's summary
// (wnet_narrow_conv3x3_rows_expected) instead of its outputs, `output` then `[rows, width]`.
static void narrow_rows(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, int bfloat16,
  float *output, int rowBegin, int rowEnd, float *scratch, const struct summary *summary) {
  static const row_function functions[8] = {
    row256_1, row256_2, row256_3, row256_4, row256_5, row256_6, row256_7, row256_8};
  static const row_function functions512[8] = {
    row512_1, row512_2, row512_3, row512_4, row512_5, row512_6, row512_7, row512_8};
  static const row_function_bf16 functionsBF16[8] = {
    row_bf16_1, row_bf16_2, row_bf16_3, row_bf16_4, row_bf16_5, row_bf16_6, row_bf16_7,
    row_bf16_8};
  if (cout < 1 || cout > (summary ? 8 : 16) || rowBegin >= rowEnd) return;
  int amx = bfloat16 == 2 && cin <= 32 && wnet_narrow_conv3x3_amx_available();
  const row_function *byCount = lanes == 16 ? functions512 : functions;
  long p = plane_length(width);
  long slotSize = (long)cin * p;
  float *zero = scratch + 3 * slotSize;
  float *stage = zero + slotSize;
  // For bfloat16: three pair slots and a zero one after the staging, then the filter's pairs.
  int pairs = (int)pair_count(cin);
  long pairSlotSize = pairs * p;
  uint32_t *pairSlots = (uint32_t *)(stage + 8 * 16);
  uint32_t *pairWeights = pairSlots + 4 * pairSlotSize;
  if (bfloat16) {
    memset(pairSlots + 3 * pairSlotSize, 0, sizeof(uint32_t) * pairSlotSize);
    for (long t = 0; t < (long)cout * 9; t++) {
      for (int k = 0; k < pairs; k++) {
        const float *w = weights + t * cin + 2 * k;
        uint32_t upper = 2 * k + 1 < cin ? bf16_bits(w[1]) << 16 : 0;
        pairWeights[t * pairs + k] = bf16_bits(w[0]) | upper;
      }
    }
  }
  // For AMX, the bias tile (cout rows of 16 copies) and a staged tile, after the filter's pairs.
  float *biasTile = (float *)(pairWeights + 16 * 9 * pairs), *tileStage = biasTile + 256;
  if (amx) {
    for (int o = 0; o < 16; o++) {
      for (int i = 0; i < 16; i++) biasTile[16 * o + i] = bias && o < cout ? bias[o] : 0.0f;
    }
    configure_amx(cout, pairs);
  }
  // The padding of every plane stays zero: only 1...width of each plane is ever written.
  memset(scratch, 0, sizeof(float) * 4 * slotSize);
  long tags[3] = {-1, -1, -1};  // the global row (n * height + y) each slot holds
  for (int r = rowBegin; r < rowEnd; r++) {
    int n = r / height, y = r % height;
    const float *rows[3];
    const uint32_t *pairRows[3];
    for (int ky = 0; ky < 3; ky++) {
      int sy = y + ky - 1;
      if (sy < 0 || sy >= height) {
        rows[ky] = zero;
        pairRows[ky] = pairSlots + 3 * pairSlotSize;
        continue;
      }
      long global = (long)n * height + sy;
      float *slot = scratch + (global % 3) * slotSize;
      uint32_t *pairSlot = pairSlots + (global % 3) * pairSlotSize;
      if (tags[global % 3] != global) {
        fill(context, global, slot, p);
        if (bfloat16) to_pairs(slot, cin, p, pairSlot);
        tags[global % 3] = global;
      }
      rows[ky] = slot;
      pairRows[ky] = pairSlot;
    }
    // Outputs in groups of up to eight (the accumulators' registers), each group's channels at
    // its offset within the pixel.
    float *target = output + (long)r * width * (summary ? 1 : cout);
    struct summary rowSummary, *sm = NULL;
    if (summary) {
      rowSummary = *summary;
      if (rowSummary.base) rowSummary.base += (long)r * width;
      if (rowSummary.peak) rowSummary.peak += (long)r * width;
      sm = &rowSummary;
    }
    if (amx) {
      row_amx(pairRows, p, pairs, pairWeights, biasTile, width, cout, relu, target, cout,
              tileStage, sm);
      continue;
    }
    for (int g = 0; g < cout; g += 8) {
      int count = cout - g < 8 ? cout - g : 8;
      const float *groupBias = bias ? bias + g : NULL;
      if (bfloat16) {
        functionsBF16[count - 1](
          pairRows, p, pairs, pairWeights + (long)g * 9 * pairs, groupBias, width, relu,
          target + g, cout, stage, sm);
      } else {
        byCount[count - 1](
          rows, p, cin, weights + (long)g * 9 * cin, groupBias, width, relu, target + g, cout,
          stage, sm);
      }
    }
  }
  if (amx) release_amx();
}

void wnet_narrow_conv3x3_rows_filled(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, int bfloat16,
  float *output, int rowBegin, int rowEnd, float *scratch) {
  narrow_rows(fill, context, height, width, cin, weights, bias, cout, relu, lanes, bfloat16,
              output, rowBegin, rowEnd, scratch, NULL);
}

// The rows of a stored NHWC input, for wnet_narrow_conv3x3_rows.
struct stored_input {
  const float *input;
  int width, inputStride, offset, cin;
};

static void fill_from_stored(void *context, long row, float *slot, long p) {
  const struct stored_input *s = context;
  to_planes(s->input + row * s->width * s->inputStride + s->offset, s->width, s->inputStride,
            s->cin, p, slot + 1);
}

void wnet_narrow_conv3x3_rows(
  const float *input, int height, int width, int inputStride, int offset, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, int bfloat16,
  float *output, int rowBegin, int rowEnd, float *scratch) {
  struct stored_input stored = {input, width, inputStride, offset, cin};
  wnet_narrow_conv3x3_rows_filled(
    fill_from_stored, &stored, height, width, cin, weights, bias, cout, relu, lanes, bfloat16,
    output, rowBegin, rowEnd, scratch);
}

void wnet_narrow_conv3x3_rows_expected(
  const float *input, int height, int width, int cin, const float *weights, const float *bias,
  int cout, int lanes, int bfloat16, const float *base, float first, const float *constants,
  int localRadius, float *disparity, float *peak, int rowBegin, int rowEnd, float *scratch) {
  struct stored_input stored = {input, width, cin, 0, cin};
  struct summary summary = {base, localRadius >= 0 ? NULL : peak, first, constants, localRadius};
  narrow_rows(fill_from_stored, &stored, height, width, cin, weights, bias, cout, 0, lanes,
              bfloat16, disparity, rowBegin, rowEnd, scratch, &summary);
}
