import Foundation
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Probabilistic selection layer")
struct ProbabilisticSelectionTests {
  /// One row, W = 4, one channel, source [1, 2, 4, 8]; candidates 0…1 with logits (0, ln 3), so
  /// P = (1/4, 3/4) at every pixel.
  func handCase(side: StereoSide, range: ClosedRange<Int> = 0...1) -> SelectionOutput {
    let logits = Tensor(
      shape: [1, 1, 4, 2],
      scalars: Array(repeating: [0, Float(Foundation.log(3.0))], count: 4).flatMap { $0 })
    let source = Tensor(shape: [1, 1, 4, 1], scalars: [1, 2, 4, 8])
    let layer = ProbabilisticSelection(
      minimumDisparity: range.lowerBound, maximumDisparity: range.upperBound, side: side)
    return layer(logits: logits, source: source)
  }

  @Test("Left view: L̂(x) = ¼·R(x) + ¾·R(x − 1), edge replicated")
  func leftHandComputed() {
    let output = handCase(side: .left)
    // x=0: ¼·1 + ¾·R(−1→0)=1 → 1; x=1: ¼·2 + ¾·1 = 1.25; x=2: ¼·4 + ¾·2 = 2.5; x=3: ¼·8 + ¾·4 = 5.
    expectClose(output.reconstruction, [1, 1.25, 2.5, 5])
    expectClose(output.disparity, [0.75, 0.75, 0.75, 0.75])
    // Only d = 0 stays inside at x = 0.
    expectClose(output.validity, [0.25, 1, 1, 1])
  }

  @Test("Right view: R̂(x) = ¼·L(x) + ¾·L(x + 1), edge replicated")
  func rightHandComputed() {
    let output = handCase(side: .right)
    // x=0: ¼·1 + ¾·2 = 1.75; x=1: ¼·2 + ¾·4 = 3.5; x=2: ¼·4 + ¾·8 = 7; x=3: ¼·8 + ¾·8 = 8.
    expectClose(output.reconstruction, [1.75, 3.5, 7, 8])
    expectClose(output.validity, [1, 1, 1, 0.25])
  }

  @Test("Negative candidates: −1…0 on the left view samples x + 1 and x")
  func negativeRange() {
    let output = handCase(side: .left, range: -1...0)
    // P(−1) = ¼ reads R(x + 1), P(0) = ¾ reads R(x). x=3: ¼·R(4→3)=8·¼ + ¾·8 = 8.
    expectClose(
      output.reconstruction, [0.25 * 2 + 0.75 * 1, 0.25 * 4 + 0.75 * 2, 0.25 * 8 + 0.75 * 4, 8])
    expectClose(output.disparity, [-0.25, -0.25, -0.25, -0.25])
    expectClose(output.validity, [1, 1, 1, 0.75])
  }

