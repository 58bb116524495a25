/// Batch normalisation of `[N, H, W, C]` activations, per channel.
extension Tensor {
  /// Training-mode batch normalisation with the batch's own statistics.
  ///
  ///     μ = mean over N,H,W of x      σ² = mean over N,H,W of (x − μ)²   (biased)
  ///     y = γ·(x − μ)/√(σ² + ε) + β
  ///
  /// - Parameters:
  ///   - scale: γ, `[C]`.
  ///   - shift: β, `[C]`.
  /// - Returns: `y`, and the batch mean and (biased) variance, `[C]` each, for running averages.
  ///
  /// The corresponding oneDNN primitive is `dnnl_batch_normalization_forward` (training).
  public func batchNormalized(scale: Tensor, shift: Tensor, epsilon: Float = 1e-5)
    -> (output: Tensor, mean: Tensor, variance: Tensor)
  {
    let (_, _, _, c) = nhwc("batchNormalized")
    precondition(
      scale.shape == [c] && shift.shape == [c],
      "Batch-norm scale \(scale.shape) and shift \(shift.shape) must be [\(c)] for input \(shape)")
    precondition(
      count / c > 0, "Batch norm needs at least one value per channel, got shape \(shape)")
    let (output, mean, variance) = Backends.current.batchNormTraining(
      self, scale: scale, shift: shift, epsilon: epsilon)
    let input = self
    let recorded = Tensor.record(output, inputs: [self, scale, shift]) { g in
      let gradients = Backends.current.batchNormBackward(
        g, input: input, scale: scale, shift: shift, mean: mean, variance: variance,
        epsilon: epsilon)
      return [gradients.input, gradients.scale, gradients.shift]
    }
    return (recorded, mean, variance)
  }

