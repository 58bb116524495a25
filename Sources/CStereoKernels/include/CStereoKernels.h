#ifndef C_STEREO_KERNELS_H
#define C_STEREO_KERNELS_H

/// Whether this CPU runs the AVX2 + FMA kernels below (`lanes` 8).
int wnet_narrow_conv3x3_available(void);

/// Whether it also runs their AVX-512 variant (`lanes` 16: sixteen output pixels per vector).
/// Both give the same result, bit for bit: each output is the same sequence of FMAs.
int wnet_narrow_conv3x3_avx512_available(void);

/// A 3x3, stride-1, zero-padded (1 pixel) convolution with few output channels, NHWC, with the
/// bias and an optional ReLU fused:
///
///     out[n, y, x, o] = act(b[o] + sum_{ky, kx, c} in[n, y+ky-1, x+kx-1, offset + c]
///                                                  * w[o, ky, kx, c])
///
/// for the rows `rowBegin..<rowEnd` of the `batch * height` rows (row = n * height + y).
///
/// - input: `[batch, height, width, inputStride]`; channels `offset ..< offset + cin` are read.
/// - weights: `[cout, 3, 3, cin]` (OHWI); bias: `[cout]` or NULL.
/// - output: `[batch, height, width, cout]`, 1 <= cout <= 8.
/// - lanes: 8 (AVX2 + FMA) or 16 (AVX-512, where `wnet_narrow_conv3x3_avx512_available`).
/// - scratch: `wnet_narrow_conv3x3_scratch_count(cin, width)` floats, owned by the caller.
void wnet_narrow_conv3x3_rows(
  const float *input, int height, int width, int inputStride, int offset, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, float *output,
  int rowBegin, int rowEnd, float *scratch);

/// Writes input row `row` (`n * height + y`) into the planes of `slot`: channel c, column x at
/// `slot[c * planeLength + 1 + x]`, for every c < cin and x < width, and nothing else (the
/// planes' padding must stay zero).
typedef void (*wnet_narrow_conv3x3_fill)(void *context, long row, float *slot, long planeLength);

/// `wnet_narrow_conv3x3_rows` of an input that is never stored: `fill(context, ...)` writes
/// each input row the output rows need, once per call (two more at each end of the range).
/// The same arithmetic as from a stored input with the same values.
void wnet_narrow_conv3x3_rows_filled(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, float *output,
  int rowBegin, int rowEnd, float *scratch);

/// The floats of scratch `wnet_narrow_conv3x3_rows` and `wnet_narrow_conv3x3_rows_filled`
/// need.
long wnet_narrow_conv3x3_scratch_count(int cin, int width);

/// One row of a refinement scale's input (OffsetSelection.refinementInput), AVX2 + FMA (where
/// `wnet_narrow_conv3x3_available`): this view's features, then their correlation with the other
/// view's features warped by the base disparity,
///
///     warped(x, c)   = (1 - f) * other(i0, c) + f * other(i1, c),  the tap of x + s * d0(x)
///     score(x, k)    = (1/C) * sum_c features(x, c) * warped(x + s * (k - r), c)
///
/// (s = -1 for the left view, +1 for the right; the tap clamped to the row, edge replicated;
/// a score's warped column outside the row reads 0), channel `ch < C + 2r + 1` of pixel `x` at
/// `destination[x * pixelStride + ch * channelStride]`. The same bits as the Swift definition.
///
/// - features, other: `[rows, width, channels]`; base: `[rows, width]`; row: which row.
/// - radius: 0...3.
/// - scratch: `wnet_refinement_input_scratch_count(width, channels)` floats.
void wnet_refinement_input_row(
  const float *features, const float *other, const float *base, int width, int channels,
  int radius, int leftView, long row, float *destination, long pixelStride, long channelStride,
  float *scratch);

/// The floats of scratch `wnet_refinement_input_row` needs.
long wnet_refinement_input_scratch_count(int width, int channels);

#endif
