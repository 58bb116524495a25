internal import CDNNL

/// Convolution forward, backward-data and backward-weights on NHWC activations.
///
/// The corresponding oneDNN primitives are `dnnl_convolution_forward`,
/// `dnnl_convolution_backward_data` and `dnnl_convolution_backward_weights`.
///
/// Activations stay NHWC (`dnnl_nhwc`) in every direction: the Swift kernels between convolutions
/// index them directly, and reordering a 25 MB activation costs about as much as the layout gains.
/// Filters are declared `dnnl_format_tag_any`, so each primitive picks its own (usually blocked)
/// weight layout; ``filterBuffer(_:groups:for:key:argument:)`` reorders our plain filter into it.
extension DNNLBackend {
  /// The key values of a convolution: input shape, filter shape, then the geometry.
  static func convolutionValues(input: [Int], filter: [Int], geometry g: ConvolutionGeometry)
    -> [Int]
  {
    input + filter + [
      g.strideY, g.strideX, g.paddingTop, g.paddingBottom, g.paddingLeft, g.paddingRight, g.groups,
    ]
  }

  /// The operation descriptors of one convolution, with layouts per ``DNNLLayoutPolicy``.
  struct ConvolutionDescriptors {
    var source: dnnl_memory_desc_t
    var weights: dnnl_memory_desc_t
    var bias: dnnl_memory_desc_t
    var destination: dnnl_memory_desc_t
    let strides: [Int64]
    let paddingBefore: [Int64]
    let paddingAfter: [Int64]
    let algorithm: dnnl_alg_kind_t

    init(input: [Int], filter: [Int], geometry g: ConvolutionGeometry, bias: Bool)
      throws(DNNLError)
    {
      let output = g.outputShape(input: input, filter: filter)
      let policy = DNNLLayoutPolicy.current
      source = try DNNLMemoryDescriptor.activation(input)
      destination = try DNNLMemoryDescriptor.activation(output)
      weights =
        policy.filtersAny
        ? try DNNLMemoryDescriptor.any(
          DNNLMemoryDescriptor.filterDimensions(filter, groups: g.groups))
        : try DNNLMemoryDescriptor.filter(filter, groups: g.groups)
      self.bias = bias ? try DNNLMemoryDescriptor.vector(filter[0]) : dnnl_memory_desc_t()
      strides = [Int64(g.strideY), Int64(g.strideX)]
      paddingBefore = [Int64(g.paddingTop), Int64(g.paddingLeft)]
      paddingAfter = [Int64(g.paddingBottom), Int64(g.paddingRight)]
      algorithm = policy.convolutionAuto ? dnnl_convolution_auto : dnnl_convolution_direct
    }

    mutating func forward() throws(DNNLError) -> dnnl_convolution_desc_t {
      var operation = dnnl_convolution_desc_t()
      try check(
        dnnl_convolution_forward_desc_init(
          &operation, dnnl_forward_training, algorithm, &source, &weights, &bias, &destination,
          strides, paddingBefore, paddingAfter),
        "convolution_forward_desc_init")
      return operation
    }

    mutating func backwardData() throws(DNNLError) -> dnnl_convolution_desc_t {
      var operation = dnnl_convolution_desc_t()
      try check(
        dnnl_convolution_backward_data_desc_init(
          &operation, algorithm, &source, &weights, &destination, strides, paddingBefore,
          paddingAfter),
        "convolution_backward_data_desc_init")
      return operation
    }

    mutating func backwardWeights() throws(DNNLError) -> dnnl_convolution_desc_t {
      var operation = dnnl_convolution_desc_t()
      try check(
        dnnl_convolution_backward_weights_desc_init(
          &operation, algorithm, &source, &weights, &bias, &destination, strides, paddingBefore,
          paddingAfter),
        "convolution_backward_weights_desc_init")
      return operation
    }
  }

