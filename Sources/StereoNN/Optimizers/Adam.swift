import Foundation
import StereoTensor

/// Adam (Kingma & Ba, arXiv:1412.6980) with bias correction:
///
///     m ← β₁·m + (1 − β₁)·g        v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
public final class Adam: Optimizer {
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  public private(set) var step = 0
  private var firstMoments: [String: Tensor] = [:]
  private var secondMoments: [String: Tensor] = [:]

  /// Creates an optimizer; the defaults are the paper's (W-net used η = 1e-4).
  public init(
    learningRate: Float = 1e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
  ) {
    precondition(learningRate > 0, "Learning rate must be positive, got \(learningRate)")
    precondition(
      (0..<1).contains(beta1) && (0..<1).contains(beta2),
      "Betas must lie in [0, 1), got \(beta1), \(beta2)")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  public func update(_ parameters: Parameters) {
    step += 1
    let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
    let stepSize = learningRate / correction1
    let inverseCorrection2 = 1 / correction2
    for (name, parameter) in parameters.trainable {
      guard let gradient = parameter.gradient else { continue }
      var m = firstMoments[name] ?? Tensor.zeros(parameter.shape)
      var v = secondMoments[name] ?? Tensor.zeros(parameter.shape)
      var value = parameter.value
      parameter.value = Tensor.zeros([])  // drop the shared reference so the update is in place
      let (b1, b2, eps) = (beta1, beta2, epsilon)
      gradient.withUnsafeBufferPointer { g in
        m.withUnsafeMutableBufferPointer { m in
          v.withUnsafeMutableBufferPointer { v in
            value.withUnsafeMutableBufferPointer { theta in
              for i in 0..<theta.count {
                let gi = g[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                theta[i] -= stepSize * m[i] / ((v[i] * inverseCorrection2).squareRoot() + eps)
              }
            }
          }
        }
      }
      parameter.value = value
      firstMoments[name] = m
      secondMoments[name] = v
    }
  }

  public var state: [String: Tensor] {
    var result: [String: Tensor] = ["adam.step": Tensor(Float(step))]
    for (name, m) in firstMoments { result["adam.m.\(name)"] = m }
    for (name, v) in secondMoments { result["adam.v.\(name)"] = v }
    return result
  }

  public func restore(_ state: [String: Tensor]) throws {
    guard let savedStep = state["adam.step"] else {
      throw OptimizerStateError(description: "the checkpoint has no Adam state (adam.step missing)")
    }
    let saved = savedStep.count == 1 ? savedStep.scalars[0] : .nan
    // Float represents every integer up to 2^24 exactly; a step beyond it is corrupt.
    guard saved >= 0, saved <= 16_777_216, saved == saved.rounded() else {
      throw OptimizerStateError(
        description: "the checkpoint's Adam step is \(saved); it must be a whole number in "
          + "0...16777216")
    }
    step = Int(saved)
    firstMoments = [:]
    secondMoments = [:]
    for (key, value) in state {
      if key.hasPrefix("adam.m.") { firstMoments[String(key.dropFirst(7))] = value }
      if key.hasPrefix("adam.v.") { secondMoments[String(key.dropFirst(7))] = value }
    }
  }
}
