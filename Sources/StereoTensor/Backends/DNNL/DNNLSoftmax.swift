internal import CDNNL

/// Softmax over the last axis, forward and backward from the output.
///
/// The tensor is viewed as `[rows, D]` with the softmax along axis 1 (contiguous).
///
/// The corresponding oneDNN primitives are `dnnl_softmax_v2_forward` and
/// `dnnl_softmax_v2_backward` with `dnnl_softmax_accurate`.
extension DNNLBackend {
  private static func rowsAndLength(_ shape: [Int]) -> (rows: Int, length: Int) {
    let length = shape.last ?? 1
    return (Tensor.elementCount(of: shape) / Swift.max(length, 1), length)
  }

  private func softmaxForwardPrimitive(rows: Int, length: Int) throws(DNNLError) -> DNNLPrimitive {
    let key = DNNLPrimitiveKey(kind: .softmaxForward, values: [rows, length])
    return try primitives.primitive(key) { () throws(DNNLError) in
      var data = try DNNLMemoryDescriptor.strided([rows, length], strides: [length, 1])
      var output = data
      var operation = dnnl_softmax_v2_desc_t()
      try check(
        dnnl_softmax_v2_forward_desc_init(
          &operation, dnnl_forward_training, dnnl_softmax_accurate, &data, &output, 1),
        "softmax_v2_forward_desc_init")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "softmax"),
        engine: engine, candidates: [DNNL_ARG_SRC, DNNL_ARG_DST])
    }
  }

  package func dnnlSoftmax(_ input: Tensor) throws(DNNLError) -> Tensor {
    let (rows, length) = Self.rowsAndLength(input.shape)
    let primitive = try softmaxForwardPrimitive(rows: rows, length: length)
    let output = Tensor(uninitializedShape: input.shape)
    primitive.execute([DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer])
    return withExtendedLifetime(input) { output }
  }

  package func dnnlSoftmaxBackward(_ outputGradient: Tensor, output: Tensor) throws(DNNLError)
    -> Tensor
  {
    let (rows, length) = Self.rowsAndLength(output.shape)
    let key = DNNLPrimitiveKey(kind: .softmaxBackward, values: [rows, length])
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      let forward = try softmaxForwardPrimitive(rows: rows, length: length)
      var data = try DNNLMemoryDescriptor.strided([rows, length], strides: [length, 1])
      var gradient = data, inputGradient = data
      var operation = dnnl_softmax_v2_desc_t()
      try check(
        dnnl_softmax_v2_backward_desc_init(
          &operation, dnnl_softmax_accurate, &inputGradient, &gradient, &data, 1),
        "softmax_v2_backward_desc_init")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "softmax backward"),
        engine: engine, candidates: [DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC])
    }
    let inputGradient = Tensor(uninitializedShape: output.shape)
    primitive.execute([
      DNNL_ARG_DST: output.unsafePointer, DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, output)) { inputGradient }
  }
}
