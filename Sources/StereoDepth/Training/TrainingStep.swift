import StereoNN
import StereoTensor

/// One optimisation step of the self-supervised objective, the one ``Trainer`` and
/// ``TestTimeAdaptation`` both take:
///
///     output = model(left, right)                  // both selection layers
///     (L, terms) = loss(output, left, right)       // fails if L is not finite
///     ∂L/∂θ for every trainable θ (backward)       // fails if any gradient is not finite
///     θ ← optimizer(θ, ∂L/∂θ)
///
/// A failed step leaves the weights and the optimizer as they were; gradients are zero after
/// every step, failed or not.
public struct TrainingStep {
  /// The model whose trainable parameters are updated.
  public let model: WNet
  /// The objective.
  public let loss: StereoLoss
  /// The optimizer (its learning rate is the caller's to set).
  public let optimizer: any Optimizer

  /// Why a step was not taken.
  public enum Failure: Error, Equatable {
    /// The loss was NaN or infinite.
    case nonFiniteLoss(Float)
    /// The gradient of the named parameter held a NaN or an infinity.
    case nonFiniteGradient(parameter: String)
  }

  /// Creates a step of `loss` on `model`'s parameters with `optimizer`.
  public init(model: WNet, loss: StereoLoss, optimizer: any Optimizer) {
    self.model = model
    self.loss = loss
    self.optimizer = optimizer
  }

  /// Takes one step on the pair `left`, `right` (`[N, H, W, 3]` each, in [0, 1]).
  ///
  /// - Parameters:
  ///   - left: The left views, `[N, H, W, 3]`.
  ///   - right: The right views, `[N, H, W, 3]`.
  ///   - context: Training mode and dropout generator for the forward pass
  ///     (``ForwardContext/inference`` freezes batch norm's statistics, as adaptation does).
  ///   - proxy: The pair's proxy disparities for the proxy term, if any.
  /// - Returns: The loss terms before the update.
  /// - Throws: ``Failure`` when the loss or a gradient is not finite; nothing was updated.
  @discardableResult
  public func callAsFunction(
    left: Tensor, right: Tensor, proxy: ProxyTargets? = nil, context: inout ForwardContext
  ) throws(Failure) -> LossTerms {
    let parameters = model.parameters
    parameters.zeroGradients()
    defer { parameters.zeroGradients() }
    let output = model(
      left: left, right: right, context: &context,
      warpingDisparities: loss.configuration.consistencyWeight > 0)
    let (total, terms) = loss(output, left: left, right: right, proxy: proxy)
    guard terms.total.isFinite else { throw .nonFiniteLoss(terms.total) }
    total.backward()
    for (name, parameter) in parameters.trainable {
      guard let gradient = parameter.gradient else { continue }
      let finite = gradient.withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } }
      guard finite else { throw .nonFiniteGradient(parameter: name) }
    }
    optimizer.update(parameters)
    return terms
  }
}
