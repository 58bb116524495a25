import StereoNN
import StereoTensor

/// Our layers as ONNX operators: weights move from our NHWC-friendly layouts to ONNX's.
///
///     Conv2D filter           [C_out, KH, KW, C_in/g]  →  Conv weight          [C_out, C_in/g, KH, KW]
///     TransposedConv2D filter [C_out, s, s, C_in]      →  ConvTranspose weight [C_in, C_out, s, s]
extension ONNXGraphBuilder {
  /// A ``Conv2D``, optionally with the inference-mode ``BatchNorm`` that follows it folded in
  /// (``FoldedConvolution``), and optionally only some of its output channels.
  ///
  /// - Parameters:
  ///   - x: `[N, C_in, H, W]`.
  ///   - layer: The convolution, filter `[C_out, KH, KW, C_in/g]`.
  ///   - norm: The batch norm over its `C_out` outputs to fold in, or `nil`.
  ///   - outputChannels: The output channels to keep; all when `nil`.
  ///   - prefix: The node and constant name prefix.
  /// - Returns: `[N, C_out, H, W]` (or `[N, outputChannels.count, H, W]`).
  mutating func convolution(
    _ x: String, _ layer: Conv2D, foldingIn norm: BatchNorm? = nil,
    outputChannels: Range<Int>? = nil, prefix: String
  ) -> String {
    let geometry = layer.geometry
    let (kh, kw) = (layer.filter.shape[1], layer.filter.shape[2])
    precondition(kh == kw, "Only square kernels are exported, got \(kh)x\(kw) in \(prefix)")
    precondition(
      geometry.strideY == geometry.strideX && geometry.paddingTop == geometry.paddingLeft
        && geometry.paddingTop == geometry.paddingBottom
        && geometry.paddingLeft == geometry.paddingRight,
      "Only symmetric stride and padding are exported, got \(geometry) in \(prefix)")
    let folded = FoldedConvolution(layer, foldingIn: norm, outputChannels: outputChannels)
    // [C_out, KH, KW, C_in/g] → ONNX's [C_out, C_in/g, KH, KW].
    let (o, i) = (folded.filter.shape[0], folded.filter.shape[3])
    let filter = folded.filter.scalars
    var weights = [Float](repeating: 0, count: filter.count)
    for row in 0..<o {
      for ky in 0..<kh {
        for kx in 0..<kw {
          for ci in 0..<i {
            weights[((row * i + ci) * kh + ky) * kw + kx] =
              filter[((row * kh + ky) * kw + kx) * i + ci]
          }
        }
      }
    }
    let weight = constant("\(prefix).weight", shape: [o, i, kh, kw], floats: weights)
    let biasName = folded.bias.map {
      constant("\(prefix).bias", shape: [o], floats: $0.scalars)
    }
    return conv(
      x, weight: weight, bias: biasName, kernel: kh, padding: geometry.paddingTop,
      stride: geometry.strideY, groups: geometry.groups, prefix: prefix)
  }

  /// A ``BatchNorm`` with its running statistics: `[N, C, H, W]` → `[N, C, H, W]`.
  mutating func batchNormalization(_ x: String, _ norm: BatchNorm, prefix: String) -> String {
    let c = norm.scale.shape[0]
    func vector(_ parameter: Parameter, _ name: String) -> String {
      constant("\(prefix).\(name)", shape: [c], floats: parameter.value.scalars)
    }
    return batchNormalization(
      x, scale: vector(norm.scale, "scale"), shift: vector(norm.shift, "shift"),
      mean: vector(norm.runningMean, "running_mean"),
      variance: vector(norm.runningVariance, "running_variance"), epsilon: norm.epsilon,
      prefix: prefix)
  }

  /// A ``TransposedConv2D``: `[N, C_in, H, W]` → `[N, C_out, s·H, s·W]`.
  mutating func transposedConvolution(_ x: String, _ layer: TransposedConv2D, prefix: String)
    -> String
  {
    let (o, s, i) = (layer.filter.shape[0], layer.stride, layer.filter.shape[3])
    precondition(
      layer.filter.shape == [o, s, s, i],
      "Transposed filter \(layer.filter.shape) is not [C_out, \(s), \(s), C_in] in \(prefix)")
    let filter = layer.filter.value.scalars
    var weights = [Float](repeating: 0, count: filter.count)
    for oc in 0..<o {
      for ky in 0..<s {
        for kx in 0..<s {
          for ci in 0..<i {
            weights[((ci * o + oc) * s + ky) * s + kx] = filter[((oc * s + ky) * s + kx) * i + ci]
          }
        }
      }
    }
    let weight = constant("\(prefix).weight", shape: [i, o, s, s], floats: weights)
    let bias = layer.bias.map { constant("\(prefix).bias", shape: [o], floats: $0.value.scalars) }
    return convTranspose(x, weight: weight, bias: bias, stride: s, prefix: prefix)
  }

  /// A ``SeparableConv2D``: depthwise `Conv` (group = C_in), then pointwise `Conv`.
  mutating func separableConvolution(_ x: String, _ layer: SeparableConv2D, prefix: String)
    -> String
  {
    let depthwise = convolution(x, layer.depthwise, prefix: "\(prefix).depthwise")
    return convolution(depthwise, layer.pointwise, prefix: "\(prefix).pointwise")
  }
}
