import StereoTensor
import Testing

/// ``Tensor/narrowConvolution3x3(_:channels:filter:bias:relu:lanes:)`` against its plain
/// definition (a scalar loop here) and against oneDNN's inference convolution, with every kernel
/// this CPU runs (AVX2, and AVX-512 where it has it).
@Suite(
  "Narrow 3×3 convolution (AVX2 and AVX-512 kernels)",
  .enabled(if: Tensor.narrowConvolutionAvailable))
struct NarrowConvolutionTests {
  /// A convolution's output `[N, H, W, C_out]` from each output's sum `sum(tap, o)` (ReLU after it
  /// when `relu`): `tap(ky, kx, c)` is the input at the output pixel's tap (`c₀ + c`), 0 outside
  /// the image or past the `C` channels read.
  static func outputs(
    _ input: Tensor, channels: Range<Int>, outputs cout: Int, relu: Bool,
    transform: (Float) -> Float = { $0 },
    sum: (_ tap: (Int, Int, Int) -> Float, _ o: Int) -> Float
  ) -> [Float] {
    let (n, h, w, total) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let x = input.scalars.map(transform)
    var out = [Float](repeating: 0, count: n * h * w * cout)
    for image in 0..<n {
      for row in 0..<h {
        for column in 0..<w {
          func tap(_ ky: Int, _ kx: Int, _ c: Int) -> Float {
            let (sy, sx) = (row + ky - 1, column + kx - 1)
            guard (0..<h).contains(sy), (0..<w).contains(sx), c < channels.count else { return 0 }
            return x[((image * h + sy) * w + sx) * total + channels.lowerBound + c]
          }
          for o in 0..<cout {
            let value = sum(tap, o)
            out[((image * h + row) * w + column) * cout + o] = relu ? max(0, value) : value
          }
        }
      }
    }
    return out
  }

  /// The definition, one scalar at a time: zero padding of one pixel, channels `c₀ + c` read.
  static func reference(
    _ input: Tensor, channels: Range<Int>, filter: Tensor, bias: Tensor?, relu: Bool
  ) -> [Float] {
    let (cout, cin) = (filter.shape[0], channels.count)
    let (f, b) = (filter.scalars, bias?.scalars)
    return outputs(input, channels: channels, outputs: cout, relu: relu) { tap, o in
      var sum = b?[o] ?? 0
      for ky in 0..<3 {
        for kx in 0..<3 {
          for c in 0..<cin { sum += tap(ky, kx, c) * f[((o * 3 + ky) * 3 + kx) * cin + c] }
        }
      }
      return sum
    }
  }

  /// `x` rounded to bfloat16 (to nearest, ties to even), as a `Float`.
  static func bfloat16(_ x: Float) -> Float {
    let bits = x.bitPattern
    return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
  }

  /// The bfloat16 kernel's definition, one scalar at a time: inputs and weights rounded to
  /// bfloat16, then from the bias, in the order ky, channel pair k, kx, the odd channel's exact
  /// product added first and the even one's second, each sum rounded to `Float`; taps outside
  /// the image and a missing last channel are 0.
  static func referenceBFloat16(
    _ input: Tensor, channels: Range<Int>, filter: Tensor, bias: Tensor?, relu: Bool
  ) -> [Float] {
    let (cout, cin) = (filter.shape[0], channels.count)
    let (f, b) = (filter.scalars.map(bfloat16), bias?.scalars)
    func weight(_ o: Int, _ ky: Int, _ kx: Int, _ c: Int) -> Float {
      c < cin ? f[((o * 3 + ky) * 3 + kx) * cin + c] : 0
    }
    return outputs(input, channels: channels, outputs: cout, relu: relu, transform: bfloat16) {
      tap, o in
      var sum = b?[o] ?? 0
      for ky in 0..<3 {
        for k in 0..<((cin + 1) / 2) {
          for kx in 0..<3 {
            sum += tap(ky, kx, 2 * k + 1) * weight(o, ky, kx, 2 * k + 1)
            sum += tap(ky, kx, 2 * k) * weight(o, ky, kx, 2 * k)
          }
        }
      }
      return sum
    }
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var input: [Int]
    var channels: Range<Int>
    var outputs: Int
    var bias: Bool
    var relu: Bool
    var testDescription: String {
      "\(input), channels \(channels) → \(outputs)\(bias ? " + b" : "")\(relu ? ", ReLU" : "")"
    }
  }

