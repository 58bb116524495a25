#ifndef C_STEREO_KERNELS_H
#define C_STEREO_KERNELS_H

/// Whether this CPU runs the AVX2 + FMA kernels below (`lanes` 8).
int wnet_narrow_conv3x3_available(void);

/// Whether it also runs their AVX-512 variant (`lanes` 16: sixteen output pixels per vector).
/// Both give the same result, bit for bit: each output is the same sequence of FMAs.
int wnet_narrow_conv3x3_avx512_available(void);

/// Whether it also runs the bfloat16 variant (`bfloat16` 1 with `lanes` 16: AVX512-BF16).
int wnet_narrow_conv3x3_bf16_available(void);

/// Whether it also runs the AMX variant (`bfloat16` 2 with `lanes` 16: AMX-TILE and AMX-BF16,
/// enabled by the OS for this process, which this call requests once).
int wnet_narrow_conv3x3_amx_available(void);

/// Whether the CPU is Intel's (CPUID's vendor "GenuineIntel"): 1 or 0.
int wnet_cpu_is_intel(void);

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
/// - output: `[batch, height, width, cout]`, 1 <= cout <= 16 (computed in groups of up to 8).
/// - lanes: 8 (AVX2 + FMA) or 16 (AVX-512, where `wnet_narrow_conv3x3_avx512_available`).
/// - bfloat16: 0, or 1 (with `lanes` 16, where `wnet_narrow_conv3x3_bf16_available`): the inputs
///   and weights rounded to bfloat16 (to nearest, ties to even; finite values), each pair of
///   channels (2k, 2k + 1; a missing last one is 0) of a tap added by one `vdpbf16ps` to the
///   float sum, the odd channel's product first, then the even one's (each product exact, each
///   sum rounded to float), in the order ky, k, kx after the bias. Or 2 (where
///   `wnet_narrow_conv3x3_amx_available` and cin <= 32; else as 1): the same rounded pairs, all
///   outputs at once on AMX tiles, one TDPBF16PS per tap in the order ky, kx (its sums in the
///   order the hardware takes, so not bit for bit the order of 1).
/// - scratch: `wnet_narrow_conv3x3_scratch_count(cin, width)` floats, owned by the caller.
void wnet_narrow_conv3x3_rows(
  const float *input, int height, int width, int inputStride, int offset, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, int bfloat16,
  float *output, int rowBegin, int rowEnd, float *scratch);

/// Whether this CPU runs the Winograd convolution below (AVX2 + FMA).
int wnet_winograd_conv3x3_available(void);

/// The floats of a filter transformed for the Winograd convolution: `36 * cinPadded * cout`,
/// `cinPadded` = cin rounded up to a multiple of 8.
long wnet_winograd_filter_count(int cin, int cout);

/// Transforms a 3x3 filter `[cout, 3, 3, cin]` (OHWI) for F(4x4, 3x3):
/// `u[pos][c][o]` = (G g_{o,c} G^T)[pos / 6][pos % 6] (computed in double), G = [1/4 0 0;
/// -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1], zero for the padding
/// channels c >= cin.
void wnet_winograd_filter(const float *weights, int cin, int cout, float *u);

/// The floats of scratch `wnet_winograd_conv3x3_rows` needs.
long wnet_winograd_scratch_count(int cin, int cout);

/// The same convolution as `wnet_narrow_conv3x3_rows` (3x3, stride 1, zero padding of one pixel,
/// NHWC, bias and optional ReLU fused; every input channel read, `inputStride` = cin) by
/// Winograd's F(4x4, 3x3): each 4x4 block of outputs from the 6x6 inputs around it as
/// `A^T [sum_c (G g G^T) . (B^T d B)] A` (36 multiply-adds per channel pair per block against
/// 144). Within float rounding of the direct sums (about 1e-5 of their size), not bit for bit.
///
/// - u: `wnet_winograd_filter` of the weights; bias: `[cout]` or NULL; cout a multiple of 8.
/// - The tile rows `tileRowBegin..<tileRowEnd` of the `batch * ceil(height / 4)` tile rows
///   (tile row `n * ceil(height / 4) + ty` writes output rows 4ty ... 4ty + 3 of image n).
/// - scratch: `wnet_winograd_scratch_count(cin, cout)` floats, owned by the caller.
void wnet_winograd_conv3x3_rows(
  const float *input, int height, int width, int cin, const float *u, const float *bias,
  int cout, int relu, float *output, int tileRowBegin, int tileRowEnd, float *scratch);

