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
  public static func rmsNormalized(_ x: Tensor, epsilon: Float) -> Tensor {
    let (_, _, _, _) = x.nhwc("rmsNormalized")
    let scale = x.squared().mean(axes: [3], keepingDimensions: true)
      .affine(scale: 1, offset: epsilon).sqrt()
    return x / scale
  }
}
