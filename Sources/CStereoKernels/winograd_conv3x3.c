// The Winograd 3x3 convolution of CStereoKernels.h: F(4x4, 3x3) (Lavin and Gray 2016), AVX2 +
// FMA through function attributes (no compiler flags), NHWC, eight channels per vector.
//
// A tile is 4x4 outputs, read from the 6x6 inputs around them. Per chunk of up to WG_CHUNK tiles
// (in scan order over the call's tile rows):
//   1. the input transform V = B^T d B of every tile and channel, stored V[pos][tile][ci]
//      (pos = 6i + j of the 6x6 result, ci padded to a multiple of 8 with zeros);
//   2. 36 products M[pos] = V[pos] U[pos] (tiles x ci by ci x co), stored M[tile][pos][co];
//   3. the output transform A^T m A of every tile, the bias and ReLU, written where inside.
// Each block of 16 outputs then costs 36 multiply-adds per input-output channel pair, where the
// direct convolution costs 144: 4 times fewer (the products run at the FMA units' peak, so
// the time goes down with them; the transforms add about a third).
#include "CStereoKernels.h"

#include <immintrin.h>
#include <string.h>

#define UNROLL _Pragma("clang loop unroll(full)")
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE_AVX2 static inline __attribute__((always_inline, target("avx2,fma")))

// The most tiles per chunk (a multiple of the products' 6-tile blocks).
enum { WG_CHUNK = 48, WG_BLOCK = 6, WG_POSITIONS = 36 };

int wnet_winograd_conv3x3_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static long padded_channels(int cin) { return ((long)cin + 7) / 8 * 8; }

// The floats between two positions' planes of V: one cache line more than the chunk needs, so
// that the planes never lie a multiple of 4 KiB apart (stores to them would then stall loads
// that alias them).
static long position_stride(long cp) { return WG_CHUNK * cp + 16; }

long wnet_winograd_filter_count(int cin, int cout) {
  return WG_POSITIONS * padded_channels(cin) * cout;
}

void wnet_winograd_filter(const float *weights, int cin, int cout, float *u) {
  // G (6x3): the filter's values at the interpolation points 0, +-1, +-2 and infinity, scaled.
  static const double G[6][3] = {
    {1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  const long cp = padded_channels(cin);
  memset(u, 0, sizeof(float) * WG_POSITIONS * cp * cout);
  for (int o = 0; o < cout; o++) {
    for (int c = 0; c < cin; c++) {
      double g[3][3], t[6][3];
      for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) g[ky][kx] = weights[((long)o * 9 + ky * 3 + kx) * cin + c];
      for (int i = 0; i < 6; i++)
        for (int kx = 0; kx < 3; kx++)
          t[i][kx] = G[i][0] * g[0][kx] + G[i][1] * g[1][kx] + G[i][2] * g[2][kx];
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
          u[((long)(6 * i + j) * cp + c) * cout + o] =
            (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2]);
    }
  }
}

long wnet_winograd_scratch_count(int cin, int cout) {
  return WG_POSITIONS * position_stride(padded_channels(cin)) + (long)WG_CHUNK * WG_POSITIONS * cout
    + 36 * 8;
}

// Lanes c < count of a mask (all lanes for count >= 8).
INLINE_AVX2 __m256i lane_mask(int count) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), index);
}

// B^T x for six values, B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
// 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
INLINE_AVX2 void input_combination(const __m256 d[6], __m256 r[6]) {
  const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
  const __m256 a = _mm256_fnmadd_ps(four, d[2], d[4]), b = _mm256_fnmadd_ps(four, d[1], d[3]);
  const __m256 c = _mm256_sub_ps(d[4], d[2]), e = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
  r[0] = _mm256_fnmadd_ps(five, d[2], _mm256_fmadd_ps(four, d[0], d[4]));
  r[1] = _mm256_add_ps(a, b);
  r[2] = _mm256_sub_ps(a, b);
  r[3] = _mm256_add_ps(c, e);
  r[4] = _mm256_sub_ps(c, e);
  r[5] = _mm256_fnmadd_ps(five, d[3], _mm256_fmadd_ps(four, d[1], d[5]));
}