/// Writes input row `row` (`n * height + y`) into the planes of `slot`: channel c, column x at
/// `slot[c * planeLength + 1 + x]`, for every c < cin and x < width, and nothing else (the
/// planes' padding must stay zero).
typedef void (*wnet_narrow_conv3x3_fill)(void *context, long row, float *slot, long planeLength);

/// `wnet_narrow_conv3x3_rows` of an input that is never stored: `fill(context, ...)` writes
/// each input row the output rows need, once per call (two more at each end of the range).
/// The same arithmetic as from a stored input with the same values.
void wnet_narrow_conv3x3_rows_filled(
  wnet_narrow_conv3x3_fill fill, void *context, int height, int width, int cin,
  const float *weights, const float *bias, int cout, int relu, int lanes, int bfloat16,
  float *output, int rowBegin, int rowEnd, float *scratch);

/// `wnet_narrow_conv3x3_rows` (no ReLU, `inputStride` = cin, 1 <= cout <= 8) ending in the
/// softmax summary of each pixel's `cout` outputs x_k instead of storing them:
///
///     e_k = exp(x_k - max x),  S = sum e_k,  disparity = first + (sum k e_k) / S (+ base)
///     peak = 1 / S
///
/// with the operations of `wnet_softmax_summary8`, in its order (its `constants`), so the same
/// bits as the stored outputs summarized there. With `localRadius` >= 0, `wnet_local_expected8`'s
/// local expectation instead (over the outputs within `localRadius` of the first largest, the
/// weighted sum divided by the sum), its bits too, and no peak.
///
/// - base: `[batch * height, width]` or NULL; disparity: `[batch * height, width]`; peak: the
///   same or NULL. Rows `rowBegin..<rowEnd` are written.
/// - scratch: `wnet_narrow_conv3x3_scratch_count(cin, width)` floats.
void wnet_narrow_conv3x3_rows_expected(
  const float *input, int height, int width, int cin, const float *weights, const float *bias,
  int cout, int lanes, int bfloat16, const float *base, float first, const float *constants,
  int localRadius, float *disparity, float *peak, int rowBegin, int rowEnd, float *scratch);

/// The floats of scratch `wnet_narrow_conv3x3_rows`, `wnet_narrow_conv3x3_rows_filled` and
/// `wnet_narrow_conv3x3_rows_expected` need.
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

/// The indices of `wnet_softmax_summary8`'s `constants`: VectorMath.ExpConstants and its
/// rounding magic, given by the caller so that they are defined once.
enum {
  WNET_EXP_LOG2E = 0,
  WNET_EXP_LN2_HIGH = 1,
  WNET_EXP_LN2_EXCESS = 2,
  WNET_EXP_P0 = 3,  // p0 ... p5 at 3 ... 8
  WNET_EXP_LOWER_LIMIT = 9,
  WNET_EXP_ROUNDING_MAGIC = 10,
  WNET_EXP_CONSTANT_COUNT = 11
};

/// DisparityConfidence's summary of `count` (1...8) candidates per pixel, eight pixels per
/// vector (AVX2 + FMA, where `wnet_narrow_conv3x3_available`), for the first multiple of eight
/// of `pixels`; returns how many it wrote (the caller finishes the rest):
///
///     e_k = exp(x_k - max x),  S = sum e_k,  disparity = first + (sum k e_k) / S (+ base)
///     peak = 1 / S,  confidence = 1 - (ln S - (sum e_k (x_k - max x)) / S) / logCount
///
/// with the exponential of VectorMath.expOfNonPositive (its constants in `constants`) and ln
/// of the C library, the same bits as the Swift path.
///
/// - logits: `[pixels, count]`; base, peak, confidence: `[pixels]` or NULL.
long wnet_softmax_summary8(
  const float *logits, int count, long pixels, const float *base, float first, float logCount,
  const float *constants, float *disparity, float *peak, float *confidence);

