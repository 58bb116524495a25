import Testing
import _StereoTestSupport

@testable import StereoTensor

/// oneDNN's bfloat16 inference convolutions against the reference.
///
/// The reference (``DNNLBackend/Precision/bfloat16``'s oracle) gets the input and filter rounded
/// to bfloat16 here, so the only difference left is the order of the `Float` sums. Without the
/// rounding the two differ by about 2⁻⁹ relative, far outside the tolerance, so a `Float` path
/// would fail.
@Suite("bfloat16 inference convolutions", .tags(.oneDNN))
struct BFloat16ConvolutionTests {
  /// `value` rounded to bfloat16, to nearest with ties to even: the top 16 bits of its `Float`.
  static func bfloat16(_ value: Float) -> Float {
    let bits = value.bitPattern
    return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
  }

  static func bfloat16(_ tensor: Tensor) -> Tensor {
    Tensor(shape: tensor.shape, scalars: tensor.scalars.map(bfloat16))
  }

  @Test("Rounding to bfloat16 by hand: nearest, ties to even")
  func rounding() {
    // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: to even, 1. 1 + 3·2⁻⁸ is halfway between
    // 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶: to even, 1 + 2⁻⁶. Just above halfway goes up.
    #expect(Self.bfloat16(1 + 0x1p-8) == 1)
    #expect(Self.bfloat16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
    #expect(Self.bfloat16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
    #expect(Self.bfloat16(-0.75) == -0.75)
  }

  @Test(
    "Direct convolutions with a fused activation, as the matching network's",
    .enabled(if: DNNLBackend.bfloat16Supported),
    arguments: [
      ([1, 9, 11, 21], [16, 3, 3, 21], ConvolutionGeometry(padding: 1)),
      ([2, 7, 9, 3], [8, 3, 3, 3], ConvolutionGeometry(stride: 2, padding: 1)),
      ([1, 6, 10, 48], [32, 3, 3, 48], ConvolutionGeometry(padding: 1)),
    ])
  func convolution(
    input inputShape: [Int], filter filterShape: [Int], geometry: ConvolutionGeometry
  )
    throws
  {
    let backend = try DNNLBackend(inferencePrecision: .bfloat16)
    let input = randomTensor(inputShape, seed: 90)
    let filter = randomTensor(filterShape, seed: 91)
    let bias = randomTensor([filterShape[0]], seed: 92)
    let terms = filterShape[1] * filterShape[2] * filterShape[3]
    for activation in [nil, Activation.relu] {
      let fast = backend.convolution2DInference(
        input, filter: filter, bias: bias, geometry: geometry, activation: activation)
      let expected = Backends.reference.convolution2DInference(
        Self.bfloat16(input), filter: Self.bfloat16(filter), bias: bias, geometry: geometry,
        activation: activation)
      expectClose(
        fast, expected, .forSums(of: terms), "activation \(String(describing: activation))")
    }
    #expect(backend.errors.isEmpty, "oneDNN failures: \(backend.errors)")
    #expect(
      backend.primitiveDescriptions.contains { $0.contains("bf16") },
      "\(backend.primitiveDescriptions)")
  }

  @Test("Only oneDNN switches to bfloat16")
  func switching() throws {
    #expect(withBackend(Backends.reference) { Backends.backend(precision: .bfloat16) } == nil)
    let float = try DNNLBackend.shared()
    withBackend(float) {
      #expect((Backends.backend(precision: .float32) as? DNNLBackend) === float)
      #expect((Backends.backend(precision: .bfloat16) != nil) == DNNLBackend.bfloat16Supported)
    }
  }
}