// The input transform of tile (ty, tx) of one image, eight channels from c, into v[pos] (pos
// stride posStride); t is 36 vectors of scratch.
INLINE_AVX2 void input_tile(
  const float *image, int height, int width, int cin, int ty, int tx, long c, __m256i mask,
  float *v, long posStride, float *t) {
  const int y0 = 4 * ty - 1, x0 = 4 * tx - 1;
  const int inside = y0 >= 0 && y0 + 5 < height && x0 >= 0 && x0 + 5 < width;
  // Columns first: t[i][j] = (B^T d)[i][j].
  UNROLL for (int j = 0; j < 6; j++) {
    __m256 d[6], r[6];
    const int x = x0 + j;
    UNROLL for (int i = 0; i < 6; i++) {
      const int y = y0 + i;
      d[i] = !inside && (y < 0 || y >= height || x < 0 || x >= width)
        ? _mm256_setzero_ps()
        : _mm256_maskload_ps(image + ((long)y * width + x) * cin + c, mask);
    }
    input_combination(d, r);
    UNROLL for (int i = 0; i < 6; i++) _mm256_storeu_ps(t + 8 * (6 * i + j), r[i]);
  }
  // Then rows: V[i][j] = ((B^T d) B)[i][j].
  UNROLL for (int i = 0; i < 6; i++) {
    __m256 d[6], r[6];
    UNROLL for (int j = 0; j < 6; j++) d[j] = _mm256_loadu_ps(t + 8 * (6 * i + j));
    input_combination(d, r);
    UNROLL for (int j = 0; j < 6; j++) _mm256_storeu_ps(v + (6 * i + j) * posStride, r[j]);
  }
}

// m[t][co] (row stride mStride) for ROWS tiles and NV vectors of outputs from co:
// sum over ci < cp of v[t][ci] (row stride cp) times u[ci][co] (row stride cout).
#define PRODUCT_BLOCK(NAME, ROWS, NV)                                                           \
  INLINE_AVX2 void NAME(                                                                        \
    const float *v, long cp, const float *u, int cout, float *m, long mStride) {                \
    __m256 acc[ROWS][NV];                                                                       \
    UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int j = 0; j < NV; j++) acc[i][j] =       \
      _mm256_setzero_ps();                                                                      \
    for (long k = 0; k < cp; k++) {                                                             \
      __m256 b[NV];                                                                             \
      UNROLL for (int j = 0; j < NV; j++) b[j] = _mm256_loadu_ps(u + k * cout + 8 * j);         \
      UNROLL for (int i = 0; i < ROWS; i++) {                                                   \
        const __m256 a = _mm256_broadcast_ss(v + i * cp + k);                                   \
        UNROLL for (int j = 0; j < NV; j++) acc[i][j] = _mm256_fmadd_ps(a, b[j], acc[i][j]);    \
      }                                                                                         \
    }                                                                                           \
    UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int j = 0; j < NV; j++)                  \
      _mm256_storeu_ps(m + i * mStride + 8 * j, acc[i][j]);                                     \
  }

PRODUCT_BLOCK(product_6x16, 6, 2)
PRODUCT_BLOCK(product_6x8, 6, 1)
PRODUCT_BLOCK(product_3x24, 3, 3)

// The 36 products of `tiles` tiles (a multiple of WG_BLOCK): m[t][pos][co].
INLINE_AVX2 void products(
  const float *v, long cp, const float *u, int cout, int tiles, float *m) {
  const long mStride = (long)WG_POSITIONS * cout;
  for (int pos = 0; pos < WG_POSITIONS; pos++) {
    const float *vp = v + pos * position_stride(cp), *up = u + (long)pos * cp * cout;
    for (int t = 0; t < tiles; t += WG_BLOCK) {
      const float *vt = vp + (long)t * cp;
      float *mt = m + (long)t * mStride + (long)pos * cout;
      int co = 0;
      if (cout % 24 == 0 && cout % 16 != 0) {
        for (; co < cout; co += 24) {
          product_3x24(vt, cp, up + co, cout, mt + co, mStride);
          product_3x24(vt + 3 * cp, cp, up + co, cout, mt + 3 * mStride + co, mStride);
        }
      }
      for (; co + 16 <= cout; co += 16) product_6x16(vt, cp, up + co, cout, mt + co, mStride);
      for (; co < cout; co += 8) product_6x8(vt, cp, up + co, cout, mt + co, mStride);
    }
  }
}

