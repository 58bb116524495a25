/// Bilinear ×2 up-sampling fused with the concatenation that follows it in a U-Net decoder.
extension Kernels {
  /// Bilinear ×2 up-sampling (half-pixel centres, edges clamped) of `x` and concatenation with
  /// `skip` along channels, in one pass:
  /// `[N, h, w, Cx]`, `[N, 2h, 2w, Cs]` → `[N, 2h, 2w, Cx + Cs]`.
  ///
  /// For ×2 the source coordinate of output `o` is `o/2 − 1/4`: even outputs take ¾ of the pixel
  /// below and ¼ of the one before it, odd outputs ¾ and ¼ of the one after.
  static func upsample2xConcatenate(_ x: Tensor, _ skip: Tensor) -> Tensor {
    let (n, h, w, cx) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let cs = skip.shape[3]
    let (oh, ow, c) = (2 * h, 2 * w, cx + cs)
    let output = Tensor(uninitializedShape: [n, oh, ow, c])
    let pointers = UncheckedSendable(
      (x.unsafePointer, skip.unsafePointer, output.unsafeMutablePointer))
    Parallel.forEachRange(n * oh, minimumChunk: 8) { rows in
      let (source, skipBase, destination) = pointers.value
      for row in rows {
        let (b, oy) = (row / oh, row % oh)
        let (y0, y1, wy0, wy1) = upsample2xTaps(oy, size: h)
        let top = source + (b * h + y0) * w * cx, bottom = source + (b * h + y1) * w * cx
        for ox in 0..<ow {
          let (x0, x1, wx0, wx1) = upsample2xTaps(ox, size: w)
          let out = destination + (row * ow + ox) * c
          let (a, bb, cc, d) = (top + x0 * cx, top + x1 * cx, bottom + x0 * cx, bottom + x1 * cx)
          let (w00, w01, w10, w11) = (wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1)
          for k in 0..<cx { out[k] = w00 * a[k] + w01 * bb[k] + w10 * cc[k] + w11 * d[k] }
          (out + cx).update(from: skipBase + (row * ow + ox) * cs, count: cs)
        }
      }
    }
    return withExtendedLifetime((x, skip)) { output }
  }

  /// The two inputs and their weights of output `o` of a ×2 bilinear up-sampling of `size`
  /// inputs (half-pixel centres, edges clamped): `o/2` weighs ¾, and the input before it (even
  /// `o`) or after it (odd `o`) ¼.
  @inline(__always)
  static func upsample2xTaps(_ o: Int, size: Int) -> (Int, Int, Float, Float) {
    let i = o / 2
    return o % 2 == 0
      ? (Swift.max(i - 1, 0), i, 0.25, 0.75) : (i, Swift.min(i + 1, size - 1), 0.75, 0.25)
  }
}
