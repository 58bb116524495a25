internal import CDNNL

/// Bilinear resizing with half-pixel centres, NHWC.
///
/// oneDNN's `resampling_linear` maps output coordinate `o` to source `(o + 0.5)·in/out − 0.5`
/// and takes the taps `max(⌊s⌋, 0)` and `min(⌈s⌉, in − 1)` with weight `|s − trunc(s)|`: at the
/// edges both taps are the edge element, which is the reference's clamping. The scale factors
/// are derived from the explicit output extents.
///
/// The corresponding oneDNN primitives are `dnnl_resampling_forward` and
/// `dnnl_resampling_backward` with `dnnl_resampling_linear`.
extension DNNLBackend {
  private func resamplingForwardPrimitive(input: [Int], output: [Int])
    throws(DNNLError) -> DNNLPrimitive
  {
    let key = DNNLPrimitiveKey(kind: .resamplingForward, values: input + output)
    return try primitives.primitive(key) { () throws(DNNLError) in
      var source = try DNNLMemoryDescriptor.activation(input)
      var destination = try DNNLMemoryDescriptor.activation(output)
      var operation = dnnl_resampling_desc_t()
      try check(
        dnnl_resampling_forward_desc_init(
          &operation, dnnl_forward_training, dnnl_resampling_linear, nil, &source, &destination),
        "resampling_forward_desc_init(\(input) → \(output))")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "resampling"),
        engine: engine,
        candidates: [DNNL_ARG_SRC, DNNL_ARG_DST])
    }
  }

  func dnnlResizeBilinear(_ input: Tensor, height: Int, width: Int) throws(DNNLError) -> Tensor {
    let outputShape = [input.shape[0], height, width, input.shape[3]]
    let primitive = try resamplingForwardPrimitive(input: input.shape, output: outputShape)
    let output = Tensor(uninitializedShape: outputShape)
    primitive.execute([DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer])
    return withExtendedLifetime(input) { output }
  }

  package func dnnlResizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int])
    throws(DNNLError) -> Tensor
  {
    let outputShape = outputGradient.shape
    let key = DNNLPrimitiveKey(kind: .resamplingBackward, values: inputShape + outputShape)
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      let forward = try resamplingForwardPrimitive(input: inputShape, output: outputShape)
      var source = try DNNLMemoryDescriptor.activation(inputShape)
      var destination = try DNNLMemoryDescriptor.activation(outputShape)
      var operation = dnnl_resampling_desc_t()
      try check(
        dnnl_resampling_backward_desc_init(
          &operation, dnnl_resampling_linear, nil, &source, &destination),
        "resampling_backward_desc_init(\(inputShape) ← \(outputShape))")
      return try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeDescriptor(
          &operation, engine: engine, hint: forward.descriptor, name: "resampling backward"),
        engine: engine,
        candidates: [DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC])
    }
    let inputGradient = Tensor(uninitializedShape: inputShape)
    primitive.execute([
      DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
    ])
    return withExtendedLifetime(outputGradient) { inputGradient }
  }
}
