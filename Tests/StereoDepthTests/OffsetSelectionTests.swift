import Foundation
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Offset selection layer (coarse-to-fine Deep3D selection)")
struct OffsetSelectionTests {
  /// One row, W = 4, one channel, source [1, 2, 4, 8]; two offsets with logits (0, ln 3), so
  /// P = (¼, ¾) at every pixel.
  func handCase(
    offsets: [Float], base: [Float], side: StereoSide
  ) -> SelectionOutput {
    let logits = Tensor(
      shape: [1, 1, 4, 2],
      scalars: Array(repeating: [0, Float(Foundation.log(3.0))], count: 4).flatMap { $0 })
    let source = Tensor(shape: [1, 1, 4, 1], scalars: [1, 2, 4, 8])
    let layer = OffsetSelection(offsets: offsets, side: side)
    return layer(
      logits: logits, baseDisparity: Tensor(shape: [1, 1, 4, 1], scalars: base), source: source)
  }

  @Test("Integer shifts: d0 = 1, offsets 0…1 on the left view: ¼·R(x − 1) + ¾·R(x − 2)")
  func integerHandComputed() {
    let output = handCase(offsets: [0, 1], base: [1, 1, 1, 1], side: .left)
    // x=0: R(−1→0), R(−2→0) → 1; x=1: ¼·R(0) + ¾·R(−1→0) = 1; x=2: ¼·2 + ¾·1 = 1.25;
    // x=3: ¼·4 + ¾·2 = 2.5.
    expectClose(output.reconstruction, [1, 1, 1.25, 2.5])
    expectClose(output.disparity, [1.75, 1.75, 1.75, 1.75])
    // x=0: both taps outside; x=1: only the tap at column 0 (offset 0) is inside.
    expectClose(output.validity, [0, 0.25, 1, 1])
  }

  @Test("Fractional base: d0 = 0.5, offsets 0…1 on the left view interpolate neighbours")
  func fractionalHandComputed() {
    let output = handCase(offsets: [0, 1], base: [0.5, 0.5, 0.5, 0.5], side: .left)
    // Taps at x − 0.5 and x − 1.5.
    // x=0: −0.5 and −1.5 clamp to column 0 → 1.
    // x=1: 0.5 → (1 + 2)/2 = 1.5; −0.5 → 1: ¼·1.5 + ¾·1 = 1.125.
    // x=2: 1.5 → 3; 0.5 → 1.5: 0.75 + 1.125 = 1.875.
    // x=3: 2.5 → 6; 1.5 → 3: 1.5 + 2.25 = 3.75.
    expectClose(output.reconstruction, [1, 1.125, 1.875, 3.75])
    expectClose(output.disparity, [1.25, 1.25, 1.25, 1.25])
    expectClose(output.validity, [0, 0.25, 1, 1])
  }

  @Test("Fractional offsets and a varying base on the right view: L(x + d0(x) ± 0.5)")
  func fractionalOffsetsHandComputed() {
    let output = handCase(offsets: [-0.5, 0.5], base: [0, 1, 0.25, 0], side: .right)
    // x=0: −0.5 → column 0 (outside) = 1; 0.5 → 1.5: ¼·1 + ¾·1.5 = 1.375.
    // x=1: 1.5 → 3; 2.5 → 6: 0.75 + 4.5 = 5.25.
    // x=2: 1.75 → 2 + ¾·2 = 3.5; 2.75 → 4 + ¾·4 = 7: 0.875 + 5.25 = 6.125.
    // x=3: 2.5 → 6; 3.5 → column 3 (outside) = 8: 1.5 + 6 = 7.5.
    expectClose(output.reconstruction, [1.375, 5.25, 6.125, 7.5])
    // d0 + (−½·¼ + ½·¾) = d0 + ¼.
    expectClose(output.disparity, [0.25, 1.25, 0.5, 0.25])
    expectClose(output.validity, [0.75, 1, 1, 0.25])
  }

  @Test("A NaN base disparity reads the edge and counts as outside, without trapping")
  func nanBase() {
    let output = handCase(offsets: [0, 1], base: [.nan, 1, 1, 1], side: .left)
    #expect(output.reconstruction.scalars[0] == 1)
    #expect(output.validity.scalars[0] == 0)
    #expect(Swift.abs(output.reconstruction.scalars[3] - 2.5) < 1e-6)
  }

  /// (side, offsets, base disparity range): integer and fractional offsets, negative bases,
  /// bases that push taps far outside the row.
  static let layouts: [(StereoSide, [Float], ClosedRange<Float>)] = [
    (.left, [-2, -1, 0, 1, 2], 0...4), (.right, [-2, -1, 0, 1, 2], 0...4),
    (.left, [-1, -0.5, 0, 0.5, 1], -2...6), (.right, [-0.75, -0.25, 0.25, 0.75], -3...3),
    (.left, [0, 1.5, 3], 6...14), (.right, [-4, 0, 4], -1...1),
  ]

