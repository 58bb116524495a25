import StereoTensor
import Testing
import _StereoTestSupport

/// Every primitive's backward pass against central finite differences, on both backends.
///
/// Tolerance: relative error ≤ 2e-2 (see
/// ``checkGradients(at:checking:step:maximumElements:seed:_:)``
/// for why Float32 differences resolve no better than a few 1e-3). Inputs avoid the kinks of
/// ReLU, |x|, max and max-pooling by at least twice the step.
@Suite("Gradients match finite differences")
struct GradientCheckTests {
  static let backends: [any Backend] = [Backends.reference, Backends.defaultBackend]
  static let tolerance: Float = 2e-2

  func expectGradients(
    _ backend: any Backend, _ inputs: [Tensor], checking: [Int]? = nil, step: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ function: @escaping ([Tensor]) -> Tensor
  ) {
    let checks = withBackend(backend) {
      checkGradients(at: inputs, checking: checking, step: step, function)
    }
    for (k, check) in checks.enumerated() {
      #expect(
        check.worstError <= Self.tolerance, "input \(k) on \(backend.name): \(check)",
        sourceLocation: sourceLocation)
    }
  }

  /// Values in ±[0.1, 1], away from 0 by more than the difference step.
  func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    let raw = randomTensor(shape, seed: seed)
    return Tensor(
      shape: shape, scalars: raw.scalars.map { ($0 < 0 ? -1 : 1) * (0.1 + 0.9 * Swift.abs($0)) })
  }

  /// Distinct values 0.05 apart in shuffled order, so every max is unique by a wide margin.
  func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = Tensor.elementCount(of: shape)
    let values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(
      using: &generator)
    return Tensor(shape: shape, scalars: values)
  }

  @Test("Convolution, all geometries", arguments: backends)
  func convolution(backend: any Backend) {
    let cases: [(input: [Int], filter: [Int], geometry: ConvolutionGeometry)] = [
      ([2, 5, 7, 3], [4, 3, 3, 3], ConvolutionGeometry(stride: 1, padding: 1)),
      ([1, 6, 5, 2], [3, 3, 3, 2], ConvolutionGeometry(stride: 2, padding: 1)),
      ([2, 4, 5, 6], [6, 3, 3, 1], ConvolutionGeometry(stride: 1, padding: 1, groups: 6)),
      ([1, 5, 4, 4], [6, 1, 1, 4], ConvolutionGeometry()),
      (
        [1, 6, 6, 4], [4, 2, 3, 2],
        ConvolutionGeometry(
          strideY: 1, strideX: 2, paddingTop: 0, paddingBottom: 1, paddingLeft: 2, paddingRight: 0,
          groups: 2)
      ),
    ]
    for (index, testCase) in cases.enumerated() {
      let seed = UInt64(index * 10)
      let inputs = [
        randomTensor(testCase.input, seed: seed), randomTensor(testCase.filter, seed: seed + 1),
        randomTensor([testCase.filter[0]], seed: seed + 2),
      ]
      expectGradients(backend, inputs) { x in
        x[0].convolved2D(with: x[1], bias: x[2], geometry: testCase.geometry)
      }
    }
  }

  @Test("Transposed convolution, strides 2 and 4", arguments: backends)
  func transposedConvolution(backend: any Backend) {
    for (stride, kernel) in [(2, 2), (4, 4), (2, 3)] {
      let inputs = [
        randomTensor([2, 3, 2, 3], seed: 1), randomTensor([4, kernel, kernel, 3], seed: 2),
        randomTensor([4], seed: 3),
      ]
      expectGradients(backend, inputs) { x in
        x[0].transposedConvolved2D(with: x[1], bias: x[2], stride: stride)
      }
    }
  }

  @Test("Batch norm, training and inference", arguments: backends)
  func batchNorm(backend: any Backend) {
    let inputs = [
      randomTensor([2, 3, 5, 4], seed: 4), randomTensor([4], seed: 5, in: 0.5...1.5),
      randomTensor([4], seed: 6),
    ]
    expectGradients(backend, inputs) { x in x[0].batchNormalized(scale: x[1], shift: x[2]).output }
    let mean = randomTensor([4], seed: 7), variance = randomTensor([4], seed: 8, in: 0.2...2)
    expectGradients(backend, inputs) { x in
      x[0].batchNormalized(scale: x[1], shift: x[2], mean: mean, variance: variance)
    }
  }

  @Test("ReLU and ELU", arguments: backends)
  func activations(backend: any Backend) {
    let input = awayFromZero([2, 3, 4, 5], seed: 9)
    expectGradients(backend, [input]) { x in x[0].relu() }
    expectGradients(backend, [input]) { x in x[0].elu() }
  }

  @Test("Max-pooling, even and odd sizes", arguments: backends)
  func maxPool(backend: any Backend) {
    expectGradients(backend, [distinct([2, 4, 6, 3], seed: 10)]) { x in x[0].maxPooled(size: 2) }
    expectGradients(backend, [distinct([1, 5, 7, 2], seed: 11)]) { x in x[0].maxPooled(size: 2) }
  }

  @Test("Bilinear resizing: x2, down and odd", arguments: backends)
  func resize(backend: any Backend) {
    let input = randomTensor([2, 3, 5, 3], seed: 12)
    expectGradients(backend, [input]) { x in x[0].upsampled2x() }
    expectGradients(backend, [input]) { x in x[0].resizedBilinear(height: 2, width: 3) }
    expectGradients(backend, [input]) { x in x[0].resizedBilinear(height: 7, width: 4) }
  }

  @Test("Softmax over channels", arguments: backends)
  func softmax(backend: any Backend) {
    expectGradients(backend, [randomTensor([2, 3, 4, 7], seed: 13, in: -3...3)]) { x in
      x[0].softmax()
    }
  }

  @Test("Concatenation, slicing and padding", arguments: backends)
  func layout(backend: any Backend) {
    let a = randomTensor([2, 3, 4, 2], seed: 14), b = randomTensor([2, 3, 4, 3], seed: 15)
    expectGradients(backend, [a, b]) { x in Tensor.concatenate([x[0], x[1]], axis: 3) }
    expectGradients(backend, [a, randomTensor([2, 3, 1, 2], seed: 16)]) { x in
      Tensor.concatenate([x[0], x[1]], axis: 2)
    }
    expectGradients(backend, [b]) { x in x[0].slice(axis: 3, 1..<3) }
    expectGradients(backend, [b]) { x in x[0].slice(axis: 1, 1..<2) }
    for mode in [PaddingMode.zero, .replicate] {
      expectGradients(backend, [a]) { x in x[0].padded(axis: 2, before: 2, after: 3, mode: mode) }
      expectGradients(backend, [a]) { x in x[0].padded(axis: 1, before: 1, after: 0, mode: mode) }
    }
  }

  @Test("Element-wise operations with broadcasting", arguments: backends)
  func elementwise(backend: any Backend) {
    let a = randomTensor([2, 3, 4, 3], seed: 17)
    let perChannel = randomTensor([3], seed: 18, in: 0.5...1.5)
    let map = randomTensor([2, 3, 4, 1], seed: 19, in: 0.5...1.5)
    expectGradients(backend, [a, perChannel]) { x in x[0] + x[1] }
    expectGradients(backend, [a, map]) { x in x[0] - x[1] }
    expectGradients(backend, [a, perChannel]) { x in x[0] * x[1] }
    expectGradients(backend, [a, map]) { x in x[0] / x[1] }
    expectGradients(backend, [map, a]) { x in x[0] * x[1] }
    let positive = randomTensor([2, 3, 4, 3], seed: 20, in: 0.5...2)
    expectGradients(backend, [positive]) { x in x[0].sqrt() }
    expectGradients(backend, [positive]) { x in x[0].log() }
    expectGradients(backend, [positive]) { x in x[0].reciprocal() }
    expectGradients(backend, [a]) { x in x[0].exp() }
    expectGradients(backend, [a]) { x in x[0].squared() }
    expectGradients(backend, [a]) { x in -x[0].affine(scale: 3, offset: 1) }
    expectGradients(backend, [awayFromZero([2, 3, 4, 3], seed: 21)]) { x in x[0].abs() }
    let c = distinct([2, 3, 4, 3], seed: 22), d = distinct([2, 3, 4, 3], seed: 23)
    expectGradients(backend, [c, d]) { x in Tensor.maximum(x[0], x[1]) }
    expectGradients(backend, [c, d]) { x in Tensor.minimum(x[0], x[1]) }
  }

  @Test("Sums and means over any axes, and reshaping", arguments: backends)
  func reductions(backend: any Backend) {
    let a = randomTensor([2, 3, 4, 5], seed: 24)
    for axes in [[0], [1, 2], [3], [0, 1, 2], [0, 3], [0, 1, 2, 3]] {
      expectGradients(backend, [a]) { x in x[0].sum(axes: axes) }
      expectGradients(backend, [a]) { x in x[0].mean(axes: axes, keepingDimensions: true) }
    }
    expectGradients(backend, [a]) { x in x[0].reshaped(to: [6, 20]).sum(axes: [1]) }
    expectGradients(backend, [randomTensor([3], seed: 25)]) { x in x[0].broadcast(to: [2, 4, 3]) }
  }

  @Test("Dropout with a fixed mask", arguments: backends)
  func dropout(backend: any Backend) {
    expectGradients(backend, [randomTensor([2, 3, 4, 5], seed: 26)]) { x in
      var generator = SeededGenerator(seed: 5)  // the same mask on every call
      return x[0].dropout(rate: 0.4, using: &generator)
    }
  }

  @Test("Composite: conv, batch norm, ReLU, pool, upsample, softmax", arguments: backends)
  func composite(backend: any Backend) {
    let inputs = [
      randomTensor([2, 4, 6, 3], seed: 30), randomTensor([5, 3, 3, 3], seed: 31),
      randomTensor([5], seed: 32, in: 0.5...1.5), randomTensor([5], seed: 33),
    ]
    // A smaller step: max-pooling of computed values can swap its argmax under a 1e-2 nudge.
    expectGradients(backend, inputs, step: 1e-3) { x in
      let y = x[0].convolved2D(with: x[1], geometry: ConvolutionGeometry(padding: 1))
      let z = y.batchNormalized(scale: x[2], shift: x[3]).output.elu()
      return Tensor.concatenate([z.maxPooled().upsampled2x(), z], axis: 3).softmax()
    }
  }
}
