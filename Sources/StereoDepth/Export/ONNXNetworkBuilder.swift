import StereoNN
import StereoTensor

/// A network definition as ONNX nodes, in inference mode: values are ONNX value names in NCHW.
///
/// Batch norms that follow a convolution are folded into it (``FoldedConvolution``); those that
/// follow a ReLU (`original`) stay `BatchNormalization` nodes. Dropout is the identity.
struct ONNXNetworkBuilder: NetworkBuilder {
  var graph: ONNXGraphBuilder

  mutating func convBatchNormReLU(_ x: String, _ unit: ConvBatchNormReLU, name: String) -> String {
    graph.relu(
      graph.convolution(x, unit.conv, foldingIn: unit.norm, prefix: "\(name).conv"), prefix: name)
  }

  mutating func depthwiseSeparable(_ x: String, _ block: DepthwiseSeparableBlock, name: String)
    -> String
  {
    convBatchNormReLU(
      convBatchNormReLU(x, block.depthwise, name: "\(name).depthwise"), block.pointwise,
      name: "\(name).pointwise")
  }

  mutating func separableReLUBatchNorm(_ x: String, _ unit: SeparableReLUBatchNorm, name: String)
    -> String
  {
    var convolved = x
    if let separable = unit.separable {
      convolved = separableConvolution(x, separable, name: "\(name).separable")
    } else if let full = unit.full {
      convolved = graph.convolution(x, full, prefix: "\(name).conv")
    }
    return graph.batchNormalization(
      graph.relu(convolved, prefix: name), unit.norm, prefix: "\(name).bn")
  }

  mutating func convolution(
    _ x: String, _ layer: Conv2D, outputChannels: Range<Int>?, name: String
  ) -> String {
    graph.convolution(x, layer, outputChannels: outputChannels, prefix: name)
  }

  mutating func separableConvolution(_ x: String, _ layer: SeparableConv2D, name: String) -> String
  {
    graph.separableConvolution(x, layer, prefix: name)
  }

  mutating func transposedConvolution(_ x: String, _ layer: TransposedConv2D, name: String)
    -> String
  {
    graph.transposedConvolution(x, layer, prefix: name)
  }

  mutating func maxPool(_ x: String, size: Int, name: String) -> String {
    graph.maxPool(x, size: size, prefix: name)
  }

  mutating func upsampled2xConcatenated(_ x: String, _ skip: String, name: String) -> String {
    let up = graph.upsample2x(x, prefix: "\(name).up")
    return graph.concatChannels([up, skip], prefix: "\(name).concat")
  }

  mutating func concatenated(_ values: [String], name: String) -> String {
    graph.concatChannels(values, prefix: name)
  }

  mutating func channels(_ x: String, _ range: Range<Int>, name: String) -> String {
    graph.sliceChannels(x, range, prefix: name)
  }

  mutating func scaledSum(_ x: String, _ y: String, scale: Parameter, name: String) -> String {
    let factor = graph.constant("\(name).scale", shape: [], floats: [scale.value.scalars[0]])
    return graph.add(x, graph.mul(y, factor, prefix: name), prefix: name)
  }

  mutating func mean(_ values: [String], name: String) -> String {
    let sum = values.dropFirst().reduce(values[0]) { graph.add($0, $1, prefix: "\(name).sum") }
    let factor = graph.constant("\(name).factor", shape: [], floats: [1 / Float(values.count)])
    return graph.mul(sum, factor, prefix: name)
  }

  mutating func dropout(_ x: String, rate: Float, name: String) -> String { x }

  mutating func rmsNormalized(_ x: String, epsilon: Float, name: String) -> String {
    graph.rmsNormalized(x, epsilon: epsilon, prefix: name)
  }

  mutating func correlation(
    _ left: String, _ right: String, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView, name: String
  ) -> String {
    graph.correlation(
      left: left, right: right, minimumDisparity: minimumDisparity,
      candidateCount: candidateCount, view: view, prefix: name)
  }

  mutating func expectedDisparity(
    _ logits: String, minimumDisparity: Int, candidateCount: Int, base: String?, name: String
  ) -> String {
    graph.expectedDisparity(
      logits, minimumDisparity: minimumDisparity, candidateCount: candidateCount, base: base,
      prefix: name)
  }

  mutating func localExpectedDisparity(
    _ logits: String, minimumDisparity: Int, candidateCount: Int, radius: Int, base: String?,
    name: String
  ) -> String {
    graph.localExpectedDisparity(
      logits, minimumDisparity: minimumDisparity, candidateCount: candidateCount, radius: radius,
      base: base, prefix: name)
  }

  mutating func upsampledDisparity(_ disparity: String, name: String) -> String {
    graph.upsampledDisparity(disparity, prefix: name)
  }

  mutating func propagatedDisparity(
    _ disparity: String, own: String, other: String, side: StereoSide, name: String
  ) -> String {
    graph.propagatedDisparity(disparity, own: own, other: other, side: side, prefix: name)
  }

  mutating func warped(_ features: String, by disparity: String, side: StereoSide, name: String)
    -> String
  {
    graph.warped(features, by: disparity, side: side, prefix: name)
  }
}
