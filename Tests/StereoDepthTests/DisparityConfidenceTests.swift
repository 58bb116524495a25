import Foundation
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

@Suite("Confidence from disparity distributions")
struct DisparityConfidenceTests {
  /// Five pixels with D = 4.
  ///
  ///
  ///     weights          peak   1 − H/log 4
  ///     ½ ½ 0 0          ½      1 − log 2 / log 4 = ½
  ///     1 0 0 0          1      1
  ///     ¼ ¼ ¼ ¼          ¼      0
  ///     2 2 0 0          ½      ½        (normalised by the sum 4)
  ///     −1 2 0 0         NaN    NaN      (not a distribution)
  @Test("Peak probability and entropy confidence, by hand")
  func handComputed() {
    let distribution = Image(
      width: 5, height: 1, channels: 4,
      pixels: [0.5, 0.5, 0, 0, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25, 2, 2, 0, 0, -1, 2, 0, 0])
    let peak = DisparityConfidence.peakProbability(distribution)
    let entropy = DisparityConfidence.entropyConfidence(distribution)
    #expect(peak.channels == 1 && peak.width == 5)
    #expect(Array(peak.pixels[0..<4]) == [0.5, 1, 0.25, 0.5])
    #expect(peak.pixels[4].isNaN)
    let expected: [Float] = [0.5, 1, 0, 0.5]
    for (ours, theirs) in zip(entropy.pixels[0..<4], expected) {
      #expect(abs(ours - theirs) < 1e-6, "\(entropy.pixels)")
    }
    #expect(entropy.pixels[4].isNaN)
  }

  @Test("One candidate is fully confident; tensors are read per batch element")
  func edgeCases() {
    let single = Image(width: 2, height: 1, channels: 1, pixels: [0.3, 1])
    #expect(DisparityConfidence.entropyConfidence(single).pixels == [1, 1])
    #expect(DisparityConfidence.peakProbability(single).pixels == [1, 1])
    // [2, 1, 1, 2]: batch element 1 is one-hot on the second candidate.
    let tensor = Tensor(shape: [2, 1, 1, 2], scalars: [0.5, 0.5, 0, 1])
    #expect(DisparityConfidence.peakProbability(tensor, batchIndex: 1).pixels == [1])
    #expect(DisparityConfidence.entropyConfidence(tensor, batchIndex: 0).pixels == [0])
  }
}

@Suite("The fused softmax summary")
struct DisparityConfidenceSummaryTests {
  /// A plain Double reference: softmax, `d₀ + Σ k·P_k + base`, `max P`, `1 − H/ln D`.
  func reference(_ logits: [Float], count d: Int, minimum: Int, base: [Float]) -> (
    [Float], [Float], [Float]
  ) {
    var (disparity, peak, confidence) = ([Float](), [Float](), [Float]())
    for pixel in 0..<(logits.count / d) {
      let x = logits[(pixel * d)..<((pixel + 1) * d)].map(Double.init)
      let m = x.max()!
      let e = x.map { Foundation.exp($0 - m) }
      let s = e.reduce(0, +)
      let p = e.map { $0 / s }
      let expected = p.enumerated().reduce(0) { $0 + Double(minimum + $1.offset) * $1.element }
      disparity.append(Float(expected + Double(base[pixel])))
      peak.append(Float(p.max()!))
      let entropy = -p.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
      confidence.append(Float(d > 1 ? 1 - entropy / Foundation.log(Double(d)) : 1))
    }
    return (disparity, peak, confidence)
  }

  @Test(
    "Few candidates (eight pixels per vector, then a tail) and many, with and without a base",
    arguments: [1, 2, 5, 7, 8, 13, 25])
  func matchesReference(count: Int) {
    // 3·5·7 = 105 pixels: 13 blocks of eight and a tail of one.
    let logits = randomTensor([1, 5, 21, count], seed: UInt64(count), in: -6...6)
    let base = randomTensor([1, 5, 21, 1], seed: 9, in: -3...40)
    let (disparity, peak, confidence) = reference(
      logits.scalars, count: count, minimum: -2, base: base.scalars)
    let withBase = DisparityConfidence.summarize(logits: logits, minimumDisparity: -2, base: base)
    for (ours, theirs) in zip(withBase.disparity.scalars, disparity) {
      #expect(Swift.abs(ours - theirs) < 2e-5)
    }
    for (ours, theirs) in zip(withBase.peak.scalars, peak) {
      #expect(Swift.abs(ours - theirs) < 1e-5)
    }
    for (ours, theirs) in zip(withBase.confidence.scalars, confidence) {
      #expect(Swift.abs(ours - theirs) < 1e-5)
    }
    let alone = DisparityConfidence.expectedDisparity(
      logits: logits, minimumDisparity: -2, base: nil)
    for (ours, theirs) in zip(alone.scalars, zip(disparity, base.scalars).map { $0 - $1 }) {
      #expect(Swift.abs(ours - theirs) < 2e-5)
    }
  }

