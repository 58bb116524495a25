import StereoTensor

extension SmoothnessLoss {
  /// ``edgeAware(disparity:image:minimumDisparity:)`` as one fused operation: one pass forward,
  /// two backward, no intermediate tensors (the composition makes 16 slices and ~20 element-wise
  /// maps per view). The image is data: it gets no gradient.
  ///
  ///     s = d − d₀,  m_n = mean_{H,W}(s) + 1e-7,  d̄ = s / m_n
  ///     w_x = exp(−mean_c|I(y, x+1) − I(y, x)|),  w_y likewise along y
  ///     L = Σ|d̄(y, x+1) − d̄(y, x)|·w_x / (N·H·(W−1))  +  Σ|d̄(y+1, x) − d̄(y, x)|·w_y / (N·(H−1)·W)
  ///
  /// Backward: with `G = ∂L/∂d̄` (each difference's sign times its weight, added to one end and
  /// taken from the other), `∂L/∂s(p) = G(p)/m_n − Σ_q G(q)·s(q) / (m_n²·H·W)`.
  ///
  /// - Parameters:
  ///   - disparity: `[N, H, W, 1]`.
  ///   - image: `[N, H, W, C]`.
  /// - Returns: A scalar.
  public static func edgeAwareFused(disparity: Tensor, image: Tensor, minimumDisparity: Float)
    -> Tensor
  {
    let (n, h, w, one) = disparity.nhwc("edgeAwareFused disparity")
    precondition(one == 1, "The disparity must have one channel, got \(disparity.shape)")
    let (imageN, imageH, imageW, _) = image.nhwc("edgeAwareFused image")
    precondition(
      (imageN, imageH, imageW) == (n, h, w),
      "The image \(image.shape) does not match the disparity \(disparity.shape)")
    let kernel = EdgeAwareSmoothnessKernel(
      disparity: disparity, image: image, minimum: minimumDisparity)
    let value = Profiler.measure("smoothness") { kernel.forward() }
    return Tensor.record(Tensor(value), inputs: [disparity]) { gradient in
      Profiler.measure("smoothness.bwd") { [kernel.backward(gradient.scalar)] }
    }
  }
}

/// The fused edge-aware smoothness of one disparity map and its view. Forward computes the edge
/// weights once, `[N, H, W, 2]` (`w_x`, `w_y` per pixel, 0 past the last column or row), and
/// backward reads them.
struct EdgeAwareSmoothnessKernel {
  let disparity: Tensor
  let image: Tensor
  let minimum: Float
  let (n, h, w, c): (Int, Int, Int, Int)
  /// `m_n` per sample.
  let means: [Float]
  /// `w_x` and `w_y` interleaved per pixel.
  let edgeWeights: Tensor

  init(disparity: Tensor, image: Tensor, minimum: Float) {
    self.disparity = disparity
    self.image = image
    self.minimum = minimum
    (n, h, w, c) = image.nhwc("edgeAwareFused image")
    let plane = h * w
    let d = disparity.unsafePointer
    means = (0..<n).map { sample in
      var sum: Double = 0
      for i in 0..<plane { sum += Double(d[sample * plane + i] - minimum) }
      return Float(sum / Double(plane)) + 1e-7
    }
    edgeWeights = Tensor(uninitializedShape: [n, h, w, 2])
  }

  /// The normalisers of the two terms; 0 where the term is empty (a single column or row).
  var normalisers: (x: Float, y: Float) {
    (w > 1 ? 1 / Float(n * h * (w - 1)) : 0, h > 1 ? 1 / Float(n * (h - 1) * w) : 0)
  }

