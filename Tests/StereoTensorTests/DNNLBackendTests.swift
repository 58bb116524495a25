import Testing
import _StereoTestSupport

@testable import StereoTensor

/// Every oneDNN primitive against ``ReferenceBackend``, forward and backward, on small shapes
/// including odd extents, 1×1 and depthwise filters, strides and asymmetric padding.
///
/// Tolerances are in ``Tolerance``; results are never expected bit-exact (they depend on the
/// implementation oneDNN picks and on the thread count).
@Suite("oneDNN backend matches the reference", .tags(.oneDNN))
struct DNNLBackendTests {
  let dnnl: DNNLBackend
  let reference = Backends.reference

  init() throws {
    dnnl = try DNNLBackend.shared()
  }

  /// No call fell back to the reference (which would make any comparison pass).
  func expectNoFallback(sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(dnnl.errors.isEmpty, "oneDNN failures: \(dnnl.errors)", sourceLocation: sourceLocation)
  }

  @Test("Creates a CPU engine (CDNNL smoke test)")
  func engine() throws {
    // A fresh backend: `dnnl_engine_create` on CPU engine 0 and nothing else.
    let backend = try DNNLBackend()
    #expect(backend.cachedPrimitiveCount == 0)
    #expect(backend.errors.isEmpty)
    #expect(DNNLBackend.version.hasPrefix("2."), "oneDNN \(DNNLBackend.version)")
  }

  struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var input: [Int]
    var filter: [Int]
    var geometry: ConvolutionGeometry
    var testDescription: String { "\(input) * \(filter), \(geometry)" }
  }

  static let convolutionCases: [ConvolutionCase] = {
    var cases = [
      ConvolutionCase(input: [2, 7, 9, 5], filter: [6, 3, 3, 5], geometry: .init(padding: 1)),
      ConvolutionCase(
        input: [1, 9, 8, 3], filter: [4, 3, 3, 3], geometry: .init(stride: 2, padding: 1)),
      ConvolutionCase(
        input: [2, 6, 7, 8], filter: [8, 3, 3, 1], geometry: .init(padding: 1, groups: 8)),
      ConvolutionCase(input: [2, 5, 6, 7], filter: [9, 1, 1, 7], geometry: .init()),
      ConvolutionCase(
        input: [1, 6, 6, 4], filter: [4, 2, 3, 2],
        geometry: .init(
          strideY: 1, strideX: 2, paddingTop: 0, paddingBottom: 1, paddingLeft: 2, paddingRight: 0,
          groups: 2)),
      // Depthwise with channel multiplier 2.
      ConvolutionCase(
        input: [1, 5, 7, 4], filter: [8, 3, 3, 1], geometry: .init(padding: 1, groups: 4)),
      ConvolutionCase(
        input: [1, 11, 13, 3], filter: [5, 5, 5, 3], geometry: .init(stride: 3, padding: 2)),
      // Channel counts that take oneDNN's blocked JIT kernels (multiples of 16).
      ConvolutionCase(input: [2, 8, 10, 16], filter: [32, 3, 3, 16], geometry: .init(padding: 1)),
      ConvolutionCase(input: [1, 9, 11, 64], filter: [64, 3, 3, 64], geometry: .init(padding: 1)),
      ConvolutionCase(
        input: [2, 9, 11, 64], filter: [64, 3, 3, 1], geometry: .init(padding: 1, groups: 64)),
      ConvolutionCase(input: [2, 9, 11, 64], filter: [48, 1, 1, 64], geometry: .init()),
      // Padding as wide as the kernel: the input gradient takes oneDNN's backward-data primitive
      // instead of a forward convolution with the flipped filter.
      ConvolutionCase(input: [1, 4, 5, 3], filter: [2, 1, 1, 3], geometry: .init(padding: 1)),
      // Winograd-eligible but for the padding (2 > 1): the direct plan.
      ConvolutionCase(input: [1, 7, 6, 16], filter: [16, 3, 3, 16], geometry: .init(padding: 2)),
    ]
    // Random geometries from a fixed seed.
    var generator = SeededGenerator(seed: 2024)
    for _ in 0..<6 {
      let groups = [1, 1, 2, 3][Int.random(in: 0..<4, using: &generator)]
      let perGroupIn = Int.random(in: 1...4, using: &generator)
      let perGroupOut = Int.random(in: 1...3, using: &generator)
      let kh = Int.random(in: 1...4, using: &generator),
        kw = Int.random(in: 1...4, using: &generator)
      let geometry = ConvolutionGeometry(
        strideY: Int.random(in: 1...3, using: &generator),
        strideX: Int.random(in: 1...3, using: &generator),
        paddingTop: Int.random(in: 0..<kh, using: &generator),
        paddingBottom: Int.random(in: 0..<kh, using: &generator),
        paddingLeft: Int.random(in: 0..<kw, using: &generator),
        paddingRight: Int.random(in: 0..<kw, using: &generator), groups: groups)
      cases.append(
        ConvolutionCase(
          input: [
            Int.random(in: 1...3, using: &generator),
            Int.random(in: kh...(kh + 8), using: &generator),
            Int.random(in: kw...(kw + 8), using: &generator), groups * perGroupIn,
          ],
          filter: [groups * perGroupOut, kh, kw, perGroupIn], geometry: geometry))
    }
    return cases
  }()

  @Test("Convolution forward, backward-data and backward-weights", arguments: convolutionCases)
  func convolution(_ testCase: ConvolutionCase) {
    let seed = UInt64(testCase.input.reduce(0, +) * 31 + testCase.filter.reduce(0, +))
    let input = randomTensor(testCase.input, seed: seed)
    let filter = randomTensor(testCase.filter, seed: seed + 1)
    let bias = randomTensor([testCase.filter[0]], seed: seed + 2)
    let geometry = testCase.geometry
    let outputShape = geometry.outputShape(input: input.shape, filter: filter.shape)
    let outputGradient = randomTensor(outputShape, seed: seed + 3)
    let terms = testCase.filter[1] * testCase.filter[2] * testCase.filter[3]

    for withBias in [true, false] {
      expectClose(
        dnnl.convolution2D(input, filter: filter, bias: withBias ? bias : nil, geometry: geometry),
        reference.convolution2D(
          input, filter: filter, bias: withBias ? bias : nil, geometry: geometry),
        .forSums(of: terms), "forward (bias \(withBias))")
    }
    // Each input element meets at most KH·KW·C_out/groups products.
    let dataTerms = testCase.filter[1] * testCase.filter[2] * testCase.filter[0] / geometry.groups
    expectClose(
      dnnl.convolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: input.shape, geometry: geometry),
      reference.convolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: input.shape, geometry: geometry),
      .forSums(of: dataTerms), "backward data")
    let weightTerms = outputShape[0] * outputShape[1] * outputShape[2]
    for includeBias in [true, false] {
      let fast = dnnl.convolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, geometry: geometry,
        includeBias: includeBias)
      let slow = reference.convolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, geometry: geometry,
        includeBias: includeBias)
      expectClose(fast.filter, slow.filter, .forSums(of: weightTerms), "backward weights")
      #expect((fast.bias == nil) == !includeBias)
      if let fastBias = fast.bias, let slowBias = slow.bias {
        expectClose(fastBias, slowBias, .forSums(of: weightTerms), "backward bias")
      }
    }
    expectNoFallback()
  }

  @Test(
    "Inference convolution with a fused activation, Winograd-eligible and not",
    arguments: [
      ConvolutionCase(input: [1, 9, 11, 32], filter: [16, 3, 3, 32], geometry: .init(padding: 1)),
      ConvolutionCase(
        input: [2, 7, 9, 5], filter: [6, 3, 3, 5], geometry: .init(stride: 2, padding: 1)),
      ConvolutionCase(
        input: [1, 6, 7, 8], filter: [8, 3, 3, 1], geometry: .init(padding: 1, groups: 8)),
    ])
  func inferenceConvolution(_ testCase: ConvolutionCase) {
    let input = randomTensor(testCase.input, seed: 60)
    let filter = randomTensor(testCase.filter, seed: 61)
    let bias = randomTensor([testCase.filter[0]], seed: 62)
    let terms = testCase.filter[1] * testCase.filter[2] * testCase.filter[3]
    for activation in [nil] + Activation.allCases.map(Optional.some) {
      expectClose(
        dnnl.convolution2DInference(
          input, filter: filter, bias: bias, geometry: testCase.geometry, activation: activation),
        reference.convolution2DInference(
          input, filter: filter, bias: bias, geometry: testCase.geometry, activation: activation),
        .forSums(of: terms), "activation \(activation.map(\.rawValue) ?? "none")")
    }
    expectNoFallback()
  }

  @Test(
    "Transposed convolution, stride = kernel 2, 4, 8, 16 and general kernels",
    arguments: [(2, 2), (4, 4), (8, 8), (16, 16), (2, 3), (3, 2), (1, 3), (2, 5)])
  func transposedConvolution(stride: Int, kernel: Int) throws {
    let seed = UInt64(stride * 100 + kernel)
    let inputChannels = stride >= 8 ? 4 : 5
    let input = randomTensor([2, 3, 4, inputChannels], seed: seed)
    let filter = randomTensor([3, kernel, kernel, inputChannels], seed: seed + 1)
    let bias = randomTensor([3], seed: seed + 2)
    let output = reference.transposedConvolution2D(
      input, filter: filter, bias: bias, stride: stride)
    #expect(output.shape == [2, 2 * stride + kernel, 3 * stride + kernel, 3])
    let outputGradient = randomTensor(output.shape, seed: seed + 3)
    let terms = kernel * kernel * inputChannels
    for withBias in [true, false] {
      expectClose(
        dnnl.transposedConvolution2D(
          input, filter: filter, bias: withBias ? bias : nil, stride: stride),
        reference.transposedConvolution2D(
          input, filter: filter, bias: withBias ? bias : nil, stride: stride),
        .forSums(of: terms), "forward (bias \(withBias))")
    }
    expectClose(
      dnnl.transposedConvolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: input.shape, stride: stride),
      reference.transposedConvolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: input.shape, stride: stride),
      .forSums(of: terms), "backward data")
    for includeBias in [true, false] {
      let fast = dnnl.transposedConvolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, stride: stride,
        includeBias: includeBias)
      let slow = reference.transposedConvolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, stride: stride,
        includeBias: includeBias)
      expectClose(fast.filter, slow.filter, .forSums(of: 24), "backward weights")
      if let fastBias = fast.bias, let slowBias = slow.bias {
        expectClose(fastBias, slowBias, .forSums(of: output.count / 3), "backward bias")
      }
      #expect((fast.bias == nil) == !includeBias)
    }
    if stride == kernel {
      // oneDNN's deconvolution primitives, which the blockwise 1×1 path replaces here.
      expectClose(
        try dnnl.dnnlTransposedConvolution(
          input, filter: filter, bias: bias, stride: stride, blockwise: false),
        reference.transposedConvolution2D(input, filter: filter, bias: bias, stride: stride),
        .forSums(of: terms), "oneDNN forward")
      let fast = try dnnl.dnnlTransposedConvolutionBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, stride: stride, includeBias: true,
        blockwise: false)
      let slow = reference.transposedConvolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filter.shape, stride: stride, includeBias: true)
      expectClose(fast.filter, slow.filter, .forSums(of: 24), "oneDNN backward weights")
      if let fastBias = fast.bias, let slowBias = slow.bias {
        expectClose(fastBias, slowBias, .forSums(of: output.count / 3), "oneDNN backward bias")
      }
    }
    expectNoFallback()
  }

  @Test(
    "Batch norm: training, inference and backward",
    arguments: [
      [2, 5, 7, 3], [3, 4, 4, 17], [1, 3, 5, 64], [2, 1, 1, 8],
    ])
  func batchNorm(shape: [Int]) {
    let c = shape[3]
    let seed = UInt64(shape.reduce(0, +))
    let input = randomTensor(shape, seed: seed, in: -2...3)
    let scale = randomTensor([c], seed: seed + 1, in: 0.5...1.5)
    let shift = randomTensor([c], seed: seed + 2)
    let epsilon: Float = 1e-5

    let fast = dnnl.batchNormTraining(input, scale: scale, shift: shift, epsilon: epsilon)
    let slow = reference.batchNormTraining(input, scale: scale, shift: shift, epsilon: epsilon)
    expectClose(fast.output, slow.output, .normalized, "training output")
    expectClose(fast.mean, slow.mean, .normalized, "batch mean")
    expectClose(fast.variance, slow.variance, .normalized, "batch variance (biased)")

    let mean = randomTensor([c], seed: seed + 3),
      variance = randomTensor([c], seed: seed + 4, in: 0.2...2)
    expectClose(
      dnnl.batchNormInference(
        input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon),
      reference.batchNormInference(
        input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon),
      .normalized, "inference")

    let outputGradient = randomTensor(shape, seed: seed + 5)
    let fastBackward = dnnl.batchNormBackward(
      outputGradient, input: input, scale: scale, shift: shift, mean: slow.mean,
      variance: slow.variance, epsilon: epsilon)
    let slowBackward = reference.batchNormBackward(
      outputGradient, input: input, scale: scale, shift: shift, mean: slow.mean,
      variance: slow.variance, epsilon: epsilon)
    let perChannel = input.count / c
    expectClose(fastBackward.input, slowBackward.input, .forSums(of: perChannel), "input gradient")
    expectClose(fastBackward.scale, slowBackward.scale, .forSums(of: perChannel), "scale gradient")
    expectClose(fastBackward.shift, slowBackward.shift, .forSums(of: perChannel), "shift gradient")
    expectNoFallback()
  }

  @Test(
    "ReLU and ELU, forward and backward from the output",
    arguments: [
      [2, 3, 5, 7], [1, 17, 19, 33], [1000],
    ])
  func activations(shape: [Int]) throws {
    let input = randomTensor(shape, seed: UInt64(shape.count), in: -3...3)
    let outputGradient = randomTensor(shape, seed: 7)
    for activation in Activation.allCases {
      let output = reference.activation(activation, input)
      expectClose(dnnl.activation(activation, input), output, .elementwise, "\(activation)")
      let expected = reference.activationBackward(activation, outputGradient, output: output)
      expectClose(
        dnnl.activationBackward(activation, outputGradient, output: output), expected,
        .elementwise, "\(activation) backward")
      // oneDNN's backward, kept as the benchmarks' alternative to the Swift kernel.
      expectClose(
        try dnnl.dnnlActivationBackward(activation, outputGradient, output: output), expected,
        .elementwise, "\(activation) oneDNN backward")
    }
    expectNoFallback()
  }

  @Test(
    "Max-pooling with a workspace, even, odd and size 3",
    arguments: [
      ([2, 7, 9, 5], 2), ([1, 8, 8, 16], 2), ([1, 10, 11, 4], 3), ([3, 4, 6, 1], 2),
    ])
  func maxPool(shape: [Int], size: Int) {
    let input = randomTensor(shape, seed: UInt64(shape.reduce(0, +)))
    let fast = withBackend(dnnl) { dnnl.maxPool2D(input, size: size) }
    let slow = reference.maxPool2D(input, size: size)
    expectClose(fast.output, slow.output, .elementwise, "forward")
    #expect(fast.workspace != nil, "training forward returns oneDNN's workspace")
    let outputGradient = randomTensor(slow.output.shape, seed: 3)
    let expected = reference.maxPool2DBackward(
      outputGradient, inputShape: input.shape, input: input, workspace: nil, size: size)
    expectClose(
      dnnl.maxPool2DBackward(
        outputGradient, inputShape: input.shape, input: input, workspace: fast.workspace, size: size
      ),
      expected, .elementwise, "backward with the workspace")
    expectClose(
      dnnl.maxPool2DBackward(
        outputGradient, inputShape: input.shape, input: input, workspace: nil, size: size),
      expected, .elementwise, "backward without a workspace")
    expectNoFallback()
  }

  @Test("Max-pooling routes a tied window's gradient to its first maximum")
  func maxPoolTies() {
    let input = Tensor(shape: [1, 4, 4, 2], repeating: 0.5)
    let outputGradient = randomTensor([1, 2, 2, 2], seed: 9)
    let workspace = dnnl.maxPool2D(input, size: 2).workspace
    expectClose(
      dnnl.maxPool2DBackward(
        outputGradient, inputShape: input.shape, input: input, workspace: workspace, size: 2),
      reference.maxPool2DBackward(
        outputGradient, inputShape: input.shape, input: input, workspace: nil, size: 2),
      .elementwise, "ties")
  }

  @Test("Inference-mode max-pooling skips the workspace")
  func maxPoolInference() {
    let input = randomTensor([1, 4, 6, 3], seed: 4)
    let result = withoutGradients { dnnl.maxPool2D(input, size: 2) }
    #expect(result.workspace == nil)
    expectClose(result.output, reference.maxPool2D(input, size: 2).output, .elementwise, "forward")
  }

  @Test(
    "Bilinear resizing with half-pixel centres, up, down and odd",
    arguments: [
      ([1, 1, 1, 3], 2, 2), ([2, 3, 5, 4], 6, 10), ([1, 7, 4, 16], 14, 8), ([1, 6, 9, 2], 12, 18),
      ([2, 9, 7, 3], 4, 3), ([1, 5, 3, 5], 7, 11), ([1, 8, 8, 1], 3, 5), ([1, 4, 4, 2], 4, 9),
    ])
  func resize(shape: [Int], height: Int, width: Int) throws {
    let input = randomTensor(shape, seed: UInt64(height * 100 + width))
    expectClose(
      dnnl.resizeBilinear(input, height: height, width: width),
      reference.resizeBilinear(input, height: height, width: width), .elementwise, "forward")
    let outputGradient = randomTensor([shape[0], height, width, shape[3]], seed: 5)
    let terms = (height + shape[1] - 1) / shape[1] * ((width + shape[2] - 1) / shape[2]) * 4
    expectClose(
      dnnl.resizeBilinearBackward(outputGradient, inputShape: shape),
      reference.resizeBilinearBackward(outputGradient, inputShape: shape), .forSums(of: terms),
      "backward")
    // oneDNN's backward, kept as the benchmarks' alternative to the Swift kernel.
    expectClose(
      try dnnl.dnnlResizeBilinearBackward(outputGradient, inputShape: shape),
      reference.resizeBilinearBackward(outputGradient, inputShape: shape), .forSums(of: terms),
      "oneDNN backward")
    expectNoFallback()
  }

  @Test(
    "oneDNN softmax, the benchmarks' alternative to the Swift kernel",
    arguments: [
      [2, 3, 4, 7], [1, 5, 6, 48], [3, 53],
    ])
  func softmax(shape: [Int]) throws {
    let input = randomTensor(shape, seed: 21, in: -8...8)
    let output = reference.softmax(input)
    expectClose(try dnnl.dnnlSoftmax(input), output, .normalized, "forward")
    let gradient = randomTensor(shape, seed: 22)
    expectClose(
      try dnnl.dnnlSoftmaxBackward(gradient, output: output),
      reference.softmaxBackward(gradient, output: output), .normalized, "backward")
  }

  @Test("Cached reordered filters never go stale when the filter changes in place")
  func weightCacheFollowsWrites() {
    let input = randomTensor([1, 6, 7, 16], seed: 40)
    var filter = randomTensor([16, 3, 3, 16], seed: 41)
    let geometry = ConvolutionGeometry(padding: 1)
    _ = dnnl.convolution2D(input, filter: filter, bias: nil, geometry: geometry)
    filter.withUnsafeMutableBufferPointer { $0[0] += 10 }
    expectClose(
      dnnl.convolution2D(input, filter: filter, bias: nil, geometry: geometry),
      reference.convolution2D(input, filter: filter, bias: nil, geometry: geometry),
      .forSums(of: 144), "after an in-place write")
  }

  @Test("Repeated calls reuse cached primitives and reordered filters")
  func cachesAreReused() throws {
    let backend = try DNNLBackend()  // a private instance: other tests do not touch its caches
    let input = randomTensor([1, 5, 5, 16], seed: 42)
    let filter = randomTensor([16, 3, 3, 16], seed: 43)
    let geometry = ConvolutionGeometry(stride: 1, padding: 2)
    let first = backend.convolution2D(input, filter: filter, bias: nil, geometry: geometry)
    let primitives = backend.cachedPrimitiveCount
    let weights = backend.weightCache.statistics.entries
    for _ in 0..<3 {
      let again = backend.convolution2D(input, filter: filter, bias: nil, geometry: geometry)
      #expect(again.scalars == first.scalars, "the same primitive gives the same result")
    }
    #expect(backend.cachedPrimitiveCount == primitives, "no primitive is created in steady state")
    #expect(backend.weightCache.statistics.entries == weights, "the filter is reordered once")
    // A new filter (the next training step) replaces the old one's entry once the old is gone.
    for step in 0..<3 {
      let updated = randomTensor(filter.shape, seed: 50 + UInt64(step))
      _ = backend.convolution2D(input, filter: updated, bias: nil, geometry: geometry)
    }
    #expect(backend.weightCache.statistics.entries <= weights + 1)
    #expect(backend.cachedPrimitiveCount == primitives)
  }

  @Test("A filter with several cached copies is dropped with them once it is gone")
  func filtersWithSeveralCopiesAreDropped() throws {
    let backend = try DNNLBackend()
    let geometry = ConvolutionGeometry(stride: 1, padding: 1)
    // Input gradients for two input sizes: two primitives, two flipped copies of one filter.
    let gradients = [
      randomTensor([1, 5, 5, 16], seed: 44), randomTensor([1, 7, 7, 16], seed: 45),
    ]
    func step(_ filter: Tensor) {
      for gradient in gradients {
        _ = backend.convolution2DBackwardInput(
          gradient, filter: filter, inputShape: gradient.shape, geometry: geometry)
      }
    }
    step(randomTensor([16, 3, 3, 16], seed: 43))
    let first = backend.weightCache.statistics
    #expect(first.entries == 2, "one copy per primitive")
    // Each step's new filter replaces the last one's; before, a source held once per copy was
    // never unique and every step's copies stayed.
    for index in 0..<5 { step(randomTensor([16, 3, 3, 16], seed: 50 + UInt64(index))) }
    let after = backend.weightCache.statistics
    #expect(after.entries <= 2 * first.entries, "entries: \(first.entries) → \(after.entries)")
    #expect(
      after.byteCount <= 2 * first.byteCount, "bytes: \(first.byteCount) → \(after.byteCount)")
  }
}
