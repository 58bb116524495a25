import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Fused batch norm + ReLU")
struct FusedBatchNormReLUTests {
  @Test(
    "Gradients match finite differences",
    arguments: [Backends.reference, Backends.defaultBackend] as [any Backend])
  func finiteDifferences(backend: any Backend) {
    let inputs = [
      randomTensor([2, 3, 5, 4], seed: 40), randomTensor([4], seed: 41, in: 0.5...1.5),
      randomTensor([4], seed: 42, in: -0.3...0.3),
    ]
    // A small step: normalised values can lie close to the ReLU's kink.
    let checks = withBackend(backend) {
      checkGradients(at: inputs, step: 1e-3) { x in
        x[0].batchNormalizedReLU(scale: x[1], shift: x[2]).output
      }
    }
    for check in checks { #expect(check.worstError < 2e-2, "\(backend.name): \(check)") }
  }

  @Test(
    "oneDNN equals the reference, forward and backward, on odd shapes",
    arguments: [[2, 5, 7, 3], [1, 9, 4, 16], [3, 2, 3, 33]])
  func dnnlMatchesReference(shape: [Int]) throws {
    let c = shape[3]
    let x = randomTensor(shape, seed: 50), scale = randomTensor([c], seed: 51, in: 0.5...1.5)
    let shift = randomTensor([c], seed: 52), g = randomTensor(shape, seed: 53)
    func run(_ backend: any Backend) -> [Tensor] {
      withBackend(backend) {
        let (y, mean, variance, workspace) = backend.batchNormReLUTraining(
          x, scale: scale, shift: shift, epsilon: 1e-5)
        let (dx, dScale, dShift) = backend.batchNormReLUBackward(
          g, input: x, scale: scale, shift: shift, mean: mean, variance: variance,
          workspace: workspace, epsilon: 1e-5)
        let inference = backend.batchNormReLUInference(
          x, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: 1e-5)
        return [y, mean, variance, dx, dScale, dShift, inference]
      }
    }
    let fast = run(Backends.defaultBackend), reference = run(Backends.reference)
    for (index, (a, b)) in zip(fast, reference).enumerated() {
      #expect(
        toleranceRatio(a, b, absolute: 1e-5, relative: 1e-4) <= 1,
        "output \(index) differs: max |Δ| \(maximumAbsoluteDifference(a, b))")
    }
    // The fused forward equals batch norm then ReLU.
    let unfused = Backends.reference.activation(
      .relu,
      Backends.reference.batchNormTraining(x, scale: scale, shift: shift, epsilon: 1e-5).output)
    #expect(maximumAbsoluteDifference(fast[0], unfused) < 1e-5)
  }

  @Test(
    "conv(ReLU(BN(z))) with recomputation equals the composition, forward and backward",
    arguments: [Backends.reference, Backends.defaultBackend] as [any Backend])
  func normalizedConvolutionMatchesComposition(backend: any Backend) {
    let z = randomTensor([2, 5, 6, 4], seed: 60), scale = randomTensor([4], seed: 61, in: 0.5...1.5)
    let shift = randomTensor([4], seed: 62, in: -0.3...0.3),
      filter = randomTensor([3, 3, 3, 4], seed: 63)
    let bias = randomTensor([3], seed: 64), weights = randomTensor([2, 5, 6, 3], seed: 65)
    let geometry = ConvolutionGeometry(padding: 1)
    func run(fused: Bool) -> [Tensor] {
      withBackend(backend) {
        let parameters = [z, scale, shift, filter, bias].map { Parameter($0) }
        let x = parameters.map(\.tracked)
        let output =
          fused
          ? x[0].normalizedReLUConvolved(
            scale: x[1], shift: x[2], filter: x[3], bias: x[4], geometry: geometry
          ).output
          : x[0].batchNormalizedReLU(scale: x[1], shift: x[2]).output.convolved2D(
            with: x[3], bias: x[4], geometry: geometry)
        (output * weights).sum().backward()
        return [output] + parameters.map { $0.gradient! }
      }
    }
    let fused = run(fused: true), composed = run(fused: false)
    for (index, (a, b)) in zip(fused, composed).enumerated() {
      #expect(
        toleranceRatio(a, b, absolute: 1e-5, relative: 1e-4) <= 1,
        "\(backend.name) output \(index): max |Δ| \(maximumAbsoluteDifference(a, b))")
    }
    let checks = withBackend(backend) {
      checkGradients(at: [z, scale, shift, filter, bias], step: 1e-3) { x in
        x[0].normalizedReLUConvolved(
          scale: x[1], shift: x[2], filter: x[3], bias: x[4], geometry: geometry
        ).output
      }
    }
    for check in checks { #expect(check.worstError < 2e-2, "\(backend.name): \(check)") }
  }

  @Test(
    "A fused depthwise-separable block equals its composition, forward and backward",
    arguments: [false, true])
  func separableBlockMatchesComposition(pending: Bool) {
    let x = randomTensor([2, 5, 6, 4], seed: 70),
      pendingScale = randomTensor([4], seed: 71, in: 0.5...1.5)
    let pendingShift = randomTensor([4], seed: 72, in: -0.3...0.3),
      depthwise = randomTensor([4, 3, 3, 1], seed: 73)
    let scale = randomTensor([4], seed: 74, in: 0.5...1.5),
      shift = randomTensor([4], seed: 75, in: -0.3...0.3)
    let pointwise = randomTensor([5, 1, 1, 4], seed: 76), bias = randomTensor([5], seed: 77)
    let weights = randomTensor([2, 5, 6, 5], seed: 78)
    let depthwiseGeometry = ConvolutionGeometry(padding: 1, groups: 4)
    let values = [x, pendingScale, pendingShift, depthwise, scale, shift, pointwise, bias]
    func block(_ v: [Tensor], fused: Bool) -> Tensor {
      if fused {
        return v[0].depthwiseSeparableConvolved(
          pending: pending ? PendingNormalization(scale: v[1], shift: v[2]) : nil,
          depthwiseFilter: v[3],
          depthwiseGeometry: depthwiseGeometry, scale: v[4], shift: v[5], pointwiseFilter: v[6],
          pointwiseBias: v[7]
        ).output
      }
      let a1 = pending ? v[0].batchNormalizedReLU(scale: v[1], shift: v[2]).output : v[0]
      let a2 = a1.convolved2D(with: v[3], geometry: depthwiseGeometry).batchNormalizedReLU(
        scale: v[4], shift: v[5]
      ).output
      return a2.convolved2D(with: v[6], bias: v[7])
    }
    for backend in [Backends.reference, Backends.defaultBackend] as [any Backend] {
      func run(fused: Bool) -> [Tensor] {
        withBackend(backend) {
          let parameters = values.map { Parameter($0) }
          let output = block(parameters.map(\.tracked), fused: fused)
          (output * weights).sum().backward()
          return [output] + parameters.map { $0.gradient ?? Tensor.zeros($0.shape) }
        }
      }
      for (index, (a, b)) in zip(run(fused: true), run(fused: false)).enumerated() {
        #expect(
          toleranceRatio(a, b, absolute: 1e-5, relative: 1e-4) <= 1,
          "\(backend.name) output \(index): max |Δ| \(maximumAbsoluteDifference(a, b))")
      }
    }
    let checks = checkGradients(
      at: values, checking: pending ? nil : [0, 3, 4, 5, 6, 7], step: 1e-3
    ) { v in block(v, fused: true) }
    for check in checks { #expect(check.worstError < 2e-2, "\(check)") }
  }
}