  @Test(
    "The C kernel for few candidates writes the Swift path's values bit for bit",
    arguments: [1, 2, 3, 5, 7, 8])
  func vectorKernelMatchesSwift(count: Int) throws {
    guard VectorKernels.available else { return }  // no AVX2 here
    // 5·21 = 105 pixels: 13 blocks of eight and a tail of one. Logits far apart (exponentials
    // that underflow to 0), a NaN pixel and equal maxima.
    var logits = randomTensor([1, 5, 21, count], seed: UInt64(30 + count), in: -100...20)
    var scalars = logits.scalars
    scalars[3 * count] = .nan
    for j in 0..<count { scalars[9 * count + j] = 2 }
    logits = Tensor(shape: logits.shape, scalars: scalars)
    let base = randomTensor([1, 5, 21, 1], seed: 31, in: -3...40)
    for (withBase, confidences) in [(true, true), (false, false), (true, false)] {
      let swift = DisparityConfidence.summaryKernel(
        logits: logits, minimumDisparity: -2, base: withBase ? base : nil,
        confidences: confidences, vectorized: false)
      let vector = DisparityConfidence.summaryKernel(
        logits: logits, minimumDisparity: -2, base: withBase ? base : nil,
        confidences: confidences, vectorized: true)
      for (name, a, b) in [
        ("disparity", swift.disparity, vector.disparity), ("peak", swift.peak, vector.peak),
        ("confidence", swift.confidence, vector.confidence),
      ] {
        #expect((a == nil) == (b == nil))
        guard let a, let b else { continue }
        let differing = zip(a.scalars, b.scalars).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(name): \(differing) values differ")
      }
      // The test can fail: the disparities take many values.
      #expect(count == 1 || Set(swift.disparity.scalars.filter(\.isFinite)).count > 20)
    }
  }

  @Test(
    "Without the entropy: the disparity and peak of the full summary, bit for bit",
    arguments: [3, 5, 12])
  func disparityAndPeakMatchSummary(count: Int) {
    // 7·9 = 63 pixels: blocks of eight and a tail (few candidates), or the per-pixel path (12).
    let logits = randomTensor([1, 7, 9, count], seed: UInt64(40 + count), in: -30...20)
    let base = randomTensor([1, 7, 9, 1], seed: 41, in: -3...40)
    for vectorized in [false, true] where vectorized == false || VectorKernels.available {
      let full = DisparityConfidence.summaryKernel(
        logits: logits, minimumDisparity: -2, base: base, confidences: true,
        vectorized: vectorized)
      let lean = DisparityConfidence.summaryKernel(
        logits: logits, minimumDisparity: -2, base: base, confidences: true, entropy: false,
        vectorized: vectorized)
      #expect(lean.confidence == nil && full.confidence != nil)
      #expect(lean.disparity.scalars.map(\.bitPattern) == full.disparity.scalars.map(\.bitPattern))
      #expect(lean.peak!.scalars.map(\.bitPattern) == full.peak!.scalars.map(\.bitPattern))
    }
    let direct = DisparityConfidence.disparityAndPeak(logits: logits, minimumDisparity: -2)
    let summary = DisparityConfidence.summarize(logits: logits, minimumDisparity: -2)
    #expect(direct.disparity.scalars == summary.disparity.scalars)
    #expect(direct.peak.scalars == summary.peak.scalars)
    // The test can fail: the peaks take many values.
    #expect(Set(summary.peak.scalars).count > 20)
  }

  @Test(
    "The local expectation's C kernel writes the Swift path's values bit for bit",
    arguments: [(1, 1), (2, 0), (3, 1), (5, 1), (5, 2), (7, 1), (8, 3)])
  func localKernelMatchesSwift(count: Int, radius: Int) {
    guard VectorKernels.available else { return }  // no AVX2 here
    // 105 pixels: 13 blocks of eight and a tail of one. Logits far apart, a NaN pixel, equal
    // maxima (the first wins) and ties at integer values.
    var logits = randomTensor([1, 5, 21, count], seed: UInt64(50 + count), in: -60...20)
    var scalars = logits.scalars.map { ($0 * 2).rounded() / 2 }
    scalars[3 * count] = .nan
    for j in 0..<count { scalars[9 * count + j] = 2 }
    logits = Tensor(shape: logits.shape, scalars: scalars)
    let base = randomTensor([1, 5, 21, 1], seed: 51, in: -3...40)
    for withBase in [true, false] {
      let swift = DisparityConfidence.localExpectedDisparity(
        logits: logits, minimumDisparity: -2, radius: radius, base: withBase ? base : nil,
        vectorized: false)
      let vector = DisparityConfidence.localExpectedDisparity(
        logits: logits, minimumDisparity: -2, radius: radius, base: withBase ? base : nil,
        vectorized: true)
      let differing = zip(swift.scalars, vector.scalars).filter {
        $0.bitPattern != $1.bitPattern
      }.count
      #expect(differing == 0, "\(differing) values differ")
      // The test can fail: the disparities take many values (with a base; without one and
      // with radius 0 they are the candidates).
      #expect(!withBase || Set(swift.scalars.filter(\.isFinite)).count > 20)
    }
  }
}