  @Test("The fused kernels equal the composition, forward and backward", arguments: 0..<6)
  func fusedMatchesComposition(layout: Int) {
    let (side, offsets, range) = Self.layouts[layout]
    let layer = OffsetSelection(offsets: offsets, side: side)
    let shape = [2, 3, 9]
    let logits = randomTensor(shape + [offsets.count], seed: UInt64(layout), in: -3...3)
    let base = randomTensor(shape + [1], seed: UInt64(layout + 50), in: range)
    let source = randomTensor(shape + [3], seed: UInt64(layout + 10))
    let weightView = randomTensor(shape + [3], seed: 77)
    let weightDisparity = randomTensor(shape + [1], seed: 78)
    func run(_ fused: Bool) -> (SelectionOutput, Tensor, Tensor) {
      let (l, s) = (Parameter(logits), Parameter(source))
      let output =
        fused
        ? layer(logits: l.tracked, baseDisparity: base, source: s.tracked)
        : layer.composed(logits: l.tracked, baseDisparity: base, source: s.tracked)
      ((output.reconstruction * weightView).sum() + (output.disparity * weightDisparity).sum())
        .backward()
      return (output, l.gradient!, s.gradient!)
    }
    let (fused, fusedLogits, fusedSource) = run(true)
    let (plain, plainLogits, plainSource) = withBackend(Backends.reference) { run(false) }
    #expect(maximumAbsoluteDifference(fused.reconstruction, plain.reconstruction) < 1e-5)
    #expect(maximumAbsoluteDifference(fused.disparity, plain.disparity) < 1e-5)
    #expect(maximumAbsoluteDifference(fused.validity, plain.validity) < 1e-6)
    #expect(maximumAbsoluteDifference(fused.probabilities, plain.probabilities) < 1e-6)
    #expect(maximumAbsoluteDifference(fusedLogits, plainLogits) < 1e-5)
    #expect(maximumAbsoluteDifference(fusedSource, plainSource) < 1e-5)
  }

  @Test(
    "Gradients in the logits and the source match finite differences",
    arguments: [StereoSide.left, .right])
  func finiteDifferences(side: StereoSide) {
    let layer = OffsetSelection(radius: 3, step: 0.75, side: side)
    let base = randomTensor([1, 2, 8, 1], seed: 3, in: -1...5)
    let inputs = [
      randomTensor([1, 2, 8, 7], seed: 5, in: -2...2), randomTensor([1, 2, 8, 2], seed: 6),
    ]
    let checks = checkGradients(at: inputs, maximumElements: 112) { x in
      let output = layer(logits: x[0], baseDisparity: base, source: x[1])
      return Tensor.concatenate([output.reconstruction, output.disparity], axis: 3)
    }
    for (index, check) in checks.enumerated() {
      #expect(check.worstError < 1e-2, "input \(index): \(check)")
    }
  }

  @Test("No gradient reaches the base disparity, even when it is tracked")
  func baseIsConstant() {
    let layer = OffsetSelection(radius: 1, side: .left)
    let (logits, base) = (
      Parameter(randomTensor([1, 2, 5, 3], seed: 1)), Parameter(Tensor.ones([1, 2, 5, 1]))
    )
    let output = layer(
      logits: logits.tracked, baseDisparity: base.tracked,
      source: randomTensor([1, 2, 5, 3], seed: 2))
    (output.reconstruction.sum() + output.disparity.sum()).backward()
    #expect(logits.gradient != nil)
    #expect(base.gradient == nil)
  }

  @Test(
    "With d0 = 0 and integer offsets it is ProbabilisticSelection, forward and backward",
    arguments: [StereoSide.left, .right], [-3...4, 0...7])
  func generalisesProbabilisticSelection(side: StereoSide, range: ClosedRange<Int>) {
    let selection = ProbabilisticSelection(
      minimumDisparity: range.lowerBound, maximumDisparity: range.upperBound, side: side)
    let offsetSelection = OffsetSelection(offsets: range.map(Float.init), side: side)
    let logits = randomTensor([2, 3, 10, range.count], seed: 31, in: -3...3)
    let source = randomTensor([2, 3, 10, 3], seed: 32)
    let weightView = randomTensor([2, 3, 10, 3], seed: 33)
    let weightDisparity = randomTensor([2, 3, 10, 1], seed: 34)
    func run(_ offset: Bool) -> [Tensor] {
      let (l, s) = (Parameter(logits), Parameter(source))
      let output =
        offset
        ? offsetSelection(
          logits: l.tracked, baseDisparity: Tensor.zeros([2, 3, 10, 1]), source: s.tracked)
        : selection(logits: l.tracked, source: s.tracked)
      ((output.reconstruction * weightView).sum() + (output.disparity * weightDisparity).sum())
        .backward()
      return [
        output.reconstruction, output.disparity, output.validity, output.probabilities, l.gradient!,
        s.gradient!,
      ]
    }
    for (index, (a, b)) in zip(run(true), run(false)).enumerated() {
      #expect(maximumAbsoluteDifference(a, b) < 1e-5, "output \(index)")
    }
  }
}