  @Test("Disparity is per sample, not summed over the batch")
  func perSampleDisparity() {
    // Sample 0 puts all mass on d = 2, sample 1 on d = 5.
    var scalars: [Float] = []
    for peak in [2, 5] {
      for _ in 0..<3 { scalars += (0..<8).map { $0 == peak ? 30 : 0 } }
    }
    let logits = Tensor(shape: [2, 1, 3, 8], scalars: scalars)
    let source = randomTensor([2, 1, 3, 3], seed: 1)
    let output = ProbabilisticSelection(minimumDisparity: 0, maximumDisparity: 7, side: .left)(
      logits: logits, source: source)
    let values = output.disparity.scalars
    for value in values[0..<3] { #expect(Swift.abs(value - 2) < 1e-4) }
    for value in values[3..<6] { #expect(Swift.abs(value - 5) < 1e-4) }
  }

  static let layouts: [(StereoSide, ClosedRange<Int>)] = [
    (.left, 0...6), (.right, 0...6), (.left, -3...4), (.right, -5...2), (.left, 2...9),
  ]

  @Test("The fused kernel equals the plain composition, forward and backward", arguments: 0..<5)
  func fusedMatchesComposition(layout: Int) {
    let (side, range) = Self.layouts[layout]
    let layer = ProbabilisticSelection(
      minimumDisparity: range.lowerBound, maximumDisparity: range.upperBound, side: side)
    let logits = randomTensor([2, 3, 9, range.count], seed: UInt64(layout), in: -3...3)
    let source = randomTensor([2, 3, 9, 3], seed: UInt64(layout + 10))
    let weightView = randomTensor([2, 3, 9, 3], seed: 77)
    let weightDisparity = randomTensor([2, 3, 9, 1], seed: 78)
    func run(_ fused: Bool) -> (SelectionOutput, Tensor, Tensor) {
      let (l, s) = (Parameter(logits), Parameter(source))
      let output =
        fused
        ? layer(logits: l.tracked, source: s.tracked)
        : layer.composed(logits: l.tracked, source: s.tracked)
      ((output.reconstruction * weightView).sum() + (output.disparity * weightDisparity).sum())
        .backward()
      return (output, l.gradient!, s.gradient!)
    }
    let (fused, fusedLogits, fusedSource) = run(true)
    let (plain, plainLogits, plainSource) = withBackend(Backends.reference) { run(false) }
    #expect(maximumAbsoluteDifference(fused.reconstruction, plain.reconstruction) < 1e-5)
    #expect(maximumAbsoluteDifference(fused.disparity, plain.disparity) < 1e-4)
    #expect(maximumAbsoluteDifference(fused.validity, plain.validity) < 1e-5)
    #expect(maximumAbsoluteDifference(fused.probabilities, plain.probabilities) < 1e-6)
    #expect(maximumAbsoluteDifference(fusedLogits, plainLogits) < 1e-4)
    #expect(maximumAbsoluteDifference(fusedSource, plainSource) < 1e-5)
  }

  @Test("Gradients match finite differences", arguments: [StereoSide.left, .right])
  func finiteDifferences(side: StereoSide) {
    let layer = ProbabilisticSelection(minimumDisparity: -2, maximumDisparity: 3, side: side)
    let inputs = [
      randomTensor([1, 2, 7, 6], seed: 5, in: -2...2), randomTensor([1, 2, 7, 2], seed: 6),
    ]
    let checks = checkGradients(at: inputs) { x in
      let output = layer(logits: x[0], source: x[1])
      return Tensor.concatenate([output.reconstruction, output.disparity], axis: 3)
    }
    for check in checks { #expect(check.worstError < 1e-2, "\(check)") }
  }

  @Test("Both views from one score tensor equal two separate layers, forward and backward")
  func pairMatchesSeparateLayers() {
    let (d, range) = (7, -2...4)
    let left = ProbabilisticSelection(
      minimumDisparity: range.lowerBound, maximumDisparity: range.upperBound, side: .left)
    let right = ProbabilisticSelection(
      minimumDisparity: range.lowerBound, maximumDisparity: range.upperBound, side: .right)
    let scores = randomTensor([2, 3, 9, 2 * d], seed: 21, in: -3...3)
    let leftImage = randomTensor([2, 3, 9, 3], seed: 22),
      rightImage = randomTensor([2, 3, 9, 3], seed: 23)
    let weights = (0..<4).map {
      randomTensor($0 % 2 == 0 ? [2, 3, 9, 3] : [2, 3, 9, 1], seed: 30 + UInt64($0))
    }
    func run(pair: Bool) -> [Tensor] {
      let parameters = [scores, leftImage, rightImage].map { Parameter($0) }
      let x = parameters.map(\.tracked)
      let outputs: (SelectionOutput, SelectionOutput)
      if pair {
        outputs = ProbabilisticSelection.renderPair(
          scores: x[0], left: left, right: right, leftImage: x[1], rightImage: x[2])
      } else {
        outputs = (
          left(logits: x[0].slice(axis: 3, 0..<d), source: x[2]),
          right(logits: x[0].slice(axis: 3, d..<(2 * d)), source: x[1])
        )
      }
      let all = [
        outputs.0.reconstruction, outputs.0.disparity, outputs.1.reconstruction,
        outputs.1.disparity,
      ]
      zip(all, weights).map { ($0 * $1).sum() }.reduce(Tensor(0), +).backward()
      return all + parameters.map { $0.gradient! }
    }
    for (index, (a, b)) in zip(run(pair: true), run(pair: false)).enumerated() {
      #expect(maximumAbsoluteDifference(a, b) < 1e-5, "output \(index)")
    }
  }
}