/// InvalidPixelRule's pass (AVX2 + FMA, where `wnet_narrow_conv3x3_available`) over the first
/// multiple of eight of `pixels`; returns how many it did (the caller finishes the rest) and,
/// in `kept`, how many of them it kept. Per pixel, with `p = peak`, `e = difference`:
///
///     confidence = isfinite(e) ? p * exp(-e / tau) : 0
///     marked     = (e <= tau && p >= minimumPeak && isfinite(marked)) ? marked : +inf
///
/// (false comparisons for NaN), the exponential as wnet_softmax_summary8's: the Swift path's
/// bits. All arrays hold `pixels` values; `marked` is read and written in place.
long wnet_invalid_pixel_pass8(
  const float *peak, const float *difference, long pixels, float tau, float minimumPeak,
  const float *constants, float *marked, float *confidence, long *kept);

/// LeftRightConsistency.difference along one row (AVX2 + FMA, where
/// `wnet_narrow_conv3x3_available`): for each x, with `u = x + direction * own[x]`,
///
///     output[x] = |own[x] - ((1 - f) * other[floor(u)] + f * other[min(floor(u) + 1, width - 1)])|
///
/// (`f = u - floor(u)`), +inf where `u` is outside [0, width - 1] or the result is NaN; unfused:
/// the Swift path's bits. `own`, `other` and `output` hold `width` values.
void wnet_left_right_row(
  const float *own, const float *other, int width, float direction, float *output);

/// DisparityPropagation.handOn for the output rows [row0, row1) of one image (AVX2, where
/// `wnet_narrow_conv3x3_available`): `coarse` [h, w], `marked` [h, w] (a cell's 3×3 estimates span
/// more than the threshold), `bilinear` [2h, 2w], `own` and `other` [2h, 2w, channels], `out`
/// [2h, 2w]. A marked pixel takes the first of its ten candidates with the least box-summed
/// feature error, errors below `floorCost` counted as `floorCost`; the others the bilinear value. Scratch: `ring` (2·reach + 1)·2w·10 floats, `ringRows`
/// 2·reach + 1 ints, `columns` 2w bytes. The Swift path's bits.
void wnet_propagation_rows(
  const float *coarse, int h, int w, const unsigned char *marked, const float *bilinear,
  const float *own, const float *other, int channels, float sigma, int reach, float floorCost,
  int row0, int row1, float *ring, int *ringRows, unsigned char *columns, float *out);

/// DisparityPropagation's marked cells: `marked[y, x]` = 1 where `2·coarse` over the cell's 3×3
/// neighbourhood (clipped at the map's sides) spans more than `threshold`. `[h, w]` each.
void wnet_propagation_marks(
  const float *coarse, int h, int w, float threshold, unsigned char *marked);

/// One output row of Kernels.upsample2xScaled for one channel (AVX2 + FMA, where
/// `wnet_narrow_conv3x3_available`): with `m[i] = wy0 * top[i] + wy1 * bottom[i]`,
///
///     out[2i]     = scale * (0.25 * m[max(i - 1, 0)] + 0.75 * m[i])
///     out[2i + 1] = scale * (0.75 * m[i] + 0.25 * m[min(i + 1, width - 1)])
///
/// unfused: the Swift path's bits. `blended`: scratch of `width` floats; out: `2 * width`.
void wnet_upsample2x_scaled_row(
  const float *top, const float *bottom, int width, float wy0, float wy1, float scale,
  float *blended, float *out);

