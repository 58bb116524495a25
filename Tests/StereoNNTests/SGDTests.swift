import StereoNN
import StereoTensor
import Testing

@Suite("SGD")
struct SGDTests {
  /// Runs `optimizer` over `gradients` (one `[Float]` per step) from `initial`; returns the values
  /// after each step.
  static func trajectory(
    _ optimizer: some Optimizer, initial: [Float], gradients: [[Float]]
  ) -> [[Float]] {
    let parameter = Parameter(Tensor(initial))
    let parameters = Parameters(["weight": parameter])
    return gradients.map { gradient in
      parameter.gradient = Tensor(gradient)
      optimizer.update(parameters)
      parameters.zeroGradients()
      return parameter.value.scalars
    }
  }

  @Test("Plain SGD moves each value by −η·g")
  func plainSteps() {
    // η = 0.5: θ = [1, −2] → [1 − 0.5·0.5, −2 − 0.5·(−1)] = [0.75, −1.5] → [0.75 − 0.5·2, −1.5]
    let values = Self.trajectory(
      SGD(learningRate: 0.5), initial: [1, -2], gradients: [[0.5, -1], [2, 0]])
    #expect(values == [[0.75, -1.5], [-0.25, -1.5]])
  }

  @Test("Momentum follows v ← μ·v + g, θ ← θ − η·v over three steps")
  func momentumSteps() throws {
    // By hand, η = 0.1, μ = 0.9, θ₀ = 1, g = 0.5, −1, 2:
    //   v₁ = 0.5                    θ₁ = 1 − 0.05       = 0.95
    //   v₂ = 0.45 − 1 = −0.55       θ₂ = 0.95 + 0.055   = 1.005
    //   v₃ = −0.495 + 2 = 1.505     θ₃ = 1.005 − 0.1505 = 0.8545
    let optimizer = SGD(learningRate: 0.1, momentum: 0.9)
    let values = Self.trajectory(optimizer, initial: [1], gradients: [[0.5], [-1], [2]])
    for (value, expected) in zip(values.map { $0[0] }, [Float(0.95), 1.005, 0.8545]) {
      #expect(abs(value - expected) < 1e-6, "\(values)")
    }
    #expect(optimizer.step == 3)
    let velocity = try #require(optimizer.state["sgd.velocity.weight"])
    #expect(abs(velocity.scalar - 1.505) < 1e-6)
  }

  @Test("Restored momentum continues the run exactly")
  func restore() throws {
    let gradients: [[Float]] = [[0.5, 1], [-1, 0.25], [2, -3]]
    let straight = SGD(learningRate: 0.1, momentum: 0.9)
    let expected = Self.trajectory(straight, initial: [1, 2], gradients: gradients)

    let first = SGD(learningRate: 0.1, momentum: 0.9)
    let prefix = Self.trajectory(first, initial: [1, 2], gradients: Array(gradients.prefix(2)))
    let resumed = SGD(learningRate: 0.1, momentum: 0.9)
    try resumed.restore(first.state)
    #expect(resumed.step == 2)
    let last = Self.trajectory(resumed, initial: prefix[1], gradients: [gradients[2]])
    #expect(last[0] == expected[2])
  }

  @Test("Parameters without a gradient or not trainable stay put")
  func skipsUntouched() {
    let trained = Parameter(Tensor([1]))
    let frozen = Parameter(Tensor([2]), isTrainable: false)
    let idle = Parameter(Tensor([3]))
    trained.gradient = Tensor([1])
    frozen.gradient = Tensor([1])
    SGD(learningRate: 0.25).update(Parameters(["a": trained, "b": frozen, "c": idle]))
    #expect(trained.value.scalars == [0.75])
    #expect(frozen.value.scalars == [2])
    #expect(idle.value.scalars == [3])
  }
}