  /// The loss value; fills ``edgeWeights``.
  func forward() -> Float {
    let rows = n * h
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: 2 * rows)
    defer { partial.deallocate() }
    let pointers = UncheckedSendable(
      (disparity.unsafePointer, image.unsafePointer, edgeWeights.unsafeMutablePointer, partial))
    let (w, h, c) = (self.w, self.h, self.c)
    let channelScale = 1 / Float(c)
    Parallel.forEachRange(rows, minimumChunk: 8) { range in
      let (d, pixels, weights, partial) = pointers.value
      for row in range {
        let (sample, y) = row.quotientAndRemainder(dividingBy: h)
        let scale = 1 / means[sample]
        var (sumX, sumY): (Float, Float) = (0, 0)
        for x in 0..<w {
          let p = row * w + x
          var (gradientX, gradientY): (Float, Float) = (0, 0)
          for channel in 0..<c {
            let centre = pixels[p * c + channel]
            if x + 1 < w { gradientX += Swift.abs(pixels[(p + 1) * c + channel] - centre) }
            if y + 1 < h { gradientY += Swift.abs(pixels[(p + w) * c + channel] - centre) }
          }
          let weightX = x + 1 < w ? VectorMath.expOfNonPositive(-gradientX * channelScale) : 0
          let weightY = y + 1 < h ? VectorMath.expOfNonPositive(-gradientY * channelScale) : 0
          (weights[2 * p], weights[2 * p + 1]) = (weightX, weightY)
          if x + 1 < w { sumX += Swift.abs(d[p + 1] - d[p]) * weightX }
          if y + 1 < h { sumY += Swift.abs(d[p + w] - d[p]) * weightY }
        }
        (partial[2 * row], partial[2 * row + 1]) = (Double(sumX * scale), Double(sumY * scale))
      }
    }
    var (sumX, sumY): (Double, Double) = (0, 0)
    for row in 0..<rows { (sumX, sumY) = (sumX + partial[2 * row], sumY + partial[2 * row + 1]) }
    return Float(sumX) * normalisers.x + Float(sumY) * normalisers.y
  }

  /// `∂L/∂d` for an upstream gradient `g`, `[N, H, W, 1]`.
  func backward(_ g: Float) -> Tensor {
    let gradient = Tensor(uninitializedShape: disparity.shape)
    let rows = n * h
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: rows)
    defer { partial.deallocate() }
    let (normaliserX, normaliserY) = (g * normalisers.x, g * normalisers.y)
    let pointers = UncheckedSendable(
      (disparity.unsafePointer, edgeWeights.unsafePointer, gradient.unsafeMutablePointer, partial))
    let (w, h, minimum) = (self.w, self.h, self.minimum)
    // Pass 1: G = ∂L/∂d̄ at each pixel, and Σ G·d̄ per row. A difference d̄(a) − d̄(b) adds its
    // sign times its weight to a and takes it from b (d̄'s scale 1/m_n is positive).
    Parallel.forEachRange(rows, minimumChunk: 8) { range in
      let (d, weights, out, partial) = pointers.value
      for row in range {
        let (sample, y) = row.quotientAndRemainder(dividingBy: h)
        let scale = 1 / means[sample]
        let first = row * w
        for x in 0..<w { out[first + x] = 0 }
        for x in 0..<(w - 1) {
          let p = first + x
          let s = sign(d[p + 1] - d[p]) * weights[2 * p] * normaliserX
          out[p] -= s
          out[p + 1] += s
        }
        if y + 1 < h {
          for p in first..<(first + w) {
            out[p] -= sign(d[p + w] - d[p]) * weights[2 * p + 1] * normaliserY
          }
        }
        if y > 0 {
          for p in first..<(first + w) {
            out[p] += sign(d[p] - d[p - w]) * weights[2 * (p - w) + 1] * normaliserY
          }
        }
        var dot: Float = 0
        for p in first..<(first + w) { dot += out[p] * (d[p] - minimum) }
        partial[row] = Double(dot * scale)
      }
    }
    // Pass 2: ∂L/∂s = (G − Σ G·d̄ / (H·W)) / m_n.
    var correction = [Float](repeating: 0, count: n)
    for sample in 0..<n {
      var sum: Double = 0
      for row in (sample * h)..<((sample + 1) * h) { sum += partial[row] }
      correction[sample] = Float(sum / Double(h * w))
    }
    let plane = h * w
    let output = UncheckedSendable(gradient.unsafeMutablePointer)
    Parallel.forEachRange(n * plane) { range in
      let out = output.value
      for p in range {
        let sample = p / plane
        out[p] = (out[p] - correction[sample]) / means[sample]
      }
    }
    return withExtendedLifetime((disparity, edgeWeights)) { gradient }
  }

  @inline(__always)
  func sign(_ value: Float) -> Float { value > 0 ? 1 : (value < 0 ? -1 : 0) }
}