/// One row of Kernels.correlation's forward (AVX2 + FMA, where `wnet_narrow_conv3x3_available`):
///
///     output[x, k] = (sum_c features[x, c] * planes[c * length + t(x) + k]) * scale
///
/// with `t(x) = (reversed ? width - 1 - x : x) + firstTap`, the channel sum in ascending `c` from
/// 0, unfused: the Swift path's bits.
///
/// - planes: the target row as `channels` planes of `length` floats (Kernels.CorrelationGeometry),
///   zero-padded so that every lane of `ceil(candidateCount / 8) * 8` taps is inside.
/// - features: `[width, channels]`; output: `[width, candidateCount]`.
void wnet_correlation_row(
  const float *planes, long length, const float *features, int width, int channels,
  int candidateCount, int reversed, long firstTap, float scale, float *output);

/// DisparityConfidence.localExpectedDisparity of `count` (1...8) candidates per pixel, eight
/// pixels per vector (AVX2 + FMA), for the first multiple of eight of `pixels`; returns how many
/// it wrote (the caller finishes the rest):
///
///     k* = the first largest x_k,  e_k = exp(x_k - x_k*) for |k - k*| <= radius, else 0
///     disparity = (first + (sum k e_k) / (sum e_k)) + (base or 0)
///
/// sums in ascending k, the exponential as wnet_softmax_summary8's: the same bits as the Swift
/// path.
///
/// - logits: `[pixels, count]`; base: `[pixels]` or NULL.
long wnet_local_expected8(
  const float *logits, int count, long pixels, const float *base, float first, int radius,
  const float *constants, float *disparity);

/// WeightedMedianFilter's extremes along a row: for each x, the smallest and largest bin >= 0
/// among the votes `x + step * j`, `|step * j| <= radius` (INFINITY and -1 where none is),
/// `width` of each.
/// - bins: a padded row, `width + 2 * radius` values (-1 = unknown), pixel x at `radius + x`.
void wnet_row_extremes(
  const float *bins, int width, int radius, int step, float *lowest, float *highest);

/// The extremes of `row` over rows `row + step * i`, `|step * i| <= radius` (clipped), of the row
/// extremes (`[height, width]` each): those of each pixel's votes.
void wnet_column_extremes(
  const float *rowLowest, const float *rowHighest, int width, int height, int row, int radius,
  int step, float *lowest, float *highest);

/// The indices of WeightedMedianFilter's weight constants (`constants` below).
enum {
  WNET_WEIGHT_LOWER = 0,
  WNET_WEIGHT_LOG2E = 1,
  WNET_WEIGHT_C1 = 2,
  WNET_WEIGHT_C2 = 3,
  WNET_WEIGHT_C3 = 4,
  WNET_WEIGHT_CONSTANT_COUNT = 5
};

/// WeightedMedianFilter's planes, one row: the guide's colours `floor(255 v + 1/2)` clamped to
/// 0...255 (`[height, width, channels]`, 1 or 3 channels, values in [0, 1]), `poison` in every
/// channel of an unknown pixel and of the padding, the known disparities' bins (`floor(d + 1/2)`
/// clamped to 0...65535), -1 for unknown pixels and the padding: every value of the row's
/// padded planes. Returns the row's largest bin, or -1. Layouts as for
/// wnet_weighted_median_row.
float wnet_weighted_median_planes(
  const float *guide, int channels, const float *disparity, int width, int height, int radius,
  int row, float poison, float *colours, float *bins);

