/// A trainable tensor: a leaf of the autodiff graph that collects its own gradient.
///
/// Layers store their weights as parameters and use ``tracked`` in their forward pass. When
/// gradients are recorded, ``Tensor/backward(seed:)`` adds into ``gradient``; optimizers read it
/// and write ``value``. Non-trainable state that still belongs in a checkpoint (batch-norm running
/// averages) is a parameter with ``isTrainable`` false.
public final class Parameter: @unchecked Sendable {
  /// The current value.
  public var value: Tensor
  /// The gradient summed over backward passes since the last ``zeroGradient()``, or `nil`.
  public var gradient: Tensor?
  /// Whether optimizers update this parameter and backward reaches it.
  public let isTrainable: Bool

  /// Creates a parameter holding `value`.
  public init(_ value: Tensor, isTrainable: Bool = true) {
    self.value = value.detached
    self.isTrainable = isTrainable
  }

  /// The shape of ``value``.
  public var shape: [Int] { value.shape }

  /// The value, connected to the autodiff graph when gradients are recorded and the parameter is
  /// trainable; otherwise a plain constant.
  public var tracked: Tensor {
    guard isTrainable, GradientMode.isEnabled else { return value }
    var leaf = value
    leaf.node = AutodiffNode(inputs: [], shape: value.shape, backward: nil, parameter: self)
    return leaf
  }

  /// Forgets the accumulated gradient.
  public func zeroGradient() { gradient = nil }

  func accumulate(_ incoming: Tensor) {
    precondition(
      incoming.shape == value.shape, "Gradient \(incoming.shape) for parameter \(value.shape)")
    if let existing = gradient {
      gradient = existing + incoming
    } else {
      gradient = incoming.detached
    }
  }
}
