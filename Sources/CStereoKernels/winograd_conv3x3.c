// The Winograd 3x3 convolution of CStereoKernels.h: F(2x2, 3x3) (Lavin and Gray 2016), AVX2 +
// FMA through function attributes (no compiler flags), NHWC, eight channels per vector.
//
// Per chunk of up to WG_CHUNK tiles of one tile row (a tile is 2x2 outputs, read from 4x4
// inputs):
//   1. the input transform V = B^T d B of every tile and channel, stored V[pos][tile][ci]
//      (pos = 4i + j of the 4x4 result, ci padded to a multiple of 8 with zeros);
//   2. sixteen products M[pos] = V[pos] U[pos] (tiles x ci by ci x co), stored M[tile][pos][co];
//   3. the output transform A^T m A of every tile, the bias and ReLU, written where inside.
// Each output then costs 16 multiply-adds per input-output channel pair per 4 outputs, where the
// direct convolution costs 9 per output: 2.25 times fewer.
#include "CStereoKernels.h"

#include <immintrin.h>
#include <string.h>

#define UNROLL _Pragma("clang loop unroll(full)")
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE_AVX2 static inline __attribute__((always_inline, target("avx2,fma")))

// The most tiles per chunk (a multiple of the products' 6-tile blocks).
enum { WG_CHUNK = 96, WG_BLOCK = 6 };

int wnet_winograd_conv3x3_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static long padded_channels(int cin) { return ((long)cin + 7) / 8 * 8; }

// The floats between two positions' planes of V: one cache line more than the chunk needs, so
// that the sixteen planes never lie a multiple of 4 KiB apart (stores to them would then stall
// loads that alias them).
static long position_stride(long cp) { return WG_CHUNK * cp + 16; }

long wnet_winograd_filter_count(int cin, int cout) { return 16 * padded_channels(cin) * cout; }

void wnet_winograd_filter(const float *weights, int cin, int cout, float *u) {
  const long cp = padded_channels(cin);
  memset(u, 0, sizeof(float) * 16 * cp * cout);
  for (int o = 0; o < cout; o++) {
    for (int c = 0; c < cin; c++) {
      float g[3][3], t[4][3];
      for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) g[ky][kx] = weights[((long)o * 9 + ky * 3 + kx) * cin + c];
      // t = G g, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
      for (int kx = 0; kx < 3; kx++) {
        t[0][kx] = g[0][kx];
        t[1][kx] = 0.5f * (g[0][kx] + g[1][kx] + g[2][kx]);
        t[2][kx] = 0.5f * (g[0][kx] - g[1][kx] + g[2][kx]);
        t[3][kx] = g[2][kx];
      }
      // U = t G^T.
      for (int i = 0; i < 4; i++) {
        const float r[4] = {
          t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
          t[i][2]};
        for (int j = 0; j < 4; j++) u[((long)(4 * i + j) * cp + c) * cout + o] = r[j];
      }
    }
  }
}

long wnet_winograd_scratch_count(int cin, int cout) {
  return 16 * position_stride(padded_channels(cin)) + 16L * WG_CHUNK * cout;
}

// Lanes c < count of a mask (all lanes for count >= 8).
INLINE_AVX2 __m256i lane_mask(int count) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), index);
}

// One input pixel's eight channels from c (zeros outside the image or past cin).
INLINE_AVX2 __m256 pixel(
  const float *image, int height, int width, int cin, int y, int x, long c, __m256i mask,
  int inside) {
  if (!inside && (y < 0 || y >= height || x < 0 || x >= width)) return _mm256_setzero_ps();
  return _mm256_maskload_ps(image + ((long)y * width + x) * cin + c, mask);
}

// Row i of B^T d for the four columns from x0, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
// then (B^T d) B of that row, stored at v (pos stride posStride) for pos = 4i ... 4i + 3.
INLINE_AVX2 void transform_row(
  const float *image, int height, int width, int cin, int y0, int x0, long c, __m256i mask,
  int inside, int i, float *v, long posStride) {
  static const int first[4] = {0, 1, 2, 1}, second[4] = {2, 2, 1, 3};
  static const float sign[4] = {-1, 1, -1, -1};
  __m256 r[4];
  UNROLL for (int j = 0; j < 4; j++) {
    const __m256 a = pixel(image, height, width, cin, y0 + first[i], x0 + j, c, mask, inside);
    const __m256 b = pixel(image, height, width, cin, y0 + second[i], x0 + j, c, mask, inside);
    r[j] = sign[i] > 0 ? _mm256_add_ps(a, b) : _mm256_sub_ps(a, b);
  }
  _mm256_storeu_ps(v, _mm256_sub_ps(r[0], r[2]));
  _mm256_storeu_ps(v + posStride, _mm256_add_ps(r[1], r[2]));
  _mm256_storeu_ps(v + 2 * posStride, _mm256_sub_ps(r[2], r[1]));
  _mm256_storeu_ps(v + 3 * posStride, _mm256_sub_ps(r[1], r[3]));
}

