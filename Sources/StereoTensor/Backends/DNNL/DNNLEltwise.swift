internal import CDNNL

/// ReLU and ELU, forward and backward from the output.
///
/// The `*_use_dst_for_bwd` algorithms compute the same forward values as plain `relu`/`elu`
/// (α = 0 and α = 1) and take the output, not the input, in backward: the autodiff graph keeps
/// only the output alive. Tensors are treated as flat vectors; the layout does not matter.
///
/// The corresponding oneDNN primitives are `dnnl_eltwise_forward` and `dnnl_eltwise_backward`
/// with `dnnl_eltwise_relu_use_dst_for_bwd` / `dnnl_eltwise_elu_use_dst_for_bwd`.
extension DNNLBackend {
  private static func algorithm(_ activation: Activation) -> (dnnl_alg_kind_t, alpha: Float) {
    switch activation {
    case .relu: (dnnl_eltwise_relu_use_dst_for_bwd, 0)
    case .elu: (dnnl_eltwise_elu_use_dst_for_bwd, 1)
    }
  }

  private func eltwiseForwardPrimitive(_ activation: Activation, count: Int)
    throws(DNNLError) -> DNNLPrimitive
  {
    let key = DNNLPrimitiveKey(kind: .eltwiseForward(activation), values: [count])
    return try primitives.primitive(key) { () throws(DNNLError) in
      var data = try DNNLMemoryDescriptor.vector(count)
      var operation = dnnl_eltwise_desc_t()
      let (algorithm, alpha) = Self.algorithm(activation)
      try check(
        dnnl_eltwise_forward_desc_init(
          &operation, dnnl_forward_training, algorithm, &data, alpha, 0),
        "eltwise_forward_desc_init(\(activation))")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "\(activation)"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_DST])
    }
  }

  func dnnlActivation(_ activation: Activation, _ input: Tensor) throws(DNNLError) -> Tensor {
    let primitive = try eltwiseForwardPrimitive(activation, count: input.count)
    let output = Tensor(uninitializedShape: input.shape)
    primitive.execute([DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer])
    return withExtendedLifetime(input) { output }
  }

  package func dnnlActivationBackward(
    _ activation: Activation, _ outputGradient: Tensor, output: Tensor
  )
    throws(DNNLError) -> Tensor
  {
    let count = output.count
    let key = DNNLPrimitiveKey(kind: .eltwiseBackward(activation), values: [count])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      let forward = try eltwiseForwardPrimitive(activation, count: count)
      var data = try DNNLMemoryDescriptor.vector(count)
      var gradient = data
      var operation = dnnl_eltwise_desc_t()
      let (algorithm, alpha) = Self.algorithm(activation)
      try check(
        dnnl_eltwise_backward_desc_init(&operation, algorithm, &gradient, &data, alpha, 0),
        "eltwise_backward_desc_init(\(activation))")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "\(activation) backward"),
        engine: engine,
        candidates: [DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC])
    }
    let inputGradient = Tensor(uninitializedShape: output.shape)
    primitive.execute([
      DNNL_ARG_DST: output.unsafePointer, DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime((output, outputGradient)) { inputGradient }
  }
}
