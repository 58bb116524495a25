import StereoNN
import StereoTensor

/// A bias-free convolution, batch norm and ReLU: `[N, H, W, C_in]` → `[N, H/s, W/s, C_out]`
/// (stride `s`, padding `(k − 1)/2`).
///
/// The unit `realtime` is built from. The convolution has no bias because batch norm's shift
/// replaces it.
public final class ConvBatchNormReLU: Layer {
  public let conv: Conv2D
  public let norm: BatchNorm

  /// Creates a unit with He-normal filters (ReLU follows).
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, groups: Int = 1,
    using generator: inout some RandomNumberGenerator
  ) {
    conv = Conv2D(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      stride: stride, groups: groups, useBias: false, initializer: .heNormal, using: &generator)
    norm = BatchNorm(channels: outputChannels)
  }

  public func callAsFunction(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    norm.normalizedReLU(conv(input), context: context)
  }

  public var parameters: Parameters {
    var result = Parameters()
    result.append("conv", conv.parameters)
    result.append("bn", norm.parameters)
    return result
  }
}

/// DS(a→b): a depthwise 3×3 unit then a pointwise 1×1 unit, each with batch norm and ReLU.
///
/// `[N, H, W, a]` → `[N, H, W, b]`; parameters `9a + ab` plus batch norm's `2(a + b)`.
public final class DepthwiseSeparableBlock: Layer {
  public let depthwise: ConvBatchNormReLU
  public let pointwise: ConvBatchNormReLU

  /// Creates a block.
  public init(
    inputChannels: Int, outputChannels: Int, using generator: inout some RandomNumberGenerator
  ) {
    depthwise = ConvBatchNormReLU(
      inputChannels: inputChannels, outputChannels: inputChannels, kernelSize: 3,
      groups: inputChannels, using: &generator)
    pointwise = ConvBatchNormReLU(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1, using: &generator
    )
  }

  public func callAsFunction(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    pointwise(depthwise(input, context: &context), context: &context)
  }

  public var parameters: Parameters {
    var result = Parameters()
    result.append("depthwise", depthwise.parameters)
    result.append("pointwise", pointwise.parameters)
    return result
  }
}

extension DepthwiseSeparableBlock {
  /// The block up to its pointwise convolution's output (its batch norm is left to the caller), as
  /// one fused operation in training that keeps only its input for backward
  /// (``Tensor/depthwiseSeparableConvolved(pending:depthwiseFilter:depthwiseGeometry:scale:shift:pointwiseFilter:pointwiseBias:pointwiseGeometry:epsilon:)``).
  ///
  /// - Parameters:
  ///   - input: An activation, or with `pending`, the previous unit's convolution output.
  ///   - pending: The previous unit's batch norm, still to be applied (with ReLU) to `input`.
  /// - Returns: The pointwise convolution's output, before ``pointwise``'s batch norm.
  func fused(_ input: Tensor, pending: BatchNorm?, context: ForwardContext) -> Tensor {
    guard context.isTraining else {
      let activation = pending.map { $0.normalizedReLU(input, context: context) } ?? input
      return depthwise.norm.normalizedReLUConvolved(
        depthwise.conv(activation), by: pointwise.conv, context: context)
    }
    let (output, pendingStatistics, statistics) = input.depthwiseSeparableConvolved(
      pending: pending.map {
        PendingNormalization(scale: $0.scale.tracked, shift: $0.shift.tracked)
      },
      depthwiseFilter: depthwise.conv.filter.tracked, depthwiseGeometry: depthwise.conv.geometry,
      scale: depthwise.norm.scale.tracked, shift: depthwise.norm.shift.tracked,
      pointwiseFilter: pointwise.conv.filter.tracked, pointwiseBias: pointwise.conv.bias?.tracked,
      pointwiseGeometry: pointwise.conv.geometry, epsilon: depthwise.norm.epsilon)
    if let pending, let pendingStatistics {
      pending.updateRunningStatistics(
        mean: pendingStatistics.mean, variance: pendingStatistics.variance,
        count: input.count / input.shape[3], momentum: context.batchNormMomentum)
    }
    let depthwiseCount = output.count / output.shape[3]
    depthwise.norm.updateRunningStatistics(
      mean: statistics.mean, variance: statistics.variance, count: depthwiseCount,
      momentum: context.batchNormMomentum)
    return output
  }
}
