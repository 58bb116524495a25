#ifndef C_STEREO_KERNELS_H
#define C_STEREO_KERNELS_H

/// Whether this CPU runs the AVX2 + FMA kernels below (checked once, at run time).
int wnet_narrow_conv3x3_available(void);

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
/// - scratch: `wnet_narrow_conv3x3_scratch_count(cin, width)` floats, owned by the caller.
void wnet_narrow_conv3x3_rows(
  const float *input, int height, int width, int inputStride, int offset, int cin,
  const float *weights, const float *bias, int cout, int relu, float *output, int rowBegin,
  int rowEnd, float *scratch);

/// The floats of scratch `wnet_narrow_conv3x3_rows` needs.
long wnet_narrow_conv3x3_scratch_count(int cin, int width);

#endif