  static let cases: [Case] = [
    // The matching network's layers (smaller images), then odd widths, batches, one row,
    // every output count and a channel slice of a wider input (the 6-channel stereo pair).
    Case(input: [1, 6, 21, 13], channels: 0..<13, outputs: 8, bias: true, relu: true),
    Case(input: [1, 5, 17, 8], channels: 0..<8, outputs: 5, bias: true, relu: false),
    Case(input: [2, 4, 9, 16], channels: 0..<16, outputs: 5, bias: true, relu: false),
    Case(input: [1, 3, 40, 24], channels: 0..<24, outputs: 5, bias: true, relu: false),
    // The slim full-resolution scale's unit and head (`slimFullScale`): 9→4, 4→5.
    Case(input: [1, 6, 21, 9], channels: 0..<9, outputs: 4, bias: true, relu: true),
    Case(input: [1, 5, 17, 4], channels: 0..<4, outputs: 5, bias: true, relu: false),
    Case(input: [2, 7, 33, 6], channels: 3..<6, outputs: 8, bias: true, relu: true),
    Case(input: [1, 1, 5, 3], channels: 0..<3, outputs: 1, bias: false, relu: false),
    Case(input: [1, 2, 3, 2], channels: 0..<2, outputs: 2, bias: false, relu: true),
    Case(input: [3, 3, 8, 4], channels: 1..<4, outputs: 3, bias: true, relu: true),
    Case(input: [1, 9, 16, 5], channels: 0..<5, outputs: 4, bias: true, relu: false),
    Case(input: [1, 4, 31, 7], channels: 0..<7, outputs: 6, bias: true, relu: true),
    Case(input: [1, 4, 25, 9], channels: 0..<9, outputs: 7, bias: false, relu: false),
    // Widths at and around the AVX-512 kernel's blocks of 32 pixels.
    Case(input: [1, 3, 48, 13], channels: 0..<13, outputs: 8, bias: true, relu: true),
    Case(input: [1, 3, 64, 8], channels: 0..<8, outputs: 5, bias: true, relu: false),
    Case(input: [2, 2, 65, 10], channels: 2..<10, outputs: 8, bias: false, relu: true),
    // More than eight outputs, computed in groups of eight: the 1/2 scale's 21→16 and others.
    Case(input: [1, 4, 37, 21], channels: 0..<21, outputs: 16, bias: true, relu: true),
    Case(input: [2, 3, 33, 12], channels: 1..<12, outputs: 9, bias: true, relu: false),
    Case(input: [1, 5, 16, 8], channels: 0..<8, outputs: 13, bias: false, relu: true),
  ]

  @Test(
    "Matches the scalar definition within 1e-5, every kernel the same bit for bit", arguments: cases
  )
  func matchesDefinition(_ test: Case) {
    var generator = SeededGenerator(seed: 41)
    let input = Tensor.randomUniform(test.input, using: &generator)
    let filter = Tensor.randomUniform(
      [test.outputs, 3, 3, test.channels.count], using: &generator)
    let bias = test.bias ? Tensor.randomUniform([test.outputs], using: &generator) : nil
    let expected = Self.reference(
      input, channels: test.channels, filter: filter, bias: bias, relu: test.relu)
    var first: [Float]?
    for lanes in Tensor.narrowConvolutionLaneChoices {
      let actual = Tensor.narrowConvolution3x3(
        input, channels: test.channels, filter: filter, bias: bias, relu: test.relu, lanes: lanes)
      #expect(actual.shape == Array(test.input.prefix(3)) + [test.outputs])
      let worst = zip(actual.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
      #expect(worst < 1e-5, "\(lanes) lanes: largest difference \(worst)")
      // Each output is the same sequence of FMAs whatever the vector width.
      if let first {
        let differing = zip(actual.scalars, first).filter { $0 != $1 }.count
        #expect(differing == 0, "\(lanes) lanes: \(differing) outputs differ from 8 lanes'")
      }
      first = first ?? actual.scalars
    }
    // The test can fail: a shifted filter tap gives a different result.
    #expect(expected.contains { $0 != 0 })
  }

  /// A random layer of `test` in bfloat16 (values in ±1, from `seed`): the kernel's output (on
  /// AMX tiles with `amx`), its bfloat16 definition and its float definition.
  static func bfloat16Layer(_ test: Case, seed: UInt64, amx: Bool) -> (
    actual: Tensor, bfloat16: [Float], float: [Float]
  ) {
    var generator = SeededGenerator(seed: seed)
    let input = Tensor.randomUniform(test.input, in: -1...1, using: &generator)
    let filter = Tensor.randomUniform(
      [test.outputs, 3, 3, test.channels.count], in: -1...1, using: &generator)
    let bias = test.bias ? Tensor.randomUniform([test.outputs], using: &generator) : nil
    let actual = Tensor.narrowConvolution3x3(
      input, channels: test.channels, filter: filter, bias: bias, relu: test.relu, lanes: 16,
      bfloat16: true, amx: amx)
    #expect(actual.shape == Array(test.input.prefix(3)) + [test.outputs])
    return (
      actual,
      referenceBFloat16(
        input, channels: test.channels, filter: filter, bias: bias, relu: test.relu),
      reference(input, channels: test.channels, filter: filter, bias: bias, relu: test.relu)
    )
  }

  @Test(
    "bfloat16: the kernel equals its definition bit for bit, and the float one within rounding",
    .enabled(if: Tensor.narrowConvolutionBFloat16Supported), arguments: cases)
  func bfloat16MatchesDefinition(_ test: Case) {
    let (actual, expected, float) = Self.bfloat16Layer(test, seed: 43, amx: false)
    let differing = zip(actual.scalars, expected).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(expected.count) outputs differ from the definition")
    // Against the float definition: each of the 9·C products moves by at most about 2⁻⁸ of
    // |x·w| ≤ 1.
    let worst = zip(actual.scalars, float).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst <= Float(9 * test.channels.count) / 256, "largest difference \(worst)")
    // The rounding is there: the float kernel differs somewhere.
    #expect(zip(actual.scalars, float).contains { $0 != $1 })
  }

