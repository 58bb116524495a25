import StereoTensor

/// Stochastic gradient descent with optional momentum:
/// `v ← μ·v + g`, `θ ← θ − η·v` (PyTorch's formulation).
public final class SGD: Optimizer {
  public var learningRate: Float
  /// μ.
  public let momentum: Float
  public private(set) var step = 0
  private var velocity: [String: Tensor] = [:]

  /// Creates an optimizer.
  public init(learningRate: Float, momentum: Float = 0) {
    precondition(
      learningRate > 0 && momentum >= 0 && momentum < 1,
      "Bad SGD settings: learning rate \(learningRate), momentum \(momentum)")
    self.learningRate = learningRate
    self.momentum = momentum
  }

  public func update(_ parameters: Parameters) {
    step += 1
    for (name, parameter) in parameters.trainable {
      guard let gradient = parameter.gradient else { continue }
      var direction = gradient
      if momentum > 0 {
        direction = withoutGradients {
          (velocity[name].map { $0 * momentum + gradient } ?? gradient).detached
        }
        velocity[name] = direction
      }
      parameter.value = withoutGradients { (parameter.value - direction * learningRate).detached }
    }
  }

  public var state: [String: Tensor] {
    var result = velocity.reduce(into: [String: Tensor]()) {
      $0["sgd.velocity.\($1.key)"] = $1.value
    }
    result["sgd.step"] = Tensor(Float(step))
    return result
  }

  public func restore(_ state: [String: Tensor]) throws {
    step = Int(state["sgd.step"]?.scalar ?? 0)
    velocity = [:]
    for (key, value) in state where key.hasPrefix("sgd.velocity.") {
      velocity[String(key.dropFirst("sgd.velocity.".count))] = value
    }
  }
}