  /// Inference-mode batch normalisation with given statistics:
  /// `y = γ·(x − μ)/√(σ² + ε) + β`, all of `[C]`.
  ///
  /// Differentiable in `x`, γ and β (the statistics are constants), so test-time adaptation can
  /// train through it.
  public func batchNormalized(
    scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float = 1e-5
  ) -> Tensor {
    let (_, _, _, c) = nhwc("batchNormalized")
    for (name, vector) in [
      ("scale", scale), ("shift", shift), ("mean", mean), ("variance", variance),
    ] {
      precondition(
        vector.shape == [c], "Batch-norm \(name) \(vector.shape) must be [\(c)] for input \(shape)")
    }
    let result = Backends.current.batchNormInference(
      self, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
    guard node != nil || scale.node != nil || shift.node != nil else { return result }
    let input = self
    return Tensor.record(result, inputs: [self, scale, shift]) { g in
      // y = x·k + (β − μ·k) with k = γ/√(σ²+ε).
      let inverseDeviation = (variance.detached + epsilon).sqrt().reciprocal()
      let normalized = (input.detached - mean.detached) * inverseDeviation
      return [
        g * (scale.detached * inverseDeviation),
        (g * normalized).sum(axes: [0, 1, 2]),
        g.sum(axes: [0, 1, 2]),
      ]
    }
  }

  /// Training-mode batch normalisation followed by ReLU, fused: `max(0, γ·(x − μ)/√(σ² + ε) + β)`
  /// with the batch's statistics. One pass instead of two, and backward keeps a bit mask rather
  /// than the activation.
  ///
  /// The corresponding oneDNN primitive is `dnnl_batch_normalization_forward` with
  /// `dnnl_fuse_norm_relu`.
  public func batchNormalizedReLU(scale: Tensor, shift: Tensor, epsilon: Float = 1e-5)
    -> (output: Tensor, mean: Tensor, variance: Tensor)
  {
    let (_, _, _, c) = nhwc("batchNormalizedReLU")
    precondition(
      scale.shape == [c] && shift.shape == [c],
      "Batch-norm scale \(scale.shape) and shift \(shift.shape) must be [\(c)] for input \(shape)")
    precondition(
      count / Swift.max(c, 1) > 0,
      "Batch norm needs at least one value per channel, got shape \(shape)")
    let (output, mean, variance, workspace) = Backends.current.batchNormReLUTraining(
      self, scale: scale, shift: shift, epsilon: epsilon)
    let input = self
    let recorded = Tensor.record(output, inputs: [self, scale, shift]) { g in
      let gradients = Backends.current.batchNormReLUBackward(
        g, input: input, scale: scale, shift: shift, mean: mean, variance: variance,
        workspace: workspace, epsilon: epsilon)
      return [gradients.input, gradients.scale, gradients.shift]
    }
    return (recorded, mean, variance)
  }

  /// Inference-mode batch normalisation followed by ReLU, fused; differentiable in `x`, γ and β.
  public func batchNormalizedReLU(
    scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float = 1e-5
  ) -> Tensor {
    guard node != nil || scale.node != nil || shift.node != nil else {
      let (_, _, _, c) = nhwc("batchNormalizedReLU")
      for (name, vector) in [
        ("scale", scale), ("shift", shift), ("mean", mean), ("variance", variance),
      ] {
        precondition(
          vector.shape == [c],
          "Batch-norm \(name) \(vector.shape) must be [\(c)] for input \(shape)")
      }
      return Backends.current.batchNormReLUInference(
        self, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
    }
    return batchNormalized(
      scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon
    ).relu()
  }
}

extension Tensor {
  /// Scales each pixel's features to unit root mean square over the channels:
  ///
  ///     out_c = x_c / sqrt(mean_c' x_c'² + ε)
  ///
  /// `[N, H, W, C]` → `[N, H, W, C]`, differentiable (a composition of element-wise operations,
  /// a channel mean and a broadcast division). A pixel whose features are all zero stays zero.
  /// Untracked (inference), one pass per pixel instead (``rmsNormalizedInOnePass(_:epsilon:)``).
  public static func rmsNormalized(_ x: Tensor, epsilon: Float) -> Tensor {
    let (_, _, _, _) = x.nhwc("rmsNormalized")
    guard x.node != nil else { return rmsNormalizedInOnePass(x, epsilon: epsilon) }
    let scale = x.squared().mean(axes: [3], keepingDimensions: true)
      .affine(scale: 1, offset: epsilon).sqrt()
    return x / scale
  }

  /// ``rmsNormalized(_:epsilon:)`` without gradients, in one pass over each pixel.
  ///
  /// Its five element-wise steps took about 0.6 ms of the 640×480 map. Per pixel,
  ///
  ///     s = Σ_c x_c²      r = sqrt(s · (1/C) + ε)      out_c = x_c / r
  ///
  /// The composition's values up to the order of the channel sum's additions (eight channels
  /// per vector where `C` is a multiple of eight).
  ///
  /// - Parameters:
  ///   - x: `[N, H, W, C]`.
  ///   - epsilon: `ε`.
  /// - Returns: `[N, H, W, C]`.
  static func rmsNormalizedInOnePass(_ x: Tensor, epsilon: Float) -> Tensor {
    let (n, h, w, c) = x.nhwc("rmsNormalized")
    let output = Tensor(uninitializedShape: x.shape)
    guard c > 0 else { return output }
    let inverseCount = 1 / Float(c)
    let pointers = UncheckedSendable((x.unsafePointer, output.unsafeMutablePointer))
    Profiler.measure("rms normalization") {
      Parallel.forEachRange(n * h * w, minimumChunk: Swift.max(1, 16_384 / c)) { pixels in
        let (source, target) = pointers.value
        for pixel in pixels {
          let values = source + pixel * c
          let written = target + pixel * c
          guard c % 8 == 0 else {
            var sum: Float = 0
            for channel in 0..<c { sum += values[channel] * values[channel] }
            let root = (sum * inverseCount + epsilon).squareRoot()
            for channel in 0..<c { written[channel] = values[channel] / root }
            continue
          }
          // Eight channels per vector (the features' widths are multiples of eight).
          let vectors = UnsafeRawPointer(values).assumingMemoryBound(to: SIMD8<Float>.self)
          var squares = SIMD8<Float>()
          for block in 0..<c / 8 {
            let v = UnsafeRawPointer(vectors + block).loadUnaligned(as: SIMD8<Float>.self)
            squares += v * v
          }
          let root = SIMD8(repeating: (squares.sum() * inverseCount + epsilon).squareRoot())
          for block in 0..<c / 8 {
            let v = UnsafeRawPointer(vectors + block).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(written + 8 * block).storeBytes(
              of: v / root, as: SIMD8<Float>.self)
          }
        }
      }
    }
    return withExtendedLifetime(x) { output }
  }
}