  /// The AMX variant adds the same rounded products in another order (per tap, as the
  /// hardware sums a tile's pairs), so it is held to the `vdpbf16ps` kernel's definition within
  /// the float rounding of its sums: 9·C sums of terms up to 1 differ by a few ulp of their
  /// size, far below the bfloat16 rounding (about 2⁻⁸) that a wrong pair or tap would show.
  @Test(
    "AMX: the kernel equals the bfloat16 definition within float rounding",
    .enabled(if: Tensor.narrowConvolutionAMXSupported), arguments: cases)
  func amxMatchesDefinition(_ test: Case) {
    let (actual, expected, float) = Self.bfloat16Layer(test, seed: 44, amx: true)
    let worst = zip(actual.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst <= 1e-5 * Float(9 * test.channels.count), "largest difference \(worst)")
    // Against the float definition, the bfloat16 rounding shows.
    #expect(zip(actual.scalars, float).contains { abs($0 - $1) > 1e-3 })
  }

  /// Agrees with oneDNN within the rounding of a sum taken in another order.
  ///
  /// oneDNN sums each output's `9·C` products in an order of its own, which depends on the CPU
  /// (its AVX-512 and AVX2 kernels differ): the two differ by at most about `n·u·Σ|x·w|`
  /// (`u = 2⁻²⁴`), held here to `10⁻⁶·(Σ|x·w| + |b|)` per output (about 17 ulp of the sum's
  /// magnitude; an AVX2-only Zen 3 differed by 1.05e-5 where that magnitude is about 45, 2.3e-7
  /// of it). One weight moved by 0.01 gives 3·10⁻⁴ to 9·10⁻⁴; a wrong tap or channel moves an
  /// output by the order of one product, `10⁻¹`-1.
  @Test("Matches oneDNN's fused inference convolution on a 13→8, an 8→5 and a 21→16 layer")
  func matchesOneDNN() {
    var generator = SeededGenerator(seed: 7)
    for (cin, cout, relu) in [(13, 8, true), (8, 5, false), (21, 16, true)] {
      let input = Tensor.randomUniform([1, 12, 37, cin], using: &generator)
      let filter = Tensor.randomUniform([cout, 3, 3, cin], using: &generator)
      let bias = Tensor.randomUniform([cout], using: &generator)
      let actual = Tensor.narrowConvolution3x3(
        input, channels: 0..<cin, filter: filter, bias: bias, relu: relu,
        lanes: Tensor.narrowConvolutionLanes)
      let expected = Backends.current.convolution2DInference(
        input, filter: filter, bias: bias, geometry: ConvolutionGeometry(stride: 1, padding: 1),
        activation: relu ? .relu : nil)
      #expect(actual.shape == expected.shape)
      // Σ|x·w| + |b| per output: the same convolution of the absolute values.
      let magnitude = Backends.current.convolution2DInference(
        input.abs(), filter: filter.abs(), bias: bias.abs(),
        geometry: ConvolutionGeometry(stride: 1, padding: 1), activation: nil)
      let worst =
        zip(zip(actual.scalars, expected.scalars), magnitude.scalars)
        .map { abs($0.0 - $0.1) / $1 }.max() ?? .infinity
      #expect(worst < 1e-6, "\(cin)→\(cout): largest difference over Σ|x·w| + |b| \(worst)")
    }
  }
}
