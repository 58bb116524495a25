import StereoTensor
import Testing
import _StereoTestSupport

/// End to end: parameters, the autodiff graph and the default backend train a small network.
@Suite("A tiny convolutional network learns")
struct TrainingTests {
  /// A 2-layer network (3×3 conv to 8 channels, ReLU, 1×1 conv back to 1) learns to reproduce a
  /// fixed 3×3 blur of random images by plain gradient descent on the mean squared error.
  @Test("to reproduce a 3x3 blur; the loss falls more than tenfold")
  func learnsBlur() {
    var generator = SeededGenerator(seed: 7)
    let images = Tensor.randomUniform([4, 12, 12, 1], in: 0...1, using: &generator)
    let blur = Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 })
    let same = ConvolutionGeometry(padding: 1)
    let target = images.convolved2D(with: blur, geometry: same)

    let filter1 = Parameter(Tensor.randomUniform([8, 3, 3, 1], in: -0.5...0.5, using: &generator))
    let bias1 = Parameter(Tensor.zeros([8]))
    let filter2 = Parameter(Tensor.randomUniform([1, 1, 1, 8], in: -0.5...0.5, using: &generator))
    let bias2 = Parameter(Tensor.zeros([1]))
    let parameters = [filter1, bias1, filter2, bias2]

    func loss() -> Tensor {
      let hidden = images.convolved2D(with: filter1.tracked, bias: bias1.tracked, geometry: same)
        .relu()
      let output = hidden.convolved2D(with: filter2.tracked, bias: bias2.tracked)
      return (output - target).squared().mean()
    }

    let learningRate: Float = 0.5
    let initial = withoutGradients { loss() }.scalar
    for _ in 0..<300 {
      for parameter in parameters { parameter.zeroGradient() }
      loss().backward()
      for parameter in parameters {
        guard let gradient = parameter.gradient else { continue }
        parameter.value = parameter.value - gradient * learningRate
      }
    }
    let final = withoutGradients { loss() }.scalar
    #expect(
      final < initial / 10, "loss went from \(initial) to \(final) on \(Backends.current.name)")
  }
}
