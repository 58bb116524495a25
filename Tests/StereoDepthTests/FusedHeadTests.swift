import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// A head (a narrow 3×3 convolution of at most eight scores) ending in its softmax summary in
/// one kernel, against the head's stored scores summarized by ``DisparityConfidence``.
@Suite("The head and its summary in one kernel")
struct FusedHeadTests {
  /// Every kernel this CPU runs (8 and 16 lanes in `Float`, bfloat16 and AMX where it has them),
  /// 1 to 8 scores, with and without a base, on a width that is no multiple of 8 or 16: the
  /// expected disparity and peak are bit for bit those of the stored scores.
  @Test("The fused summary gives the stored scores' summary, bit for bit")
  func fusedMatchesStored() {
    guard Tensor.narrowConvolutionAvailable else { return }  // no AVX2, or turned off
    let input = randomTensor([2, 5, 37, 8], seed: 11, in: -1...1)
    forEachHead(input, scoreCounts: [5, 1, 3, 8], seed: 20) { stored, head, mode, _ in
      let expected = DisparityConfidence.disparityAndPeak(
        logits: stored, minimumDisparity: -2, base: head.base)
      let fused = Tensor.narrowConvolution3x3Expectation(
        input, filter: head.filter, bias: head.bias, base: head.base, first: -2,
        expConstants: VectorKernels.expConstants, lanes: mode.lanes, bfloat16: mode.bfloat16,
        amx: mode.amx)
      #expect(fused.disparity.shape == [2, 5, 37, 1] && fused.peak.shape == [2, 5, 37, 1])
      #expect(differing(fused.disparity, expected.disparity) == 0, "\(head.filter.shape) \(mode)")
      #expect(differing(fused.peak, expected.peak) == 0, "\(head.filter.shape) \(mode)")
    }
  }

  /// The local expectation that hands a scale's estimate on, fused the same way: every kernel,
  /// radii 0-2, bit for bit the stored scores' local expectation.
  @Test("The fused local expectation gives the stored scores' one, bit for bit")
  func fusedLocalMatchesStored() {
    guard Tensor.narrowConvolutionAvailable else { return }
    let input = randomTensor([2, 4, 29, 8], seed: 13, in: -1...1)
    let radii = [1, 0, 2, 1]
    forEachHead(input, scoreCounts: [5, 5, 3, 8], seed: 50) { stored, head, mode, index in
      let expected = DisparityConfidence.localExpectedDisparity(
        logits: stored, minimumDisparity: -2, radius: radii[index], base: head.base)
      let fused = Tensor.narrowConvolution3x3LocalExpectation(
        input, filter: head.filter, bias: head.bias, base: head.base, first: -2,
        radius: radii[index], expConstants: VectorKernels.expConstants, lanes: mode.lanes,
        bfloat16: mode.bfloat16, amx: mode.amx)
      #expect(differing(fused, expected) == 0, "\(head.filter.shape) r\(radii[index]) \(mode)")
    }
  }

  /// For each head of `scoreCounts[i]` outputs on `input` (`[N, H, W, 8]`; random filter and
  /// bias from `seed`, a random base for every other head) and each kernel this CPU runs (8 and
  /// 16 lanes in `Float`, bfloat16 and AMX where it has them): `check(the head's stored scores,
  /// the head, the kernel, i)`.
  private func forEachHead(
    _ input: Tensor, scoreCounts: [Int], seed: UInt64,
    _ check: (
      Tensor, (filter: Tensor, bias: Tensor, base: Tensor?),
      (lanes: Int, bfloat16: Bool, amx: Bool),
      Int
    ) -> Void
  ) {
    var modes = Tensor.narrowConvolutionLaneChoices.map { (lanes: $0, bfloat16: false, amx: false) }
    if Tensor.narrowConvolutionBFloat16Supported { modes.append((16, true, false)) }
    if Tensor.narrowConvolutionAMXSupported { modes.append((16, true, true)) }
    let (n, h, w, c) = input.nhwc("forEachHead")
    for (index, scores) in scoreCounts.enumerated() {
      let filter = randomTensor([scores, 3, 3, c], seed: seed + UInt64(index), in: -2...2)
      let bias = randomTensor([scores], seed: seed + 10 + UInt64(index), in: -1...1)
      let base = index % 2 == 0 ? randomTensor([n, h, w, 1], seed: seed + 20, in: 0...50) : nil
      for mode in modes {
        let stored = Tensor.narrowConvolution3x3(
          input, channels: 0..<c, filter: filter, bias: bias, relu: false, lanes: mode.lanes,
          bfloat16: mode.bfloat16, amx: mode.amx)
        check(stored, (filter, bias, base), mode, index)
      }
    }
  }

  /// The bundled model's marked-map plan fuses both views' last heads, and both views' maps are
  /// those of the unfused scores, bit for bit.
  @Test("The matching plan's both-view maps end in the fused head")
  func planFusesItsHead() throws {
    guard Tensor.narrowConvolutionAvailable else { return }
    let model = try PretrainedModel.load().model
    let left = randomTensor([1, 64, 128, 3], seed: 12, in: 0...1)
    let right = left.padded(axis: 2, before: 7, after: 0, mode: .replicate).slice(axis: 2, 0..<128)
    let plan = InferencePlan(model.network, views: .both, rightDroppingScales: 1)
    #expect(plan.fusedHead != nil && plan.rightFusedHead != nil)
    // The heads whose scores only hand an estimate on are fused into that step: no steps left.
    let names = Set(plan.steps.map(\.name))
    #expect(
      names.isDisjoint(with: ["refine.0.head.left", "refine.0.head.right", "refine.1.head.left"]))
    #expect(names.contains("refine.1.left.disparity") && names.contains("refine.2.head.left"))
    withBackend(Backends.backend(precision: .float32)!) {
      let both = plan.bothViews(left: left, right: right)
      let scores = plan.scores(left: left, right: right)
      let unfused = DisparityConfidence.disparityAndPeak(
        logits: scores.logits!, minimumDisparity: plan.minimumDisparity, base: scores.base)
      // The right view's, up-sampled ×2 to the left view's size (it ends one scale earlier).
      let right = DisparityConfidence.expectedDisparity(
        logits: scores.rightLogits!, minimumDisparity: plan.rightMinimumDisparity,
        base: scores.rightBase
      ).upsampled2xScaled(by: 2)
      let spread = both.disparity.max().scalar - both.disparity.min().scalar
      #expect(spread > 1, "the model should give varied disparities, spread \(spread)")
      #expect(differing(both.disparity, unfused.disparity) == 0)
      #expect(differing(both.peak, unfused.peak) == 0)
      #expect(differing(both.rightDisparity, right) == 0)
    }
  }

  /// How many values of `a` and `b` (one shape) differ in any bit.
  private func differing(_ a: Tensor, _ b: Tensor) -> Int {
    zip(a.scalars, b.scalars).filter { $0.bitPattern != $1.bitPattern }.count
  }
}