  /// The cached forward primitive; also the hint backward primitives are created with.
  func convolutionForwardPrimitive(
    input: [Int], filter: [Int], geometry: ConvolutionGeometry, bias: Bool
  ) throws(DNNLError) -> (DNNLPrimitive, DNNLPrimitiveKey) {
    let key = DNNLPrimitiveKey(
      kind: .convolutionForward(bias: bias),
      values: Self.convolutionValues(input: input, filter: filter, geometry: geometry))
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try ConvolutionDescriptors(
        input: input, filter: filter, geometry: geometry, bias: bias)
      var operation = try descriptors.forward()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "convolution"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST])
    }
    return (primitive, key)
  }

  func dnnlConvolution(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry
  ) throws(DNNLError) -> Tensor {
    let (primitive, key) = try convolutionForwardPrimitive(
      input: input.shape, filter: filter.shape, geometry: geometry, bias: bias != nil)
    let weights = try filterBuffer(
      filter, groups: geometry.groups, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS)
    let output = Tensor(
      uninitializedShape: geometry.outputShape(input: input.shape, filter: filter.shape))
    var buffers: [Int32: UnsafePointer<Float>] = [
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_WEIGHTS: weights.unsafePointer,
      DNNL_ARG_DST: output.unsafePointer,
    ]
    if let bias { buffers[DNNL_ARG_BIAS] = bias.unsafePointer }
    primitive.execute(buffers)
    return withExtendedLifetime((input, weights, bias)) { output }
  }

  func dnnlConvolutionBackwardData(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], geometry: ConvolutionGeometry
  ) throws(DNNLError) -> Tensor {
    let (forward, _) = try convolutionForwardPrimitive(
      input: inputShape, filter: filter.shape, geometry: geometry, bias: false)
    let key = DNNLPrimitiveKey(
      kind: .convolutionBackwardData,
      values: Self.convolutionValues(input: inputShape, filter: filter.shape, geometry: geometry))
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try ConvolutionDescriptors(
        input: inputShape, filter: filter.shape, geometry: geometry, bias: false)
      var operation = try descriptors.backwardData()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "convolution backward data"),
        engine: engine,
        candidates: [DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC])
    }
    let weights = try filterBuffer(
      filter, groups: geometry.groups, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS)
    let inputGradient = Tensor(uninitializedShape: inputShape)
    primitive.execute([
      DNNL_ARG_DIFF_DST: outputGradient.unsafePointer, DNNL_ARG_WEIGHTS: weights.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, weights)) { inputGradient }
  }

  func dnnlConvolutionBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], geometry: ConvolutionGeometry,
    includeBias: Bool
  ) throws(DNNLError) -> (filter: Tensor, bias: Tensor?) {
    let (forward, _) = try convolutionForwardPrimitive(
      input: input.shape, filter: filterShape, geometry: geometry, bias: includeBias)
    let key = DNNLPrimitiveKey(
      kind: .convolutionBackwardWeights(bias: includeBias),
      values: Self.convolutionValues(input: input.shape, filter: filterShape, geometry: geometry))
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try ConvolutionDescriptors(
        input: input.shape, filter: filterShape, geometry: geometry, bias: includeBias)
      var operation = try descriptors.backwardWeights()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor,
          name: "convolution backward weights"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS])
    }
    let biasGradient = includeBias ? Tensor(uninitializedShape: [filterShape[0]]) : nil
    let filterGradient = try plainFilter(
      shape: filterShape, groups: geometry.groups, from: primitive, key: key,
      argument: DNNL_ARG_DIFF_WEIGHTS
    ) { diffWeights in
      var buffers: [Int32: UnsafePointer<Float>] = [
        DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
        DNNL_ARG_DIFF_WEIGHTS: diffWeights,
      ]
      if let biasGradient { buffers[DNNL_ARG_DIFF_BIAS] = biasGradient.unsafePointer }
      primitive.execute(buffers)
    }
    return withExtendedLifetime((input, outputGradient)) { (filterGradient, biasGradient) }
  }
}