// A^T x for six values, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
INLINE_AVX2 void output_combination(const __m256 m[6], __m256 o[4]) {
  const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
  const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
  o[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
  o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2), d34, d12);
  o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4), s34, s12);
  o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8), d34, d12), m[5]);
}

// The output transform of tile (ty, tx) for eight channels from co, with the bias and ReLU,
// into the output pixels inside the image; t is 24 vectors of scratch.
INLINE_AVX2 void output_tile(
  const float *mt, int cout, int co, __m256 bias, int relu, int height, int width, int ty,
  int tx, float *image, float *t) {
  // Columns first: t[a][j] = (A^T m)[a][j].
  UNROLL for (int j = 0; j < 6; j++) {
    __m256 m[6], o[4];
    UNROLL for (int i = 0; i < 6; i++) m[i] = _mm256_loadu_ps(mt + (6 * i + j) * cout + co);
    output_combination(m, o);
    UNROLL for (int a = 0; a < 4; a++) _mm256_storeu_ps(t + 8 * (6 * a + j), o[a]);
  }
  const __m256 zero = _mm256_setzero_ps();
  UNROLL for (int a = 0; a < 4; a++) {
    const int y = 4 * ty + a;
    if (y >= height) break;
    __m256 m[6], o[4];
    UNROLL for (int j = 0; j < 6; j++) m[j] = _mm256_loadu_ps(t + 8 * (6 * a + j));
    output_combination(m, o);
    UNROLL for (int e = 0; e < 4; e++) {
      const int x = 4 * tx + e;
      if (x >= width) break;
      const __m256 value = _mm256_add_ps(o[e], bias);
      _mm256_storeu_ps(
        image + ((long)y * width + x) * cout + co, relu ? _mm256_max_ps(value, zero) : value);
    }
  }
}

AVX2 void wnet_winograd_conv3x3_rows(
  const float *input, int height, int width, int cin, const float *u, const float *bias,
  int cout, int relu, float *output, int tileRowBegin, int tileRowEnd, float *scratch) {
  const long cp = padded_channels(cin), posStride = position_stride(cp);
  const int tileRows = (height + 3) / 4, tileColumns = (width + 3) / 4;
  float *v = scratch, *m = scratch + WG_POSITIONS * posStride;
  float *t = m + (long)WG_CHUNK * WG_POSITIONS * cout;
  const long total = (long)(tileRowEnd - tileRowBegin) * tileColumns;
  const long first = (long)tileRowBegin * tileColumns;
  for (long start = 0; start < total; start += WG_CHUNK) {
    const int tiles = total - start < WG_CHUNK ? (int)(total - start) : WG_CHUNK;
    const int blocked = (tiles + WG_BLOCK - 1) / WG_BLOCK * WG_BLOCK;
    for (int k = 0; k < tiles; k++) {
      const long tile = first + start + k, row = tile / tileColumns;
      const int n = (int)(row / tileRows), ty = (int)(row % tileRows), tx = (int)(tile % tileColumns);
      const float *image = input + (long)n * height * width * cin;
      for (long c = 0; c < cp; c += 8)
        input_tile(image, height, width, cin, ty, tx, c, lane_mask(cin - (int)c),
                   v + (long)k * cp + c, posStride, t);
    }
    // The block's spare tiles read zeros (their products are never written out).
    for (int pos = 0; pos < WG_POSITIONS; pos++)
      memset(v + pos * posStride + (long)tiles * cp, 0, sizeof(float) * (blocked - tiles) * cp);
    products(v, cp, u, cout, blocked, m);
    for (int k = 0; k < tiles; k++) {
      const long tile = first + start + k, row = tile / tileColumns;
      const int n = (int)(row / tileRows), ty = (int)(row % tileRows), tx = (int)(tile % tileColumns);
      float *image = output + (long)n * height * width * cout;
      for (int co = 0; co < cout; co += 8) {
        const __m256 b = bias ? _mm256_loadu_ps(bias + co) : _mm256_setzero_ps();
        output_tile(m + (long)k * WG_POSITIONS * cout, cout, co, b, relu, height, width, ty, tx,
                    image, t);
      }
    }
  }
}
