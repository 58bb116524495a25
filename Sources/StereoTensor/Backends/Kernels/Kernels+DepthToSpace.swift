/// Moving `s×s` pixel blocks between space and channels, for transposed convolutions whose kernel
/// equals their stride.
///
///     depth-to-space:  y[n, iy·s + ky, ix·s + kx, c] = z[n, iy, ix, (ky·s + kx)·C + c] (+ b[c])
///
/// Threads take output rows; each copies runs of `C` floats.
extension Kernels {
  /// `[N, H, W, s²·C]` → `[N, s·H, s·W, C]`, adding `bias` (`[C]`) when given.
  static func depthToSpace(_ input: Tensor, block s: Int, bias: Tensor?) -> Tensor {
    let (n, h, w, depth) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let c = depth / (s * s)
    let output = Tensor(uninitializedShape: [n, h * s, w * s, c])
    let z = input.unsafePointer, y = output.unsafeMutablePointer
    let b = bias?.unsafePointer
    let outputRow = w * s * c
    Parallel.forEachRange(n * h * s, minimumChunk: Swift.max(1, grain / Swift.max(outputRow, 1))) {
      rows in
      for row in rows {
        let (image, oy) = (row / (h * s), row % (h * s))
        let (iy, ky) = (oy / s, oy % s)
        let destinationRow = y + row * outputRow
        let sourceRow = z + ((image * h + iy) * w) * depth + ky * s * c
        for ix in 0..<w {
          for kx in 0..<s {
            let destination = destinationRow + (ix * s + kx) * c
            let source = sourceRow + ix * depth + kx * c
            if let b {
              for channel in 0..<c { destination[channel] = source[channel] + b[channel] }
            } else {
              copy(destination, source, count: c)
            }
          }
        }
      }
    }
    return withExtendedLifetime((input, bias)) { output }
  }

  /// `[N, s·H, s·W, C]` → `[N, H, W, s²·C]`, the inverse of ``depthToSpace(_:block:bias:)``.
  static func spaceToDepth(_ input: Tensor, block s: Int) -> Tensor {
    let (n, sh, sw, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (h, w) = (sh / s, sw / s)
    let depth = s * s * c
    let output = Tensor(uninitializedShape: [n, h, w, depth])
    let x = input.unsafePointer, z = output.unsafeMutablePointer
    let inputRow = sw * c
    Parallel.forEachRange(n * h * s, minimumChunk: Swift.max(1, grain / Swift.max(inputRow, 1))) {
      rows in
      for row in rows {
        // Input row `row` is (image, iy·s + ky).
        let (image, sy) = (row / (h * s), row % (h * s))
        let (iy, ky) = (sy / s, sy % s)
        let sourceRow = x + row * inputRow
        let destinationRow = z + ((image * h + iy) * w) * depth + ky * s * c
        for ix in 0..<w {
          for kx in 0..<s {
            copy(destinationRow + ix * depth + kx * c, sourceRow + (ix * s + kx) * c, count: c)
          }
        }
      }
    }
    return withExtendedLifetime(input) { output }
  }
}
