import Foundation
import StereoNN
import StereoTensor
import Testing

@Suite("Adam")
struct AdamTests {
  /// Adam as the paper writes it (Kingma & Ba 2015, Algorithm 1), in Double.
  ///
  /// One scalar at a time:
  ///
  ///     m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
  ///     m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ),  θ ← θ − η·m̂/(√v̂ + ε)
  static func paperAdam(
    initial: [Double], gradients: [[Double]], learningRate η: Double, beta1 β1: Double,
    beta2 β2: Double, epsilon ε: Double
  ) -> [[Double]] {
    var θ = initial
    var m = [Double](repeating: 0, count: initial.count)
    var v = m
    var result: [[Double]] = []
    for (index, g) in gradients.enumerated() {
      let t = Double(index + 1)
      for i in θ.indices {
        m[i] = β1 * m[i] + (1 - β1) * g[i]
        v[i] = β2 * v[i] + (1 - β2) * g[i] * g[i]
        let mHat = m[i] / (1 - pow(β1, t))
        let vHat = v[i] / (1 - pow(β2, t))
        θ[i] -= η * mHat / (vHat.squareRoot() + ε)
      }
      result.append(θ)
    }
    return result
  }

  @Test("The first step moves each value by η·sign(g), whatever the gradient's size")
  func firstStep() {
    // At t = 1, m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g).
    let values = SGDTests.trajectory(
      Adam(learningRate: 0.01), initial: [1, 1, 1], gradients: [[1000, -0.001, 3]])
    let expected: [Float] = [0.99, 1.01, 0.99]
    for (value, target) in zip(values[0], expected) {
      #expect(abs(value - target) < 1e-5, "\(values[0])")
    }
  }

  @Test(
    "Three steps match the paper's algorithm computed in Double",
    arguments: [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3)])
  func threeSteps(beta1: Double, beta2: Double, epsilon: Double) {
    let initial: [Double] = [0.5, -1, 2, 0]
    let gradients: [[Double]] = [[0.2, -0.4, 1.5, 0], [0.1, 0.3, -2, 0.01], [-0.5, 0.2, 0.7, 0]]
    let optimizer = Adam(
      learningRate: 0.05, beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
    let values = SGDTests.trajectory(
      optimizer, initial: initial.map(Float.init),
      gradients: gradients.map { $0.map(Float.init) })
    let expected = Self.paperAdam(
      initial: initial, gradients: gradients, learningRate: 0.05, beta1: beta1, beta2: beta2,
      epsilon: epsilon)
    for (step, (got, want)) in zip(values, expected).enumerated() {
      for (a, b) in zip(got, want) {
        #expect(abs(Double(a) - b) < 2e-6, "step \(step + 1): \(got) against \(want)")
      }
    }
    #expect(optimizer.step == 3)
  }

  @Test("A second step with a changing gradient, computed by hand")
  func secondStepByHand() {
    // η = 0.1, β₁ = 0.5, β₂ = 0.75, ε = 0, θ₀ = 0, g = 1 then 3:
    //   t=1: m = 0.5, v = 0.25; m̂ = 1, v̂ = 1; θ₁ = −0.1
    //   t=2: m = 0.25 + 1.5 = 1.75, v = 0.1875 + 2.25 = 2.4375
    //        m̂ = 1.75/0.75 = 7/3, v̂ = 2.4375/0.4375 = 39/7
    //        θ₂ = −0.1 − 0.1·(7/3)/√(39/7) = −0.19885383…
    let values = SGDTests.trajectory(
      Adam(learningRate: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 0), initial: [0],
      gradients: [[1], [3]])
    #expect(abs(values[0][0] - -0.1) < 1e-6)
    #expect(abs(values[1][0] - -0.19885383) < 1e-6, "\(values)")
  }

  @Test("Restored moments and step count continue the run exactly")
  func restore() throws {
    let gradients: [[Float]] = [[0.2, -0.4], [0.1, 0.3], [-0.5, 0.2]]
    let expected = SGDTests.trajectory(
      Adam(learningRate: 0.05), initial: [1, 2], gradients: gradients)
    let first = Adam(learningRate: 0.05)
    let prefix = SGDTests.trajectory(
      first, initial: [1, 2], gradients: Array(gradients.prefix(2)))
    let resumed = Adam(learningRate: 0.05)
    try resumed.restore(first.state)
    #expect(resumed.step == 2)
    let last = SGDTests.trajectory(resumed, initial: prefix[1], gradients: [gradients[2]])
    #expect(last[0] == expected[2])
    #expect(throws: OptimizerStateError.self) { try Adam().restore([:]) }
  }
}
