import StereoTensor

/// A depthwise-separable convolution as Keras `SeparableConv2D` (depth multiplier 1):
/// a depthwise `k×k` convolution without bias, then a pointwise 1×1 convolution with bias.
///
/// `[N, H, W, C_in]` → `[N, H, W, C_out]` with "same" padding. Parameters:
/// `k²·C_in + C_in·C_out + C_out`. Chollet, "Xception", arXiv:1610.02357.
public final class SeparableConv2D: Layer {
  /// The depthwise part, `[C_in, k, k, 1]`.
  public let depthwise: Conv2D
  /// The pointwise part, `[C_out, 1, 1, C_in]` with bias.
  public let pointwise: Conv2D

  /// Creates a separable convolution.
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, useBias: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) {
    depthwise = Conv2D(
      inputChannels: inputChannels, outputChannels: inputChannels, kernelSize: kernelSize,
      groups: inputChannels, useBias: false, using: &generator)
    pointwise = Conv2D(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1, useBias: useBias,
      using: &generator)
  }

  /// `[N, H, W, C_in]` → `[N, H, W, C_out]`.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    pointwise(depthwise(input))
  }

  public var parameters: Parameters {
    var result = Parameters()
    result.append("depthwise", depthwise.parameters)
    result.append("pointwise", pointwise.parameters)
    return result
  }
}
