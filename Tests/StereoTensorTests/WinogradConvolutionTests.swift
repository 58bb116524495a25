import StereoTensor
import Testing

/// ``Tensor/winogradConvolution3x3(_:filter:bias:relu:)`` against the plain definition of the
/// convolution (the narrow kernel's scalar oracle) and against oneDNN's inference convolution.
@Suite("Winograd 3×3 convolution (AVX2)", .enabled(if: Tensor.winogradConvolutionAvailable))
struct WinogradConvolutionTests {
  /// The narrow kernel's cases: every input channel read here.
  typealias Case = NarrowConvolutionTests.Case

  /// A case reading all of `input`'s channels.
  static func layer(_ input: [Int], outputs: Int, bias: Bool, relu: Bool) -> Case {
    Case(input: input, channels: 0..<input[3], outputs: outputs, bias: bias, relu: relu)
  }

  static let cases: [Case] = [
    // The matching network's wide layers (smaller images): 24, 32 and 48 outputs (each product
    // block shape), inputs that are and are not multiples of 8.
    layer([1, 6, 10, 24], outputs: 24, bias: true, relu: true),
    layer([1, 7, 9, 29], outputs: 24, bias: true, relu: true),
    layer([1, 4, 8, 32], outputs: 32, bias: true, relu: true),
    layer([1, 5, 6, 64], outputs: 48, bias: true, relu: true),
    layer([1, 3, 5, 48], outputs: 32, bias: true, relu: false),
    // Odd sizes (partial tiles at the bottom and right), batches, one pixel, no bias, 40 outputs
    // (two blocks of 16 and one of 8).
    layer([2, 3, 7, 17], outputs: 24, bias: false, relu: true),
    layer([1, 1, 1, 16], outputs: 32, bias: true, relu: false),
    layer([3, 2, 3, 20], outputs: 40, bias: true, relu: true),
    layer([1, 1, 2, 24], outputs: 8, bias: false, relu: false),
    // More tiles than one chunk (48), over several tile rows and images.
    layer([1, 2, 201, 16], outputs: 24, bias: true, relu: true),
    layer([2, 9, 30, 24], outputs: 24, bias: true, relu: true),
  ]

  @Test("Matches the scalar definition within float rounding", arguments: cases)
  func matchesDefinition(_ test: Case) {
    var generator = SeededGenerator(seed: 51)
    let input = Tensor.randomUniform(test.input, in: -1...1, using: &generator)
    let cin = test.input[3]
    let filter = Tensor.randomUniform([test.outputs, 3, 3, cin], in: -1...1, using: &generator)
    let bias = test.bias ? Tensor.randomUniform([test.outputs], using: &generator) : nil
    let expected = NarrowConvolutionTests.reference(
      input, channels: 0..<cin, filter: filter, bias: bias, relu: test.relu)
    let actual = Tensor.winogradConvolution3x3(
      input, filter: WinogradFilter(filter), bias: bias, relu: test.relu)
    #expect(actual.shape == Array(test.input.prefix(3)) + [test.outputs])
    // 9·C products of terms in ±1, summed in another order: a few ulp of sums up to 9·C; a wrong
    // tap, channel or bias moves outputs by about 1.
    let worst = zip(actual.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst < 1e-5 * Float(9 * cin), "largest difference \(worst)")
    #expect(expected.contains { $0 != 0 })
  }

  @Test("Matches oneDNN's inference convolution in Float")
  func matchesOneDNN() {
    var generator = SeededGenerator(seed: 52)
    let input = Tensor.randomUniform([1, 30, 41, 48], in: -1...1, using: &generator)
    let filter = Tensor.randomUniform([32, 3, 3, 48], in: -1...1, using: &generator)
    let bias = Tensor.randomUniform([32], using: &generator)
    let expected = withBackend(Backends.backend(precision: .float32)!) {
      Backends.current.convolution2DInference(
        input, filter: filter, bias: bias, geometry: ConvolutionGeometry(stride: 1, padding: 1),
        activation: .relu)
    }
    let actual = Tensor.winogradConvolution3x3(
      input, filter: WinogradFilter(filter), bias: bias, relu: true)
    #expect(actual.shape == expected.shape)
    let worst = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst < 1e-5 * 9 * 48, "largest difference \(worst)")
    #expect(expected.scalars.contains { $0 > 0 })
  }
}
