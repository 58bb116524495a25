/// What a fused depthwise-separable block applies to its input first: nothing (the input is an
/// activation) or a pending batch norm and ReLU (the input is the previous block's pre-activation).
public struct PendingNormalization {
  /// γ, `[C]`.
  public var scale: Tensor
  /// β, `[C]`.
  public var shift: Tensor

  public init(scale: Tensor, shift: Tensor) {
    self.scale = scale
    self.shift = shift
  }
}

/// Batch-norm statistics of one batch: mean and biased variance, `[C]` each.
public typealias BatchStatistics = (mean: Tensor, variance: Tensor)

extension Tensor {
  /// A depthwise-separable block in training mode as one differentiable operation that keeps only
  /// its input for backward:
  ///
  ///     a₁ = max(0, BN₁(z))  if `pending` is given, else a₁ = x (this tensor)
  ///     d  = depthwise(a₁, W_d)
  ///     a₂ = max(0, BN₂(d))
  ///     y  = pointwise(a₂, W_p) + b_p
  ///
  /// with both batch norms on the batch's statistics. Backward recomputes `a₁`, `d` and `a₂` from
  /// the input and the saved statistics (three memory-bound passes and a depthwise convolution,
  /// 9 multiply-adds per element) instead of keeping them: the depthwise outputs, the largest
  /// tensors of a U-Net decoder, are never held.
  ///
  /// - Returns: `y` (a pre-activation: the next batch norm is the caller's), and the statistics of
  ///   BN₁ (when pending) and BN₂ for the running averages.
  public func depthwiseSeparableConvolved(
    pending: PendingNormalization?, depthwiseFilter: Tensor, depthwiseGeometry: ConvolutionGeometry,
    scale: Tensor, shift: Tensor, pointwiseFilter: Tensor, pointwiseBias: Tensor? = nil,
    pointwiseGeometry: ConvolutionGeometry = ConvolutionGeometry(), epsilon: Float = 1e-5
  ) -> (output: Tensor, pendingStatistics: BatchStatistics?, statistics: BatchStatistics) {
    let (_, _, _, c) = nhwc("depthwiseSeparableConvolved")
    if let pending {
      precondition(
        pending.scale.shape == [c] && pending.shift.shape == [c],
        "Pending batch norm \(pending.scale.shape), \(pending.shift.shape) must be [\(c)] for input \(shape)"
      )
    }
    let depthwiseShape = depthwiseGeometry.outputShape(input: shape, filter: depthwiseFilter.shape)
    let d = depthwiseShape[3]
    precondition(
      scale.shape == [d] && shift.shape == [d],
      "Batch norm \(scale.shape), \(shift.shape) must be [\(d)] for the depthwise output \(depthwiseShape)"
    )
    _ = pointwiseGeometry.outputShape(input: depthwiseShape, filter: pointwiseFilter.shape)
    let backend = Backends.current
    // Stage: forward, keeping statistics and ReLU masks only.
    var first: (output: Tensor, mean: Tensor, variance: Tensor, workspace: Tensor?)?
    if let pending {
      first = backend.batchNormReLUTraining(
        self, scale: pending.scale, shift: pending.shift, epsilon: epsilon)
    }
    let depthwise = backend.convolution2D(
      first?.output ?? self, filter: depthwiseFilter, bias: nil, geometry: depthwiseGeometry)
    let second = backend.batchNormReLUTraining(
      depthwise, scale: scale, shift: shift, epsilon: epsilon)
    let output = backend.convolution2D(
      second.output, filter: pointwiseFilter, bias: pointwiseBias, geometry: pointwiseGeometry)
    let pendingStatistics = first.map { (mean: $0.mean, variance: $0.variance) }
    let (firstMask, secondMask) = (first?.workspace, second.workspace)
    let (mean, variance) = (second.mean, second.variance)
    let input = self
    var inputs = [self]
    if let pending { inputs += [pending.scale, pending.shift] }
    inputs += [depthwiseFilter, scale, shift, pointwiseFilter]
    if let pointwiseBias { inputs.append(pointwiseBias) }
    let recorded = Tensor.record(output, inputs: inputs) { g in
      let backend = Backends.current
      // Each intermediate is dropped right after its last reader, so at most three input-sized
      // tensors are alive at once (this closure runs on the widest tensors of the network).
      // Stage: recompute a₁, d and a₂.
      var activation1: Tensor? =
        pending.map { pending in
          backend.batchNormReLUInference(
            input, scale: pending.scale, shift: pending.shift, mean: pendingStatistics!.mean,
            variance: pendingStatistics!.variance, epsilon: epsilon)
        } ?? input
      var depthwise: Tensor? = backend.convolution2D(
        activation1!, filter: depthwiseFilter, bias: nil, geometry: depthwiseGeometry)
      var activation2: Tensor? = backend.batchNormReLUInference(
        depthwise!, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
      // Stage: pointwise, then BN₂ + ReLU, then depthwise, then BN₁ + ReLU.
      let pointwiseGradients = backend.convolution2DBackwardFilter(
        g, input: activation2!, filterShape: pointwiseFilter.shape, geometry: pointwiseGeometry,
        includeBias: pointwiseBias != nil)
      activation2 = nil
      var activation2Gradient: Tensor? = backend.convolution2DBackwardInput(
        g, filter: pointwiseFilter, inputShape: depthwiseShape, geometry: pointwiseGeometry)
      var depthwiseOutputGradient: Tensor?
      let normalization2Gradients: (scale: Tensor, shift: Tensor)
      do {
        let normalization2 = backend.batchNormReLUBackward(
          activation2Gradient!, input: depthwise!, scale: scale, shift: shift, mean: mean,
          variance: variance, workspace: secondMask, epsilon: epsilon)
        (depthwiseOutputGradient, normalization2Gradients) = (
          normalization2.input, (normalization2.scale, normalization2.shift)
        )
      }
      (activation2Gradient, depthwise) = (nil, nil)
      let depthwiseGradients = backend.convolution2DBackwardFilter(
        depthwiseOutputGradient!, input: activation1!, filterShape: depthwiseFilter.shape,
        geometry: depthwiseGeometry, includeBias: false)
      activation1 = nil
      var activation1Gradient: Tensor? = backend.convolution2DBackwardInput(
        depthwiseOutputGradient!, filter: depthwiseFilter, inputShape: input.shape,
        geometry: depthwiseGeometry)
      depthwiseOutputGradient = nil
      var gradients: [Tensor?] = []
      if let pending {
        let normalization1 = backend.batchNormReLUBackward(
          activation1Gradient!, input: input, scale: pending.scale, shift: pending.shift,
          mean: pendingStatistics!.mean, variance: pendingStatistics!.variance,
          workspace: firstMask, epsilon: epsilon)
        activation1Gradient = nil
        gradients = [normalization1.input, normalization1.scale, normalization1.shift]
      } else {
        gradients = [activation1Gradient]
      }
      gradients += [
        depthwiseGradients.filter, normalization2Gradients.scale, normalization2Gradients.shift,
        pointwiseGradients.filter,
      ]
      if pointwiseBias != nil { gradients.append(pointwiseGradients.bias) }
      return gradients
    }
    return (recorded, pendingStatistics, (mean, variance))
  }
}
