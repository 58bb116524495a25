// The narrow 3x3 convolution of CStereoKernels.h: AVX2 + FMA (eight output pixels per vector)
// or AVX-512 (sixteen), through function attributes (no compiler flags), chosen per call.
//
// Per output row, the three input rows it reads are kept channel-planar in `scratch`: plane c of
// a row holds [0, in(x = 0, c), ..., in(x = W - 1, c), 0, ...] (length P = W rounded up to 16,
// plus 2), so the tap (ky, kx) of the pixels x0..x0+7 is one unaligned load at x0 + kx. Rows
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

// The accumulation of COUT channels over XB blocks of eight pixels starting at x0.
static inline __attribute__((always_inline, target("avx2,fma"))) void block(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int x0,
  const int COUT, const int XB, int relu, float *out, int width, float *stage) {
  __m256 acc[8][2];
  UNROLL for (int o = 0; o < COUT; o++) {
    __m256 b = _mm256_set1_ps(bias ? bias[o] : 0.0f);
    UNROLL for (int j = 0; j < XB; j++) acc[o][j] = b;
  }
  for (int ky = 0; ky < 3; ky++) {
    for (int c = 0; c < cin; c++) {
      const float *plane = rows[ky] + c * p + x0;
      UNROLL for (int kx = 0; kx < 3; kx++) {
        __m256 v[2];
        UNROLL for (int j = 0; j < XB; j++) {
          v[j] = _mm256_loadu_ps(plane + kx + 8 * j);
        }
        const float *w = weights + (ky * 3 + kx) * cin + c;
        UNROLL for (int o = 0; o < COUT; o++) {
          __m256 weight = _mm256_broadcast_ss(w + (long)o * 9 * cin);
          UNROLL for (int j = 0; j < XB; j++) {
            acc[o][j] = _mm256_fmadd_ps(weight, v[j], acc[o][j]);
          }
        }
      }
    }
  }
  for (int j = 0; j < XB; j++) {
    int first = x0 + 8 * j;
    if (first >= width) break;
    int count = width - first < 8 ? width - first : 8;
    UNROLL for (int o = 0; o < COUT; o++) {
      __m256 a = relu ? _mm256_max_ps(acc[o][j], _mm256_setzero_ps()) : acc[o][j];
      _mm256_storeu_ps(stage + 8 * o, a);
    }
    float *target = out + (long)first * COUT;
    if (COUT == 8 && count == 8) {
      __m256 r[8];
      UNROLL for (int o = 0; o < 8; o++) {
        r[o] = _mm256_loadu_ps(stage + 8 * o);
      }
      transpose8(r);
      UNROLL for (int i = 0; i < 8; i++) {
        _mm256_storeu_ps(target + 8 * i, r[i]);
      }
      continue;
    }
    for (int i = 0; i < count; i++) {
      UNROLL for (int o = 0; o < COUT; o++) {
        target[i * COUT + o] = stage[8 * o + i];
      }
    }
  }
}

// One output row with COUT channels, blocks of XB * 8 pixels.
static inline __attribute__((always_inline, target("avx2,fma"))) void row(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int width,
  const int COUT, const int XB, int relu, float *out, float *stage) {
  for (int x0 = 0; x0 < width; x0 += 8 * XB)
    block(rows, p, cin, weights, bias, x0, COUT, XB, relu, out, width, stage);
}


// The AVX-512 block: COUT channels over XB vectors of sixteen pixels starting at x0, with the
// same arithmetic per pixel as `block` (bias, then ky, c, kx in that order, one FMA each).
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void block512(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int x0,
  const int COUT, const int XB, int relu, float *out, int width, float *stage) {
  __m512 acc[8][2];
  UNROLL for (int o = 0; o < COUT; o++) {
    __m512 b = _mm512_set1_ps(bias ? bias[o] : 0.0f);
    UNROLL for (int j = 0; j < XB; j++) acc[o][j] = b;
  }
  for (int ky = 0; ky < 3; ky++) {
    for (int c = 0; c < cin; c++) {
      const float *plane = rows[ky] + c * p + x0;
      UNROLL for (int kx = 0; kx < 3; kx++) {
        __m512 v[2];
        UNROLL for (int j = 0; j < XB; j++) {
          v[j] = _mm512_loadu_ps(plane + kx + 16 * j);
        }
        const float *w = weights + (ky * 3 + kx) * cin + c;
        UNROLL for (int o = 0; o < COUT; o++) {
          __m512 weight = _mm512_set1_ps(w[(long)o * 9 * cin]);
          UNROLL for (int j = 0; j < XB; j++) {
            acc[o][j] = _mm512_fmadd_ps(weight, v[j], acc[o][j]);
          }
        }
      }
    }
  }
  for (int j = 0; j < XB; j++) {
    int first = x0 + 16 * j;
    if (first >= width) break;
    int count = width - first < 16 ? width - first : 16;
    UNROLL for (int o = 0; o < COUT; o++) {
      __m512 a = relu ? _mm512_max_ps(acc[o][j], _mm512_setzero_ps()) : acc[o][j];
      _mm512_storeu_ps(stage + 16 * o, a);
    }
    float *target = out + (long)first * COUT;
    if (COUT == 8 && count == 16) {
      UNROLL for (int half = 0; half < 2; half++) {
        __m256 r[8];
        UNROLL for (int o = 0; o < 8; o++) {
          r[o] = _mm256_loadu_ps(stage + 16 * o + 8 * half);
        }
        transpose8(r);
        UNROLL for (int i = 0; i < 8; i++) {
          _mm256_storeu_ps(target + 64 * half + 8 * i, r[i]);
        }
      }
      continue;
    }
    for (int i = 0; i < count; i++) {
      UNROLL for (int o = 0; o < COUT; o++) {
        target[i * COUT + o] = stage[16 * o + i];
      }
    }
  }
}

static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void row512(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int width,
  const int COUT, const int XB, int relu, float *out, float *stage) {
  for (int x0 = 0; x0 < width; x0 += 16 * XB)
    block512(rows, p, cin, weights, bias, x0, COUT, XB, relu, out, width, stage);
}

#define ROW_CASE(C, XB) \
  static __attribute__((target("avx2,fma"))) void row##C( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int width, \
    int relu, float *out, float *stage) { \
    row(rows, p, cin, weights, bias, width, C, XB, relu, out, stage); \
  }
ROW_CASE(1, 2)
ROW_CASE(2, 2)
ROW_CASE(3, 2)
ROW_CASE(4, 2)
ROW_CASE(5, 2)
ROW_CASE(6, 2)
ROW_CASE(7, 1)
ROW_CASE(8, 1)

#define ROW512_CASE(C, XB) \
  static __attribute__((target("avx512f,avx2,fma"))) void row512_##C( \
    const float *rows[3], long p, int cin, const float *weights, const float *bias, int width, \
    int relu, float *out, float *stage) { \
    row512(rows, p, cin, weights, bias, width, C, XB, relu, out, stage); \
  }
ROW512_CASE(1, 2)
ROW512_CASE(2, 2)
ROW512_CASE(3, 2)
ROW512_CASE(4, 2)
ROW512_CASE(5, 2)
ROW512_CASE(6, 2)
ROW512_CASE(7, 2)
ROW512_CASE(8, 2)

typedef void (*row_function)(
  const float *rows[3], long p, int cin, const float *weights, const float *bias, int width,
  int relu, float *out, float *stage);

void wnet_narrow_conv3x3_rows_filled(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, float *output,
  int rowBegin, int rowEnd, float *scratch) {
  static const row_function functions[8] = {row1, row2, row3, row4, row5, row6, row7, row8};
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
