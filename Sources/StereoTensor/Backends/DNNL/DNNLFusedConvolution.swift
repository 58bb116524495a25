internal import CDNNL

/// Inference convolutions with the bias and an activation fused into one pass (an eltwise
/// post-op), for the planned inference path where batch norm is folded into the filters.
///
/// Built for the same ``ConvolutionPlan`` as training convolutions: Winograd where it fits (at
/// least ``ConvolutionPlan/winogradChannels`` channels in and out) and oneDNN accepts the
/// post-op (none or ReLU; not ELU), else direct on NHWC.
///
/// With ``DNNLBackend/inferencePrecision`` `.bfloat16` the direct plan reads its source and
/// filters as bfloat16 (rounded to nearest even by the reorders from ours) and sums the products
/// in `Float` into a `Float` output: where oneDNN has a bfloat16 kernel for the shape, else the
/// plans above. Winograd-eligible convolutions stay `Float`.
///
/// The corresponding oneDNN primitive is `dnnl_convolution_forward` (`forward_inference`) with a
/// `dnnl_post_ops_append_eltwise` attribute.
extension DNNLBackend {
  private func makeInferenceConvolution(
    key: DNNLPrimitiveKey, input: [Int], filter: [Int], geometry: ConvolutionGeometry, bias: Bool,
    activation: Activation?, plan: ConvolutionPlan, bfloat16: Bool = false
  ) throws(DNNLError) -> DNNLPrimitive {
    var descriptors = try ConvolutionDescriptors(
      input: input, filter: filter, geometry: geometry, bias: bias, plan: plan)
    if bfloat16 {
      try descriptors.readBFloat16(input: input, filter: filter, groups: geometry.groups)
    }
    var operation = dnnl_convolution_desc_t()
    // Winograd's inference variant wants pre-transformed weights that no reorder from OHWI
    // produces; its training variant takes blocked weights and computes the same values.
    try check(
      dnnl_convolution_forward_desc_init(
        &operation, plan == .winograd ? dnnl_forward_training : dnnl_forward_inference,
        descriptors.algorithm, &descriptors.source,
        &descriptors.weights, &descriptors.bias, &descriptors.destination, descriptors.strides,
        descriptors.paddingBefore, descriptors.paddingAfter),
      "convolution_forward_desc_init(inference)")
    let primitive = try DNNLPrimitive(
      descriptor: DNNLPrimitive.makeDescriptor(
        &operation, engine: engine, postActivation: activation,
        name: "fused convolution \(plan)"),
      engine: engine, candidates: [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST])
    // bfloat16 only where oneDNN has a kernel for it (its reference kernels are far slower).
    if bfloat16 && !primitive.implementation.contains("bf16") {
      throw DNNLError(status: "unimplemented", operation: "bfloat16 convolution")
    }
    // A plan whose layouts cannot be reached from ours fails here, and the next is tried.
    let plain = try Self.plainLayouts(.forward, input: input, filter: filter, geometry: geometry)
    try prepareReorders(for: primitive, key: key, inputs: plain.inputs, outputs: plain.outputs)
    return primitive
  }

  func dnnlConvolutionInference(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
    activation: Activation?
  ) throws(DNNLError) -> Tensor {
    let key = DNNLPrimitiveKey(
      kind: .convolutionInference(bias: bias != nil, activation: activation),
      values: Self.convolutionValues(input: input.shape, filter: filter.shape, geometry: geometry))
    let primitive = try primitives.primitive(key) { () throws(DNNLError) in
      let plans = ConvolutionPlan.candidates(
        input: input.shape, filter: filter.shape, geometry: geometry)
      if inferencePrecision == .bfloat16, plans == [.direct],
        let made = try? makeInferenceConvolution(
          key: key, input: input.shape, filter: filter.shape, geometry: geometry, bias: bias != nil,
          activation: activation, plan: .direct, bfloat16: true)
      {
        return made
      }
      for plan in plans.dropLast() {
        if let made = try? makeInferenceConvolution(
          key: key, input: input.shape, filter: filter.shape, geometry: geometry, bias: bias != nil,
          activation: activation, plan: plan)
        {
          return made
        }
      }
      return try makeInferenceConvolution(
        key: key, input: input.shape, filter: filter.shape, geometry: geometry, bias: bias != nil,
        activation: activation, plan: .direct)
    }
    return try executeForward(
      primitive, key: key, input: input, filter: filter, bias: bias, geometry: geometry)
  }
}
