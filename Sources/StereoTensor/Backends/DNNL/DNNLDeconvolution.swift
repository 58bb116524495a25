internal import CDNNL

/// Transposed convolution (oneDNN: deconvolution) with stride `s` and no padding, on NHWC
/// activations.
///
/// oneDNN's deconvolution computes `dst[n, oc, iy·s + ky, ix·s + kx] += src[n, ic, iy, ix] ·
/// w[oc, ic, ky, kx]` (no kernel flip), which is
/// ``Backend/transposedConvolution2D(_:filter:bias:stride:)``
/// with our filter `[C_out, KH, KW, C_in]` read as logical `{OC, IC, KH, KW}` in OHWI strides.
///
/// The corresponding oneDNN primitives are `dnnl_deconvolution_forward`,
/// `dnnl_deconvolution_backward_data` and `dnnl_deconvolution_backward_weights`.
extension DNNLBackend {
  /// `[N, (H−1)·s + KH, (W−1)·s + KW, C_out]`.
  static func transposedConvolutionOutputShape(input: [Int], filter: [Int], stride: Int) -> [Int] {
    [input[0], (input[1] - 1) * stride + filter[1], (input[2] - 1) * stride + filter[2], filter[0]]
  }

  struct DeconvolutionDescriptors {
    var source: dnnl_memory_desc_t
    var weights: dnnl_memory_desc_t
    var bias: dnnl_memory_desc_t
    var destination: dnnl_memory_desc_t
    let strides: [Int64]
    let padding: [Int64] = [0, 0]

    init(input: [Int], filter: [Int], stride: Int, bias: Bool) throws(DNNLError) {
      source = try DNNLMemoryDescriptor.activation(input)
      destination = try DNNLMemoryDescriptor.activation(
        DNNLBackend.transposedConvolutionOutputShape(input: input, filter: filter, stride: stride))
      // Filters chosen by the primitive, as for convolutions (plain OHWI finds only `ref:any`).
      weights = try DNNLMemoryDescriptor.any(
        DNNLMemoryDescriptor.filterDimensions(filter, groups: 1))
      self.bias = bias ? try DNNLMemoryDescriptor.vector(filter[0]) : dnnl_memory_desc_t()
      strides = [Int64(stride), Int64(stride)]
    }

    mutating func forward() throws(DNNLError) -> dnnl_deconvolution_desc_t {
      var operation = dnnl_deconvolution_desc_t()
      try check(
        dnnl_deconvolution_forward_desc_init(
          &operation, dnnl_forward_training, dnnl_deconvolution_direct, &source, &weights, &bias,
          &destination, strides, padding, padding),
        "deconvolution_forward_desc_init")
      return operation
    }

    mutating func backwardData() throws(DNNLError) -> dnnl_deconvolution_desc_t {
      var operation = dnnl_deconvolution_desc_t()
      try check(
        dnnl_deconvolution_backward_data_desc_init(
          &operation, dnnl_deconvolution_direct, &source, &weights, &destination, strides, padding,
          padding),
        "deconvolution_backward_data_desc_init")
      return operation
    }

    mutating func backwardWeights() throws(DNNLError) -> dnnl_deconvolution_desc_t {
      var operation = dnnl_deconvolution_desc_t()
      try check(
        dnnl_deconvolution_backward_weights_desc_init(
          &operation, dnnl_deconvolution_direct, &source, &weights, &bias, &destination, strides,
          padding, padding),
        "deconvolution_backward_weights_desc_init")
      return operation
    }
  }

