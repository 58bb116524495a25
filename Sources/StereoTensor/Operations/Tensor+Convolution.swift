/// Convolutions over `[N, H, W, C]` activations.
extension Tensor {
  /// A 2-D convolution.
  ///
  ///     y[n,oy,ox,o] = b[o] + Σ_{ky,kx,i} x[n, oy·sy − pt + ky, ox·sx − pl + kx, g(o)·Cig + i] · w[o,ky,kx,i]
  ///
  /// with zero padding. `groups == C_in == C_out` gives a depthwise convolution.
  ///
  /// - Parameters:
  ///   - filter: `[C_out, KH, KW, C_in / groups]`.
  ///   - bias: `[C_out]`, or `nil`.
  /// - Returns: `[N, H_out, W_out, C_out]`; see ``ConvolutionGeometry/outputShape(input:filter:)``.
  ///
  /// The corresponding oneDNN primitives are `dnnl_convolution_forward`,
  /// `dnnl_convolution_backward_data` and `dnnl_convolution_backward_weights`.
  public func convolved2D(
    with filter: Tensor, bias: Tensor? = nil, geometry: ConvolutionGeometry = ConvolutionGeometry()
  ) -> Tensor {
    _ = geometry.outputShape(input: shape, filter: filter.shape)
    if let bias {
      precondition(
        bias.shape == [filter.shape[0]],
        "Bias \(bias.shape) for filter \(filter.shape) must be [\(filter.shape[0])]")
    }
    let result = Backends.current.convolution2D(
      self, filter: filter, bias: bias, geometry: geometry)
    let input = self
    let inputs = bias.map { [self, filter, $0] } ?? [self, filter]
    return Tensor.record(result, inputs: inputs) { g in
      let backend = Backends.current
      let inputGradient =
        input.node == nil
        ? nil
        : backend.convolution2DBackwardInput(
          g, filter: filter, inputShape: input.shape, geometry: geometry)
      let needsFilter = filter.node != nil || bias?.node != nil
      let parameterGradients =
        needsFilter
        ? backend.convolution2DBackwardFilter(
          g, input: input, filterShape: filter.shape, geometry: geometry, includeBias: bias != nil)
        : nil
      return [inputGradient, parameterGradients?.filter, parameterGradients?.bias]
    }
  }

  /// A transposed convolution with stride `stride` and no padding (Keras `Conv2DTranspose` with
  /// `kernel == strides`, `padding='same'`, when the kernel equals the stride).
  ///
  ///     y[n, iy·s + ky, ix·s + kx, o] = b[o] + Σ x[n,iy,ix,i] · w[o,ky,kx,i]
  ///
  /// - Parameters:
  ///   - filter: `[C_out, KH, KW, C_in]`.
  ///   - bias: `[C_out]`, or `nil`.
  /// - Returns: `[N, (H − 1)·s + KH, (W − 1)·s + KW, C_out]`.
  ///
  /// The corresponding oneDNN primitives are `dnnl_deconvolution_forward`,
  /// `dnnl_deconvolution_backward_data` and `dnnl_deconvolution_backward_weights`.
  public func transposedConvolved2D(with filter: Tensor, bias: Tensor? = nil, stride: Int) -> Tensor
  {
    let (_, _, _, c) = nhwc("transposedConvolved2D")
    precondition(
      filter.rank == 4,
      "Transposed-convolution filter must be [C_out, KH, KW, C_in], got \(filter.shape)")
    precondition(
      filter.shape[3] == c,
      "Filter \(filter.shape) expects \(filter.shape[3]) input channels; input \(shape) has \(c)")
    precondition(stride > 0, "Stride must be positive, got \(stride)")
    if let bias {
      precondition(
        bias.shape == [filter.shape[0]],
        "Bias \(bias.shape) for filter \(filter.shape) must be [\(filter.shape[0])]")
    }
    let result = Backends.current.transposedConvolution2D(
      self, filter: filter, bias: bias, stride: stride)
    let input = self
    let inputs = bias.map { [self, filter, $0] } ?? [self, filter]
    return Tensor.record(result, inputs: inputs) { g in
      let backend = Backends.current
      let inputGradient =
        input.node == nil
        ? nil
        : backend.transposedConvolution2DBackwardInput(
          g, filter: filter, inputShape: input.shape, stride: stride)
      let needsFilter = filter.node != nil || bias?.node != nil
      let parameterGradients =
        needsFilter
        ? backend.transposedConvolution2DBackwardFilter(
          g, input: input, filterShape: filter.shape, stride: stride, includeBias: bias != nil)
        : nil
      return [inputGradient, parameterGradients?.filter, parameterGradients?.bias]
    }
  }
}
