internal import CStereoKernels

/// Bilinear ×2 up-sampling with a scale, for coarse-to-fine disparities.
extension Kernels {
  /// `s · upsampled2x(x)` in one pass (half-pixel centres, edges clamped, as
  /// ``upsample2xConcatenate(_:_:)``): `[N, h, w, C]` → `[N, 2h, 2w, C]`,
  ///
  ///     out(oy, ox) = s · Σ wy·wx·x(y, x)   over the two rows and columns of each output,
  ///
  /// with weights ¾ (the pixel `o/2`) and ¼ (the one before it for even `o`, after it for odd).
  /// Rows split across threads. oneDNN's resampling of a one-channel map fills one lane of its
  /// vectors: at 640×480 it took 0.6 ms, and the scaling another pass. With `vectorized` and one
  /// channel (disparities), each row runs in C (`wnet_upsample2x_scaled_row`, AVX2): the same
  /// operations, so the same bits.
  static func upsample2xScaled(
    _ x: Tensor, by scale: Float, vectorized: Bool = vectorKernelsAvailable
  ) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (2 * h, 2 * w)
    let output = Tensor(uninitializedShape: [n, oh, ow, c])
    let pointers = UncheckedSendable((x.unsafePointer, output.unsafeMutablePointer))
    Parallel.forEachRange(n * oh, minimumChunk: 8) { rows in
      let (source, destination) = pointers.value
      // The C rows' blended input row, one per thread.
      let blended: UnsafeMutablePointer<Float>? =
        vectorized && c == 1 ? .allocate(capacity: w) : nil
      defer { blended?.deallocate() }
      for row in rows {
        let (b, oy) = (row / oh, row % oh)
        let (y0, y1, wy0, wy1) = upsample2xTaps(oy, size: h)
        let top = source + (b * h + y0) * w * c, bottom = source + (b * h + y1) * w * c
        let out = destination + row * ow * c
        if let blended {
          wnet_upsample2x_scaled_row(top, bottom, Int32(w), wy0, wy1, scale, blended, out)
          continue
        }
        for ix in 0..<w {
          let (before, after) = (Swift.max(ix - 1, 0), Swift.min(ix + 1, w - 1))
          for k in 0..<c {
            // The rows blended first, at the three columns the pair of outputs reads.
            let middle = wy0 * top[ix * c + k] + wy1 * bottom[ix * c + k]
            let left = wy0 * top[before * c + k] + wy1 * bottom[before * c + k]
            let right = wy0 * top[after * c + k] + wy1 * bottom[after * c + k]
            out[2 * ix * c + k] = scale * (0.25 * left + 0.75 * middle)
            out[(2 * ix + 1) * c + k] = scale * (0.75 * middle + 0.25 * right)
          }
        }
      }
    }
    return withExtendedLifetime(x) { output }
  }
}
