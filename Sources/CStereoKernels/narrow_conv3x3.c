// The narrow 3x3 convolution of CStereoKernels.h: AVX2 + FMA (eight output pixels per vector)
// or AVX-512 (sixteen), through function attributes (no compiler flags), chosen per call.
//
// Per output row, the three input rows it reads are kept channel-planar in `scratch`: plane c of
// a row holds [0, in(x = 0, c), ..., in(x = W - 1, c), 0, ...] (length P = W rounded up to 32,
// plus 2), so the tap (ky, kx) of a vector of pixels from x0 is one unaligned load at x0 + kx. Rows
// outside the image read an all-zero row. A row stays in its slot (row mod 3) while it is needed.
#include "CStereoKernels.h"
#include "planes.h"

#include <immintrin.h>
#include <string.h>

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

// Rounded up to 32 so that a block of two 16-pixel vectors never reads past the plane.
static long plane_length(int width) { return ((width + 31) / 32) * 32 + 2; }

long wnet_narrow_conv3x3_scratch_count(int cin, int width) {
  // Three row slots and one zero row, each cin planes; a staged vector of up to 8 outputs by
  // 16 pixels.
  return 4 * (long)cin * plane_length(width) + 8 * 16;
}

// Writes `count` staged pixels (channel o of pixel i at stage[LANES * o + i]) to NHWC `target`;
// eight channels by a whole vector of pixels through 8x8 transposes.
static inline __attribute__((always_inline, target("avx2,fma"))) void store_staged(
  const float *stage, const int LANES, int count, const int COUT, float *target) {
  if (COUT == 8 && count == LANES) {
    UNROLL for (int half = 0; half < LANES / 8; half++) {
      __m256 r[8];
      UNROLL for (int o = 0; o < 8; o++) r[o] = _mm256_loadu_ps(stage + LANES * o + 8 * half);
      transpose8(r);
      UNROLL for (int i = 0; i < 8; i++) _mm256_storeu_ps(target + 64 * half + 8 * i, r[i]);
    }
    return;
  }
  for (int i = 0; i < count; i++) {
    UNROLL for (int o = 0; o < COUT; o++) target[i * COUT + o] = stage[LANES * o + i];
  }
}

// The kernel for vectors of type VEC with LANES pixels (TARGET its instruction sets): block##S
// accumulates COUT channels over XB vectors of pixels starting at x0, acc[o][j] starting at the
// bias and adding one FMA per tap in the order ky, c, kx (so every lane width gives the same
// bits), then applies the ReLU and writes them out; row##S runs the blocks of one output row.
#define DEFINE_KERNEL(S, TARGET, VEC, LANES, SET1, LOAD, FMA, MAX, ZERO, STORE) \
  static inline __attribute__((always_inline, target(TARGET))) void block##S( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int x0, \
    const int COUT, const int XB, int relu, float *out, int width, float *stage) { \
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
      store_staged(stage, LANES, count, COUT, out + (long)first * COUT); \
    } \
  } \
  static inline __attribute__((always_inline, target(TARGET))) void row##S( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int width, \
    const int COUT, const int XB, int relu, float *out, float *stage) { \
    for (int x0 = 0; x0 < width; x0 += LANES * XB) \
      block##S(rows, p, cin, weights, bias, x0, COUT, XB, relu, out, width, stage); \
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
    int relu, float *out, float *stage) { \
    row##S(rows, p, cin, weights, bias, width, C, XB, relu, out, stage); \
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

typedef void (*row_function)(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int width,
  int relu, float *out, float *stage);

void wnet_narrow_conv3x3_rows_filled(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, float *output,
  int rowBegin, int rowEnd, float *scratch) {
  static const row_function functions[8] = {
    row256_1, row256_2, row256_3, row256_4, row256_5, row256_6, row256_7, row256_8};
  static const row_function functions512[8] = {
    row512_1, row512_2, row512_3, row512_4, row512_5, row512_6, row512_7, row512_8};
  if (cout < 1 || cout > 8 || rowBegin >= rowEnd) return;
  row_function function = lanes == 16 ? functions512[cout - 1] : functions[cout - 1];
  long p = plane_length(width);
  long slotSize = (long)cin * p;
  float *zero = scratch + 3 * slotSize;
  float *stage = zero + slotSize;
  // The padding of every plane stays zero: only 1...width of each plane is ever written.
  memset(scratch, 0, sizeof(float) * 4 * slotSize);
  long tags[3] = {-1, -1, -1};  // the global row (n * height + y) each slot holds
  for (int r = rowBegin; r < rowEnd; r++) {
    int n = r / height, y = r % height;
    const float *rows[3];
    for (int ky = 0; ky < 3; ky++) {
      int sy = y + ky - 1;
      if (sy < 0 || sy >= height) {
        rows[ky] = zero;
        continue;
      }
      long global = (long)n * height + sy;
      float *slot = scratch + (global % 3) * slotSize;
      if (tags[global % 3] != global) {
        fill(context, global, slot, p);
        tags[global % 3] = global;
      }
      rows[ky] = slot;
    }
    function(rows, p, cin, weights, bias, width, relu, output + (long)r * width * cout, stage);
  }
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
  const float *weights, const float *bias, int cout, int relu, int lanes, float *output,
  int rowBegin, int rowEnd, float *scratch) {
  struct stored_input stored = {input, width, inputStride, offset, cin};
  wnet_narrow_conv3x3_rows_filled(
    fill_from_stored, &stored, height, width, cin, weights, bias, cout, relu, lanes, output,
    rowBegin, rowEnd, scratch);
}
