internal import CDNNL

/// Batch normalisation over N, H and W of NHWC activations, with separate scale and shift.
///
/// oneDNN's statistics are the batch mean and the biased variance (divided by `N·H·W`), as in
/// ``Backend/batchNormTraining(_:scale:shift:epsilon:)``. Backward with `dnnl_use_shift` reads the
/// shift too: arguments are taken from what each primitive descriptor reports it needs.
///
/// The corresponding oneDNN primitives are `dnnl_batch_normalization_forward` (training and
/// inference) and `dnnl_batch_normalization_backward`.
extension DNNLBackend {
  private static let scaleAndShift = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue

  /// - Parameter fusedReLU: Apply ReLU to the output in the same pass (`dnnl_fuse_norm_relu`);
  ///   training forward then writes a bit-mask workspace that backward reads.
  private func batchNormPrimitive(
    _ kind: DNNLPrimitiveKey.Kind, shape: [Int], epsilon: Float, fusedReLU: Bool = false
  ) throws(DNNLError) -> DNNLPrimitive {
    let key = DNNLPrimitiveKey(
      kind: kind, values: shape + [Int(epsilon.bitPattern), fusedReLU ? 1 : 0])
    let flags = Self.scaleAndShift | (fusedReLU ? dnnl_fuse_norm_relu.rawValue : 0)
    return try primitives.primitive(key) { () throws(DNNLError) in
      var data = try DNNLMemoryDescriptor.activation(shape)
      var operation = dnnl_batch_normalization_desc_t()
      switch kind {
      case .batchNormTraining:
        try check(
          dnnl_batch_normalization_forward_desc_init(
            &operation, dnnl_forward_training, &data, epsilon, flags),
          "batch_normalization_forward_desc_init(training)")
        return try DNNLPrimitive(
          descriptor: DNNLPrimitive.makeDescriptor(&operation, engine: engine, name: "batch norm"),
          engine: engine,
          candidates: [
            DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN,
            DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE,
          ])
      case .batchNormInference:
        try check(
          dnnl_batch_normalization_forward_desc_init(
            &operation, dnnl_forward_inference, &data, epsilon,
            flags | dnnl_use_global_stats.rawValue),
          "batch_normalization_forward_desc_init(inference)")
        return try DNNLPrimitive(
          descriptor: DNNLPrimitive.makeDescriptor(
            &operation, engine: engine, name: "batch norm inference"),
          engine: engine,
          candidates: [
            DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN,
            DNNL_ARG_VARIANCE,
          ])
      default:
        let forward = try batchNormPrimitive(
          .batchNormTraining, shape: shape, epsilon: epsilon, fusedReLU: fusedReLU)
        var gradient = data
        try check(
          dnnl_batch_normalization_backward_desc_init(
            &operation, dnnl_backward, &gradient, &data, epsilon, flags),
          "batch_normalization_backward_desc_init")
        return try DNNLPrimitive(
          descriptor: DNNLPrimitive.makeDescriptor(
            &operation, engine: engine, hint: forward.descriptor, name: "batch norm backward"),
          engine: engine,
          candidates: [
            DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN,
            DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE,
            DNNL_ARG_DIFF_SHIFT,
          ])
      }
    }
  }

  func dnnlBatchNormTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    throws(DNNLError) -> (output: Tensor, mean: Tensor, variance: Tensor)
  {
    let primitive = try batchNormPrimitive(.batchNormTraining, shape: input.shape, epsilon: epsilon)
    let c = input.shape[3]
    let output = Tensor(uninitializedShape: input.shape)
    let mean = Tensor(uninitializedShape: [c]), variance = Tensor(uninitializedShape: [c])
    primitive.execute([
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer,
      DNNL_ARG_SCALE: scale.unsafePointer, DNNL_ARG_SHIFT: shift.unsafePointer,
      DNNL_ARG_MEAN: mean.unsafePointer, DNNL_ARG_VARIANCE: variance.unsafePointer,
    ])
    return withExtendedLifetime((input, scale, shift)) { (output, mean, variance) }
  }

