/// Batch norm, ReLU and a convolution as one differentiable operation that keeps less memory.
extension Tensor {
  /// `conv(max(0, BN(z)))` with the batch's statistics, where the activation `a = max(0, BN(z))`
  /// is not kept for backward but recomputed there.
  ///
  /// Composed from separate operations, backward would keep both `z` (for batch norm's gradient)
  /// and `a` (for the filter's gradient). Here only `z`, the statistics and a bit mask are kept:
  /// backward recomputes `a` with the saved statistics (one memory-bound pass), runs the
  /// convolution's backward with it, and frees it. In a chain of such units that halves the
  /// activations held for backward.
  ///
  ///     a = max(0, γ·(z − μ)/√(σ² + ε) + β)      μ, σ² over N, H, W of z
  ///     y = conv(a, W) + b
  ///
  /// - Parameters:
  ///   - scale: γ, `[C]`.  - shift: β, `[C]`.
  ///   - filter: `[C_out, KH, KW, C/groups]`.  - bias: `[C_out]` or `nil`.
  /// - Returns: `y`, and the batch statistics `μ`, `σ²` (biased) for running averages.
  public func normalizedReLUConvolved(
    scale: Tensor, shift: Tensor, epsilon: Float = 1e-5, filter: Tensor, bias: Tensor? = nil,
    geometry: ConvolutionGeometry
  ) -> (output: Tensor, mean: Tensor, variance: Tensor) {
    let (_, _, _, c) = nhwc("normalizedReLUConvolved")
    precondition(
      scale.shape == [c] && shift.shape == [c],
      "Batch-norm scale \(scale.shape) and shift \(shift.shape) must be [\(c)] for input \(shape)")
    _ = geometry.outputShape(input: shape, filter: filter.shape)
    if let bias {
      precondition(
        bias.shape == [filter.shape[0]],
        "Bias \(bias.shape) for filter \(filter.shape) must be [\(filter.shape[0])]")
    }
    let backend = Backends.current
    let (activation, mean, variance, workspace) = backend.batchNormReLUTraining(
      self, scale: scale, shift: shift, epsilon: epsilon)
    let output = backend.convolution2D(activation, filter: filter, bias: bias, geometry: geometry)
    let z = self
    let inputs = bias.map { [self, scale, shift, filter, $0] } ?? [self, scale, shift, filter]
    let recorded = Tensor.record(output, inputs: inputs) { g in
      let backend = Backends.current
      // Stage: recompute the activation from z with the statistics of the forward pass.
      let activation = backend.batchNormReLUInference(
        z, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
      let needsFilter = filter.node != nil || bias?.node != nil
      let parameterGradients =
        needsFilter
        ? backend.convolution2DBackwardFilter(
          g, input: activation, filterShape: filter.shape, geometry: geometry,
          includeBias: bias != nil)
        : nil
      // Stage: through the convolution, then through batch norm and ReLU.
      let needsInput = z.node != nil || scale.node != nil || shift.node != nil
      var normGradients: (input: Tensor, scale: Tensor, shift: Tensor)?
      if needsInput {
        let activationGradient = backend.convolution2DBackwardInput(
          g, filter: filter, inputShape: z.shape, geometry: geometry)
        normGradients = backend.batchNormReLUBackward(
          activationGradient, input: z, scale: scale, shift: shift, mean: mean, variance: variance,
          workspace: workspace, epsilon: epsilon)
      }
      return [
        normGradients?.input, normGradients?.scale, normGradients?.shift,
        parameterGradients?.filter, parameterGradients?.bias,
      ]
    }
    return (recorded, mean, variance)
  }
}
