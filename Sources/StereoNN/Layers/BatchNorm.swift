import StereoTensor

/// Batch normalisation over N, H and W per channel, with running averages for inference.
///
/// Training: `y = γ·(x − μ_B)/√(σ²_B + ε) + β` with the batch statistics, and
/// `running ← (1 − m)·running + m·batch` (the variance average uses the unbiased batch variance,
/// as PyTorch does). Inference: the running statistics replace the batch's.
public final class BatchNorm: Layer {
  /// γ, `[C]`, initially 1.
  public let scale: Parameter
  /// β, `[C]`, initially 0.
  public let shift: Parameter
  /// The running mean, `[C]` (not trained; saved in checkpoints).
  public let runningMean: Parameter
  /// The running (unbiased) variance, `[C]` (not trained; saved in checkpoints).
  public let runningVariance: Parameter
  /// The weight `m` of a new batch in the running averages.
  public let momentum: Float
  /// ε.
  public let epsilon: Float

  /// Creates a batch norm over `channels` channels.
  public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
    precondition(channels > 0, "BatchNorm needs a positive channel count, got \(channels)")
    scale = Parameter(Tensor.ones([channels]))
    shift = Parameter(Tensor.zeros([channels]))
    runningMean = Parameter(Tensor.zeros([channels]), isTrainable: false)
    runningVariance = Parameter(Tensor.ones([channels]), isTrainable: false)
    self.momentum = momentum
    self.epsilon = epsilon
  }

  /// `[N, H, W, C]` → `[N, H, W, C]`.
  public func callAsFunction(_ input: Tensor, context: ForwardContext) -> Tensor {
    guard context.isTraining else {
      return input.batchNormalized(
        scale: scale.tracked, shift: shift.tracked, mean: runningMean.value,
        variance: runningVariance.value, epsilon: epsilon)
    }
    let (output, mean, variance) = input.batchNormalized(
      scale: scale.tracked, shift: shift.tracked, epsilon: epsilon)
    updateRunningStatistics(
      mean: mean, variance: variance, count: input.count / input.shape[3],
      momentum: context.batchNormMomentum)
    return output
  }

  /// Blends batch statistics into the running averages, with weight `momentum` (the layer's own
  /// ``momentum`` when `nil`; ``ForwardContext/batchNormMomentum``).
  public func updateRunningStatistics(
    mean: Tensor, variance: Tensor, count: Int, momentum: Float? = nil
  ) {
    let momentum = momentum ?? self.momentum
    let unbiased = Float(count) / Float(max(count - 1, 1))
    withoutGradients {
      runningMean.value = (runningMean.value * (1 - momentum) + mean.detached * momentum).detached
      runningVariance.value =
        (runningVariance.value * (1 - momentum) + variance.detached * (momentum * unbiased))
        .detached
    }
  }

  /// `max(0, BN(x))`, fused into one pass: `[N, H, W, C]` → `[N, H, W, C]`.
  public func normalizedReLU(_ input: Tensor, context: ForwardContext) -> Tensor {
    guard context.isTraining else {
      return input.batchNormalizedReLU(
        scale: scale.tracked, shift: shift.tracked, mean: runningMean.value,
        variance: runningVariance.value, epsilon: epsilon)
    }
    let (output, mean, variance) = input.batchNormalizedReLU(
      scale: scale.tracked, shift: shift.tracked, epsilon: epsilon)
    updateRunningStatistics(
      mean: mean, variance: variance, count: input.count / input.shape[3],
      momentum: context.batchNormMomentum)
    return output
  }

  /// `conv(max(0, BN(z)))`: this batch norm and ReLU, then `conv`, with the activation recomputed
  /// in backward rather than kept
  /// (``Tensor/normalizedReLUConvolved(scale:shift:epsilon:filter:bias:geometry:)``).
  public func normalizedReLUConvolved(_ input: Tensor, by conv: Conv2D, context: ForwardContext)
    -> Tensor
  {
    guard context.isTraining else { return conv(normalizedReLU(input, context: context)) }
    let (output, mean, variance) = input.normalizedReLUConvolved(
      scale: scale.tracked, shift: shift.tracked, epsilon: epsilon, filter: conv.filter.tracked,
      bias: conv.bias?.tracked, geometry: conv.geometry)
    updateRunningStatistics(
      mean: mean, variance: variance, count: input.count / input.shape[3],
      momentum: context.batchNormMomentum)
    return output
  }

  public var parameters: Parameters {
    Parameters([
      "scale": scale, "shift": shift, "running_mean": runningMean,
      "running_variance": runningVariance,
    ])
  }
}