  func deconvolutionForwardPrimitive(input: [Int], filter: [Int], stride: Int, bias: Bool)
    throws(DNNLError) -> (DNNLPrimitive, DNNLPrimitiveKey)
  {
    let key = DNNLPrimitiveKey(
      kind: .deconvolutionForward(bias: bias), values: input + filter + [stride])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try DeconvolutionDescriptors(
        input: input, filter: filter, stride: stride, bias: bias)
      var operation = try descriptors.forward()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "deconvolution"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST])
    }
    return (primitive, key)
  }

  /// Whether the kernel equals the stride (W-net's up-sampling): then output blocks do not
  /// overlap, and the transposed convolution is a 1×1 convolution to `KH·KW·C_out` channels
  /// followed by a depth-to-space (``FilterTransform/kernelAsChannels``). Forward and filter
  /// gradient take that path: 6.1 + 7.1 ms against 12.0 + 18.8 ms for oneDNN's deconvolution
  /// primitives, 64→64 from `[6, 48, 84, 64]` with stride 2 (BENCHMARKS.md, "Operations"); the
  /// input gradient stays with oneDNN's (already a fast `brgconv` kernel).
  static func isBlockwise(filter: [Int], stride: Int) -> Bool {
    filter[1] == stride && filter[2] == stride
  }

  package func dnnlTransposedConvolution(
    _ input: Tensor, filter: Tensor, bias: Tensor?, stride: Int, blockwise: Bool? = nil
  ) throws(DNNLError) -> Tensor {
    if blockwise ?? Self.isBlockwise(filter: filter.shape, stride: stride) {
      let blocks = try dnnlConvolution(
        input, filter: filter, bias: nil, geometry: ConvolutionGeometry(),
        transform: .kernelAsChannels)
      return Kernels.depthToSpace(blocks, block: stride, bias: bias)
    }
    let (primitive, key) = try deconvolutionForwardPrimitive(
      input: input.shape, filter: filter.shape, stride: stride, bias: bias != nil)
    let weights = try filterBuffer(
      filter, groups: 1, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS)
    let output = Tensor(
      uninitializedShape: Self.transposedConvolutionOutputShape(
        input: input.shape, filter: filter.shape, stride: stride))
    var buffers: [Int32: UnsafePointer<Float>] = [
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_WEIGHTS: weights.unsafePointer,
      DNNL_ARG_DST: output.unsafePointer,
    ]
    if let bias { buffers[DNNL_ARG_BIAS] = bias.unsafePointer }
    primitive.execute(buffers)
    return withExtendedLifetime((input, weights, bias)) { output }
  }

  func dnnlTransposedConvolutionBackwardData(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], stride: Int
  ) throws(DNNLError) -> Tensor {
    let (forward, _) = try deconvolutionForwardPrimitive(
      input: inputShape, filter: filter.shape, stride: stride, bias: false)
    let key = DNNLPrimitiveKey(
      kind: .deconvolutionBackwardData, values: inputShape + filter.shape + [stride])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try DeconvolutionDescriptors(
        input: inputShape, filter: filter.shape, stride: stride, bias: false)
      var operation = try descriptors.backwardData()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "deconvolution backward data"),
        engine: engine,
        candidates: [DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC])
    }
    let weights = try filterBuffer(
      filter, groups: 1, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS)
    let inputGradient = Tensor(uninitializedShape: inputShape)
    primitive.execute([
      DNNL_ARG_DIFF_DST: outputGradient.unsafePointer, DNNL_ARG_WEIGHTS: weights.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, weights)) { inputGradient }
  }

  package func dnnlTransposedConvolutionBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], stride: Int, includeBias: Bool,
    blockwise: Bool? = nil
  ) throws(DNNLError) -> (filter: Tensor, bias: Tensor?) {
    if blockwise ?? Self.isBlockwise(filter: filterShape, stride: stride) {
      let blockGradient = Kernels.spaceToDepth(outputGradient, block: stride)
      let pointwise = try dnnlConvolutionBackwardFilter(
        blockGradient, input: input,
        filterShape: FilterTransform.kernelAsChannels.shape(of: filterShape),
        geometry: ConvolutionGeometry(), includeBias: includeBias)
      let filterGradient = FilterTransform.channelsAsKernel(
        pointwise.filter, filterShape: filterShape)
      // The bias gradient of each block position, summed over the positions.
      let biasGradient = pointwise.bias.map {
        Kernels.reduce(.sum, $0.reshaped(to: [stride * stride, filterShape[0]]), axes: [0])
          .reshaped(to: [filterShape[0]])
      }
      return (filterGradient, biasGradient)
    }
    let (forward, _) = try deconvolutionForwardPrimitive(
      input: input.shape, filter: filterShape, stride: stride, bias: includeBias)
    let key = DNNLPrimitiveKey(
      kind: .deconvolutionBackwardWeights(bias: includeBias),
      values: input.shape + filterShape + [stride])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try DeconvolutionDescriptors(
        input: input.shape, filter: filterShape, stride: stride, bias: includeBias)
      var operation = try descriptors.backwardWeights()
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor,
          name: "deconvolution backward weights"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS])
    }
    let biasGradient = includeBias ? Tensor(uninitializedShape: [filterShape[0]]) : nil
    let filterGradient = try plainResult(
      shape: filterShape, plain: DNNLMemoryDescriptor.filter(filterShape, groups: 1),
      from: primitive, key: key, argument: DNNL_ARG_DIFF_WEIGHTS
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
