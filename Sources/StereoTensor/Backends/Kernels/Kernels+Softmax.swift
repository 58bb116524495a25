/// Softmax over the last axis, forward and backward.
///
/// Rows of `D` contiguous values (the channels of an NHWC tensor, e.g. W-net's 48 disparity
/// logits per pixel) are independent; threads take runs of rows. Within a row the maximum, the
/// exponentials (``VectorMath/expOfNonPositive(_:)``) and the sums each run as a vectorised loop.
extension Kernels {
  /// `y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)`.
  static func softmax(_ input: Tensor) -> Tensor {
    let output = Tensor(uninitializedShape: input.shape)
    let length = input.shape[input.rank - 1]
    guard output.count > 0, length > 0 else { return output }
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(output.count / length, minimumChunk: Swift.max(1, grain / 4 / length)) {
      rows in
      for row in rows {
        let (xs, ys) = (x + row * length, y + row * length)
        let peak = rowMaximum(xs, length)
        VectorMath.exp(xs, minus: peak, into: ys, count: length)
        let scale = 1 / rowSum(UnsafePointer(ys), length)
        for k in 0..<length { ys[k] *= scale }
      }
    }
    return withExtendedLifetime(input) { output }
  }

  /// `dx_k = y_k·(g_k − Σ_j g_j·y_j)`.
  static func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor {
    let inputGradient = Tensor(uninitializedShape: output.shape)
    let length = output.shape[output.rank - 1]
    guard output.count > 0, length > 0 else { return inputGradient }
    let y = output.unsafePointer, g = outputGradient.unsafePointer
    let dx = inputGradient.unsafeMutablePointer
    Parallel.forEachRange(output.count / length, minimumChunk: Swift.max(1, grain / length)) {
      rows in
      for row in rows {
        let (ys, gs, dxs) = (y + row * length, g + row * length, dx + row * length)
        let dot = rowDot(ys, gs, length)
        for k in 0..<length { dxs[k] = ys[k] * (gs[k] - dot) }
      }
    }
    return withExtendedLifetime((outputGradient, output)) { inputGradient }
  }

  @inline(__always)
  private static func rowMaximum(_ x: UnsafePointer<Float>, _ length: Int) -> Float {
    // Four running maxima: the compiler keeps them in one vector register (SIMD8's
    // `replacing(with:where:)` measured 3x slower).
    var (m0, m1, m2, m3) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
    var k = 0
    while k + 4 <= length {
      m0 = m0 < x[k] ? x[k] : m0
      m1 = m1 < x[k + 1] ? x[k + 1] : m1
      m2 = m2 < x[k + 2] ? x[k + 2] : m2
      m3 = m3 < x[k + 3] ? x[k + 3] : m3
      k += 4
    }
    var peak = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
    while k < length {
      peak = peak < x[k] ? x[k] : peak
      k += 1
    }
    return peak
  }

  @inline(__always)
  private static func rowSum(_ x: UnsafePointer<Float>, _ length: Int) -> Float {
    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
    var k = 0
    while k + 4 <= length {
      s0 += x[k]
      s1 += x[k + 1]
      s2 += x[k + 2]
      s3 += x[k + 3]
      k += 4
    }
    var total = (s0 + s1) + (s2 + s3)
    while k < length {
      total += x[k]
      k += 1
    }
    return total
  }

  @inline(__always)
  private static func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ length: Int)
    -> Float
  {
    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
    var k = 0
    while k + 4 <= length {
      s0 += a[k] * b[k]
      s1 += a[k + 1] * b[k + 1]
      s2 += a[k + 2] * b[k + 2]
      s3 += a[k + 3] * b[k + 3]
      k += 4
    }
    var total = (s0 + s1) + (s2 + s3)
    while k < length {
      total += a[k] * b[k]
      k += 1
    }
    return total
  }
}
