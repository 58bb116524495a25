/// Softmax over the last axis, forward and backward.
///
/// Rows of `D` contiguous values (the channels of an NHWC tensor, e.g. W-net's 48 disparity
/// logits per pixel) are independent; threads take runs of rows. Within a row the maximum, the
/// exponentials (``VectorMath/exp(_:)``) and the sums each run as a vectorised loop over 8 lanes.
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
        for k in 0..<length { ys[k] = VectorMath.exp(xs[k] - peak) }
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
    let raw = UnsafeRawPointer(x)
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var k = 0
    while k + 8 <= length {
      let values = raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
      lanes = lanes.replacing(with: values, where: lanes .< values)
      k += 8
    }
    var peak = lanes.max()
    while k < length {
      peak = peak < x[k] ? x[k] : peak
      k += 1
    }
    return peak
  }

  @inline(__always)
  private static func rowSum(_ x: UnsafePointer<Float>, _ length: Int) -> Float {
    let raw = UnsafeRawPointer(x)
    var lanes = SIMD8<Float>(repeating: 0)
    var k = 0
    while k + 8 <= length {
      lanes += raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
      k += 8
    }
    var total = lanes.sum()
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
    let (rawA, rawB) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
    var lanes = SIMD8<Float>(repeating: 0)
    var k = 0
    while k + 8 <= length {
      lanes +=
        rawA.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
        * rawB.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
      k += 8
    }
    var total = lanes.sum()
    while k < length {
      total += a[k] * b[k]
      k += 1
    }
    return total
  }
}