// The input transform of `tiles` tiles from column tile `first` of tile row `ty` (output rows
// 2ty, 2ty + 1) of one image, into v[pos][t][ci] (row stride cp, pos stride
// position_stride(cp)).
INLINE_AVX2 void input_transform(
  const float *image, int height, int width, int cin, long cp, int ty, int first, int tiles,
  float *v) {
  const long posStride = position_stride(cp);
  const int y0 = 2 * ty - 1;
  for (int t = 0; t < tiles; t++) {
    const int x0 = 2 * (first + t) - 1;
    const int inside = y0 >= 0 && y0 + 3 < height && x0 >= 0 && x0 + 3 < width;
    for (long c = 0; c < cp; c += 8) {
      const __m256i mask = lane_mask(cin - (int)c);
      float *row = v + (long)t * cp + c;
      if (inside) {
        UNROLL for (int i = 0; i < 4; i++)
          transform_row(image, height, width, cin, y0, x0, c, mask, 1, i, row + 4 * i * posStride,
            posStride);
      } else {
        UNROLL for (int i = 0; i < 4; i++)
          transform_row(image, height, width, cin, y0, x0, c, mask, 0, i, row + 4 * i * posStride,
            posStride);
      }
    }
  }
}

// m[t][co] (row stride mStride) for WG_BLOCK tiles and NV vectors of outputs from co:
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

// The sixteen products of `tiles` tiles (a multiple of WG_BLOCK): m[t][pos][co].
INLINE_AVX2 void products(
  const float *v, long cp, const float *u, int cout, int tiles, float *m) {
  const long mStride = 16L * cout;
  for (int pos = 0; pos < 16; pos++) {
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

// The output transform of `tiles` tiles from column tile `first` of tile row `ty`, with the
// bias and ReLU, into the output rows inside the image.
INLINE_AVX2 void output_transform(
  const float *m, int cout, const float *bias, int relu, int height, int width, int ty,
  int first, int tiles, float *image) {
  const __m256 zero = _mm256_setzero_ps();
  for (int t = 0; t < tiles; t++) {
    const float *mt = m + (long)t * 16 * cout;
    const int y0 = 2 * ty, x0 = 2 * (first + t);
    for (int co = 0; co < cout; co += 8) {
      __m256 s[2][4];
      // Rows: A^T m, A^T = [1 1 1 0; 0 1 -1 -1].
      UNROLL for (int j = 0; j < 4; j++) {
        const __m256 m0 = _mm256_loadu_ps(mt + (0 + j) * cout + co);
        const __m256 m1 = _mm256_loadu_ps(mt + (4 + j) * cout + co);
        const __m256 m2 = _mm256_loadu_ps(mt + (8 + j) * cout + co);
        const __m256 m3 = _mm256_loadu_ps(mt + (12 + j) * cout + co);
        s[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        s[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      const __m256 b = bias ? _mm256_loadu_ps(bias + co) : zero;
      UNROLL for (int a = 0; a < 2; a++) {
        const int y = y0 + a;
        if (y >= height) break;
        __m256 o[2] = {
          _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s[a][0], s[a][1]), s[a][2]), b),
          _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s[a][1], s[a][2]), s[a][3]), b)};
        UNROLL for (int e = 0; e < 2; e++) {
          const int x = x0 + e;
          if (x >= width) break;
          const __m256 value = relu ? _mm256_max_ps(o[e], zero) : o[e];
          _mm256_storeu_ps(image + ((long)y * width + x) * cout + co, value);
        }
      }
    }
  }
}

AVX2 void wnet_winograd_conv3x3_rows(
  const float *input, int height, int width, int cin, const float *u, const float *bias,
  int cout, int relu, float *output, int tileRowBegin, int tileRowEnd, float *scratch) {
  const long cp = padded_channels(cin);
  const int tileRows = (height + 1) / 2, tileColumns = (width + 1) / 2;
  float *v = scratch, *m = scratch + 16 * position_stride(cp);
  for (int row = tileRowBegin; row < tileRowEnd; row++) {
    const int n = row / tileRows, ty = row % tileRows;
    const float *image = input + (long)n * height * width * cin;
    float *outImage = output + (long)n * height * width * cout;
    const int chunks = (tileColumns + WG_CHUNK - 1) / WG_CHUNK;
    const int perChunk = (tileColumns + chunks - 1) / chunks;
    for (int first = 0; first < tileColumns; first += perChunk) {
      const int tiles = tileColumns - first < perChunk ? tileColumns - first : perChunk;
      const int blocked = (tiles + WG_BLOCK - 1) / WG_BLOCK * WG_BLOCK;
      input_transform(image, height, width, cin, cp, ty, first, tiles, v);
      // The block's spare tiles read zeros (their products are never written out).
      for (int pos = 0; pos < 16; pos++)
        memset(v + pos * position_stride(cp) + (long)tiles * cp, 0, sizeof(float) * (blocked - tiles) * cp);
      products(v, cp, u, cout, blocked, m);
      output_transform(m, cout, bias, relu, height, width, ty, first, tiles, outImage);
    }
  }
}
