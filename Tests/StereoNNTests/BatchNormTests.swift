import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Batch norm")
struct BatchNormTests {
  /// Per-channel mean and biased variance of an `[N, H, W, C]` tensor, in Double.
  static func statistics(_ x: Tensor) -> (mean: [Double], variance: [Double], count: Int) {
    let channels = x.shape[3]
    let values = x.scalars.map(Double.init)
    let count = values.count / channels
    var mean = [Double](repeating: 0, count: channels)
    var variance = mean
    for (index, value) in values.enumerated() { mean[index % channels] += value / Double(count) }
    for (index, value) in values.enumerated() {
      let deviation = value - mean[index % channels]
      variance[index % channels] += deviation * deviation / Double(count)
    }
    return (mean, variance, count)
  }

  @Test("Training normalizes with the batch's biased variance")
  func trainingOutput() {
    let norm = BatchNorm(channels: 3)
    norm.scale.value = Tensor([2, 0.5, -1])
    norm.shift.value = Tensor([0, 1, 0.25])
    let x = randomTensor([2, 3, 4, 3], seed: 11, in: -2...3)
    let y = norm(x, context: ForwardContext(isTraining: true))
    let (mean, variance, _) = Self.statistics(x)
    let (scale, shift) = ([2.0, 0.5, -1], [0.0, 1, 0.25])
    for (index, (input, output)) in zip(x.scalars, y.scalars).enumerated() {
      let c = index % 3
      let normalized = (Double(input) - mean[c]) / (variance[c] + 1e-5).squareRoot()
      let expected = scale[c] * normalized + shift[c]
      #expect(abs(Double(output) - expected) < 1e-4, "element \(index)")
    }
  }

  @Test(
    "Running statistics blend in the batch mean and unbiased variance with weight m",
    arguments: [false, true])
  func runningStatistics(fusedReLU: Bool) {
    let momentum = 0.25
    let norm = BatchNorm(channels: 2, momentum: Float(momentum))
    let batches = [
      randomTensor([2, 2, 3, 2], seed: 1, in: -1...2),
      randomTensor([2, 2, 3, 2], seed: 2, in: 0...4),
    ]
    // By hand: start from mean 0, variance 1; running ← (1 − m)·running + m·batch, where the
    // batch variance is unbiased: σ²·n/(n − 1) with n = N·H·W = 12 values per channel.
    var expectedMean = [0.0, 0.0]
    var expectedVariance = [1.0, 1.0]
    for batch in batches {
      let context = ForwardContext(isTraining: true)
      _ = fusedReLU ? norm.normalizedReLU(batch, context: context) : norm(batch, context: context)
      let (mean, variance, n) = Self.statistics(batch)
      #expect(n == 12)
      for c in 0..<2 {
        expectedMean[c] = (1 - momentum) * expectedMean[c] + momentum * mean[c]
        expectedVariance[c] =
          (1 - momentum) * expectedVariance[c] + momentum * variance[c] * 12 / 11
      }
    }
    for c in 0..<2 {
      #expect(abs(Double(norm.runningMean.value.scalars[c]) - expectedMean[c]) < 1e-5)
      #expect(abs(Double(norm.runningVariance.value.scalars[c]) - expectedVariance[c]) < 1e-5)
    }
  }

  @Test(
    "A context momentum of 1/(t+1) makes the running statistics the plain average of the passes",
    arguments: [false, true])
  func recalibration(fusedReLU: Bool) {
    let norm = BatchNorm(channels: 2)
    // Whatever the running statistics were, they are replaced.
    norm.runningMean.value = Tensor([7, -3])
    norm.runningVariance.value = Tensor([9, 0.5])
    let batches = (1...3).map { randomTensor([2, 2, 3, 2], seed: UInt64($0), in: -1...Float($0)) }
    var sums = (mean: [0.0, 0.0], variance: [0.0, 0.0])
    for (pass, batch) in batches.enumerated() {
      var context = ForwardContext(isTraining: true)
      context.batchNormMomentum = 1 / Float(pass + 1)
      _ = fusedReLU ? norm.normalizedReLU(batch, context: context) : norm(batch, context: context)
      let (mean, variance, n) = Self.statistics(batch)
      for c in 0..<2 {
        sums.mean[c] += mean[c] / 3
        sums.variance[c] += variance[c] * Double(n) / Double(n - 1) / 3
      }
    }
    for c in 0..<2 {
      #expect(abs(Double(norm.runningMean.value.scalars[c]) - sums.mean[c]) < 1e-5)
      #expect(abs(Double(norm.runningVariance.value.scalars[c]) - sums.variance[c]) < 1e-5)
    }
    // The layer's own momentum is unchanged for later training.
    #expect(norm.momentum == 0.1)
  }

  @Test("Inference uses the running statistics and leaves them alone")
  func inference() {
    let norm = BatchNorm(channels: 2, epsilon: 1e-3)
    norm.runningMean.value = Tensor([0.5, -1])
    norm.runningVariance.value = Tensor([4, 0.25])
    norm.scale.value = Tensor([1.5, 2])
    norm.shift.value = Tensor([0.1, -0.2])
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [2.5, 0, -1.5, -2])
    let y = norm(x, context: .inference)
    // (x − μ)/√(σ² + ε)·γ + β, channel by channel.
    let expected: [Double] = [
      (2.5 - 0.5) / 4.001.squareRoot() * 1.5 + 0.1, (0 + 1) / 0.251.squareRoot() * 2 - 0.2,
      (-1.5 - 0.5) / 4.001.squareRoot() * 1.5 + 0.1, (-2 + 1) / 0.251.squareRoot() * 2 - 0.2,
    ]
    for (output, target) in zip(y.scalars, expected) {
      #expect(abs(Double(output) - target) < 1e-5, "\(y.scalars) against \(expected)")
    }
    #expect(norm.runningMean.value.scalars == [0.5, -1])
    #expect(norm.runningVariance.value.scalars == [4, 0.25])
  }

  @Test("Running statistics are checkpoint parameters that optimizers skip")
  func parameters() {
    let norm = BatchNorm(channels: 4)
    #expect(norm.parameters.names == ["scale", "shift", "running_mean", "running_variance"])
    #expect(norm.parameters.trainable.map(\.name) == ["scale", "shift"])
    #expect(norm.runningMean.value.scalars == [0, 0, 0, 0])
    #expect(norm.runningVariance.value.scalars == [1, 1, 1, 1])
  }
}
