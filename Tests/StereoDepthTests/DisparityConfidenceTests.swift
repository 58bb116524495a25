import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

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
