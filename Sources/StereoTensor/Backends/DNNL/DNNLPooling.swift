internal import CDNNL

/// Max-pooling over `size`×`size` windows with stride `size`, NHWC.
///
/// Trailing rows and columns that do not fill a window are dropped: with no padding, oneDNN's
/// output extent `(H − size)/size + 1` is `⌊H/size⌋`. Training forward also writes a workspace
/// (the argmax of each window, `u8` or `s32` per element); it is returned as a `Float` tensor
/// large enough to hold those bytes and handed to backward, which then needs no input.
///
/// The corresponding oneDNN primitives are `dnnl_pooling_v2_forward` and
/// `dnnl_pooling_v2_backward` with `dnnl_pooling_max`.
extension DNNLBackend {
  private struct PoolingDescriptors {
    var source: dnnl_memory_desc_t
    var destination: dnnl_memory_desc_t
    let window: [Int64]
    let zeros: [Int64] = [0, 0]

    init(input: [Int], size: Int) throws(DNNLError) {
      source = try DNNLMemoryDescriptor.activation(input)
      destination = try DNNLMemoryDescriptor.activation([
        input[0], input[1] / size, input[2] / size, input[3],
      ])
      window = [Int64(size), Int64(size)]
    }
  }

  private func maxPoolForwardPrimitive(input: [Int], size: Int, training: Bool)
    throws(DNNLError) -> DNNLPrimitive
  {
    let key = DNNLPrimitiveKey(kind: .maxPoolForward(training: training), values: input + [size])
    return try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try PoolingDescriptors(input: input, size: size)
      var operation = dnnl_pooling_v2_desc_t()
      try check(
        dnnl_pooling_v2_forward_desc_init(
          &operation, training ? dnnl_forward_training : dnnl_forward_inference, dnnl_pooling_max,
          &descriptors.source, &descriptors.destination, descriptors.window, descriptors.window,
          descriptors.zeros, descriptors.zeros, descriptors.zeros),
        "pooling_v2_forward_desc_init")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "max-pool"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE])
    }
  }

  /// - Parameter training: Whether to produce the workspace backward needs.
  func dnnlMaxPool(_ input: Tensor, size: Int, training: Bool) throws(DNNLError)
    -> (output: Tensor, workspace: Tensor?)
  {
    let primitive = try maxPoolForwardPrimitive(input: input.shape, size: size, training: training)
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let output = Tensor(uninitializedShape: [n, h / size, w / size, c])
    var buffers: [Int32: UnsafePointer<Float>] = [
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer,
    ]
    var workspace: Tensor?
    if primitive.takes(DNNL_ARG_WORKSPACE) {
      let bytes = primitive.byteCount(of: DNNL_ARG_WORKSPACE)
      let argmax = Tensor(uninitializedShape: [(bytes + 3) / 4])
      buffers[DNNL_ARG_WORKSPACE] = argmax.unsafePointer
      workspace = argmax
    }
    primitive.execute(buffers)
    return withExtendedLifetime(input) { (output, workspace) }
  }

  func dnnlMaxPoolBackward(
    _ outputGradient: Tensor, inputShape: [Int], input: Tensor?, workspace: Tensor?, size: Int
  ) throws(DNNLError) -> Tensor {
    let forward = try maxPoolForwardPrimitive(input: inputShape, size: size, training: true)
    let key = DNNLPrimitiveKey(kind: .maxPoolBackward, values: inputShape + [size])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      var descriptors = try PoolingDescriptors(input: inputShape, size: size)
      var operation = dnnl_pooling_v2_desc_t()
      try check(
        dnnl_pooling_v2_backward_desc_init(
          &operation, dnnl_pooling_max, &descriptors.source, &descriptors.destination,
          descriptors.window, descriptors.window, descriptors.zeros, descriptors.zeros,
          descriptors.zeros),
        "pooling_v2_backward_desc_init")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "max-pool backward"),
        engine: engine,
        candidates: [DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC])
    }
    // A workspace from inference mode or from another backend is missing or the wrong size:
    // recompute it from the input.
    let neededFloats = (primitive.byteCount(of: DNNL_ARG_WORKSPACE) + 3) / 4
    var usable = workspace?.count == neededFloats ? workspace : nil
    if usable == nil, let input {
      usable = try dnnlMaxPool(input, size: size, training: true).workspace
    }
    guard let argmax = usable else {
      preconditionFailure(
        "max-pool backward for \(inputShape) has neither a usable workspace nor the input")
    }
    let inputGradient = Tensor(uninitializedShape: inputShape)
    primitive.execute([
      DNNL_ARG_DIFF_DST: outputGradient.unsafePointer, DNNL_ARG_WORKSPACE: argmax.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, argmax)) { inputGradient }
  }
}