/// WeightedMedianFilter on one row, `lanes` (8: AVX2 + FMA, or 16: AVX-512; the CPU checks are
/// wnet_narrow_conv3x3_available and wnet_narrow_conv3x3_avx512_available) pixels per vector:
/// for each known pixel `p` of `row` whose votes' extremes are not both within `tolerance` of
/// `d(p)` and span at least `edgeSpan` (highest - lowest), over the votes
/// `q = p + step * (i, j)`, `|step * i|, |step * j| <= radius`, inside the image and known,
///
///     w     = weight(((dr*dr + dg*dg) + db*db) * negativeScale)  (WeightedMedianFilter.weight,
///                                                               its constants in `constants`)
///     total = sum w,  below = sum w [b(q) < ceil(d - tolerance)],  upto = sum w [b(q) <= floor(d + tolerance)]
///
/// (float sums in scan order: rows, then columns, ascending). If `below >= total / 2` the median
/// is the first bin from the window's lowest whose running sum of the votes below reaches
/// `total / 2`; if `upto < total / 2`, the first bin above `floor(d + tolerance)` at which `upto`
/// plus the running sum of the votes above reaches it; that bin is written to `output[x]`. Other
/// pixels are left as they are. Returns how many pixels moved.
///
/// - colours: three planes (red, green, blue, values 0...255), each `[height, width + 2 * radius]`;
///   pixel (v, u) at `v * (width + 2 * radius) + radius + u`; unknown pixels and the padding
///   hold a poison (wnet_weighted_median_planes) whose weight is 0.
/// - bins: one such plane: `floor(d + 1/2)` clamped to 0...65535, -1 where unknown (and in the
///   padding).
/// - lowest, highest: `[height, width]`, the votes' extremes (wnet_column_extremes).
/// - disparity: `[height, width]`; output: the row's `width` values, the input's on entry.
/// - histogram: more floats than the largest bin, zero; left zero.
/// - weights: scratch of `16 * (2 * (radius / step) + 1)^2` floats.
/// - sums: NULL, or `3 * width` floats that receive each filtered pixel's (total, below, upto).
long wnet_weighted_median_row(
  const float *colours, const float *bins, const float *lowest, const float *highest,
  const float *disparity, int width, int height, int row, int radius, int step, float tolerance,
  float edgeSpan, float negativeScale, const float *constants, int lanes, float *histogram,
  float *weights, float *output, float *sums);

/// The row length of HoleFill's planes: `width + 2 * radius` and 16 more columns, so that a
/// vector of pixels at any column of the row stays inside it.
long wnet_hole_fill_stride(int width, int radius);

/// HoleFill's planes, one row: the guide's channels (`[height, width, channels]`, 1 or 3
/// channels; grey fills the first plane, the others are not read), the known disparities' bins
/// (`floor(d + 1/2)` clamped to 0...65535, -1 where unknown) and the disparities (0 where
/// unknown); the padding holds colour 0, bin -1 and value 0. Each plane is `[height,
/// wnet_hole_fill_stride]`, pixel (v, u) at `v * stride + radius + u`.
void wnet_hole_fill_planes(
  const float *guide, int channels, const float *disparity, int width, int height, int radius,
  int row, float *colours, float *bins, float *values);

/// HoleFill's proposals for the holes (unknown pixels) of `row`, `lanes` (8: AVX2 + FMA, or 16:
/// AVX-512) pixels per vector: over the known votes `q = p + step * (i, j)`, `|step * i|,
/// |step * j| <= radius`, inside the image,
///
///     w = weight(distance * negativeScale)   (WeightedMedianFilter.weight, `constants`)
///     distance = fma(db, db, fma(dg, dg, dr * dr)) with 3 channels, dr * dr with 1
///     W = sum w,  b* = the smallest bin whose running sum of its votes' weights reaches W / 2
///     and holds weight,  m = (sum over b* of fma(w, d, .)) / (sum over b* of w)
///
/// (float sums in scan order: rows, then columns, ascending). For each hole `x` with `W >=
/// minimumWeight`, `W > 0` and a median bin, in ascending order, `columns[k] = x` and
/// `proposals[k] = m`; returns how many (`k` up to `width`).
///
/// - colours, bins, values: wnet_hole_fill_planes' planes of every row.
/// - weights: scratch of `16 * (2 * (radius / step) + 1)^2` floats.
long wnet_hole_fill_row(
  const float *colours, int channels, const float *bins, const float *values, int width,
  int height, int row, int radius, int step, float negativeScale, float minimumWeight,
  const float *constants, int lanes, float *weights, int *columns, float *proposals);

#endif