  func dnnlBatchNormInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float,
    fusedReLU: Bool = false
  ) throws(DNNLError) -> Tensor {
    let primitive = try batchNormPrimitive(
      .batchNormInference, shape: input.shape, epsilon: epsilon, fusedReLU: fusedReLU)
    let output = Tensor(uninitializedShape: input.shape)
    primitive.execute([
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer,
      DNNL_ARG_SCALE: scale.unsafePointer, DNNL_ARG_SHIFT: shift.unsafePointer,
      DNNL_ARG_MEAN: mean.unsafePointer, DNNL_ARG_VARIANCE: variance.unsafePointer,
    ])
    return withExtendedLifetime((input, scale, shift, mean, variance)) { output }
  }

  func dnnlBatchNormBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, epsilon: Float
  ) throws(DNNLError) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    let primitive = try batchNormPrimitive(.batchNormBackward, shape: input.shape, epsilon: epsilon)
    let c = input.shape[3]
    let inputGradient = Tensor(uninitializedShape: input.shape)
    let scaleGradient = Tensor(uninitializedShape: [c]),
      shiftGradient = Tensor(uninitializedShape: [c])
    primitive.execute([
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
      DNNL_ARG_SCALE: scale.unsafePointer, DNNL_ARG_SHIFT: shift.unsafePointer,
      DNNL_ARG_MEAN: mean.unsafePointer, DNNL_ARG_VARIANCE: variance.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
      DNNL_ARG_DIFF_SCALE: scaleGradient.unsafePointer,
      DNNL_ARG_DIFF_SHIFT: shiftGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, input, scale, shift, mean, variance)) {
      (inputGradient, scaleGradient, shiftGradient)
    }
  }

  /// Training batch norm and ReLU in one primitive; the workspace is oneDNN's ReLU bit mask.
  func dnnlBatchNormReLUTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    throws(DNNLError) -> (output: Tensor, mean: Tensor, variance: Tensor, workspace: Tensor?)
  {
    let primitive = try batchNormPrimitive(
      .batchNormTraining, shape: input.shape, epsilon: epsilon, fusedReLU: true)
    let c = input.shape[3]
    let output = Tensor(uninitializedShape: input.shape)
    let mean = Tensor(uninitializedShape: [c]), variance = Tensor(uninitializedShape: [c])
    let workspace = Tensor(uninitializedShape: [
      (primitive.byteCount(of: DNNL_ARG_WORKSPACE) + 3) / 4
    ])
    primitive.execute([
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DST: output.unsafePointer,
      DNNL_ARG_SCALE: scale.unsafePointer, DNNL_ARG_SHIFT: shift.unsafePointer,
      DNNL_ARG_MEAN: mean.unsafePointer, DNNL_ARG_VARIANCE: variance.unsafePointer,
      DNNL_ARG_WORKSPACE: workspace.unsafePointer,
    ])
    return withExtendedLifetime((input, scale, shift)) { (output, mean, variance, workspace) }
  }

  /// The backward of ``dnnlBatchNormReLUTraining(_:scale:shift:epsilon:)``; without a usable
  /// workspace (one from another backend), the forward pass is rerun to make one.
  func dnnlBatchNormReLUBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, workspace: Tensor?, epsilon: Float
  ) throws(DNNLError) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    let primitive = try batchNormPrimitive(
      .batchNormBackward, shape: input.shape, epsilon: epsilon, fusedReLU: true)
    let neededFloats = (primitive.byteCount(of: DNNL_ARG_WORKSPACE) + 3) / 4
    var mask = workspace?.count == neededFloats ? workspace : nil
    if mask == nil {
      mask = try dnnlBatchNormReLUTraining(input, scale: scale, shift: shift, epsilon: epsilon)
        .workspace
    }
    guard let mask else {
      preconditionFailure("fused batch norm gave no workspace for \(input.shape)")
    }
    let c = input.shape[3]
    let inputGradient = Tensor(uninitializedShape: input.shape)
    let scaleGradient = Tensor(uninitializedShape: [c]),
      shiftGradient = Tensor(uninitializedShape: [c])
    primitive.execute([
      DNNL_ARG_SRC: input.unsafePointer, DNNL_ARG_DIFF_DST: outputGradient.unsafePointer,
      DNNL_ARG_SCALE: scale.unsafePointer, DNNL_ARG_SHIFT: shift.unsafePointer,
      DNNL_ARG_MEAN: mean.unsafePointer, DNNL_ARG_VARIANCE: variance.unsafePointer,
      DNNL_ARG_WORKSPACE: mask.unsafePointer,
      DNNL_ARG_DIFF_SRC: inputGradient.unsafePointer,
      DNNL_ARG_DIFF_SCALE: scaleGradient.unsafePointer,
      DNNL_ARG_DIFF_SHIFT: shiftGradient.unsafePointer,
    ])
    return withExtendedLifetime((outputGradient, input, scale, shift, mean, variance, mask)) {
      (inputGradient, scaleGradient, shiftGradient)
    }
  }
}
