import StereoTensor

/// Updates parameters from their accumulated gradients.
///
/// An optimizer's state (moments, step count) is saved in checkpoints through ``state`` and
/// ``restore(_:)``, keyed by parameter name, so a resumed run continues exactly.
public protocol Optimizer: AnyObject {
  /// The learning rate.
  var learningRate: Float { get set }
  /// The number of updates made so far.
  var step: Int { get }
  /// Applies one update to every trainable parameter that has a gradient.
  func update(_ parameters: Parameters)
  /// The state as named tensors (names like `adam.m.<parameter>`), plus the step count.
  var state: [String: Tensor] { get }
  /// Restores state saved by ``state``.
  func restore(_ state: [String: Tensor]) throws
}

/// A saved optimizer state that does not fit the model.
public struct OptimizerStateError: Error, CustomStringConvertible {
  public let description: String
}
