internal import CDNNL

/// Inference convolutions with the bias and an activation fused into one pass (an eltwise
/// post-op), for the planned inference path where batch norm is folded into the filters.
///
/// The corresponding oneDNN primitive is `dnnl_convolution_forward` (`forward_inference`) with a
/// `dnnl_post_ops_append_eltwise` attribute.
extension DNNLBackend {
  func dnnlConvolutionInference(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, activation: Activation?
  ) throws(DNNLError) -> Tensor {
    let activationCode = activation.map { $0 == .relu ? 1 : 2 } ?? 0
    let key = DNNLPrimitiveKey(
      kind: .convolutionForward(bias: bias != nil),
      values: Self.convolutionValues(input: input.shape, filter: filter.shape, geometry: geometry) + [-1, activationCode])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try ConvolutionDescriptors(input: input.shape, filter: filter.shape, geometry: geometry, bias: bias != nil)
      var operation = dnnl_convolution_desc_t()
      try check(
        dnnl_convolution_forward_desc_init(
          &operation, dnnl_forward_inference, descriptors.algorithm, &descriptors.source, &descriptors.weights,
          &descriptors.bias, &descriptors.destination, descriptors.strides, descriptors.paddingBefore,
          descriptors.paddingAfter),
        "convolution_forward_desc_init(inference)")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, postActivation: activation, name: "fused convolution"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST])
    }
    let weights = try filterBuffer(filter, groups: geometry.groups, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS)
    let output = Tensor(uninitializedShape: geometry.outputShape(input: input.shape, filter: filter.shape))
    var buffers: [Int32: UnsafePointer<Float>] = [
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_WEIGHTS: weights.unsafePointer, DNNL_ARG_DST: output.unsafePointer,
    ]
    if let bias { buffers[DNNL_ARG_BIAS] = bias.unsafePointer }
    primitive.execute(buffers)
    return withExtendedLifetime((input, weights, bias)) { output }
  }
}
