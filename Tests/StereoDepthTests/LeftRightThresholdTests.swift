import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The check's `τ` by default: the model's own (1.25 px for `matching` since session 58, 1 px for
/// the others), filled in by `predict`; a given `τ` wins.
@Suite("The left-right threshold's default")
struct LeftRightThresholdTests {
  @Test("matching's default is 1.25 px, realtime's and original's 1 px; a given one wins")
  func perPreset() {
    let matching = WNetConfiguration(preset: .matching)
    #expect(matching.defaultLeftRightThreshold == 1.25)
    #expect(WNetConfiguration(preset: .realtime).defaultLeftRightThreshold == 1)
    #expect(WNetConfiguration(preset: .original).defaultLeftRightThreshold == 1)
    #expect(InvalidPixelRule.standard.leftRightThreshold == nil)
    #expect(InvalidPixelRule.standard.resolved(for: matching).maximumLeftRightDifference == 1.25)
    let given = InvalidPixelRule(maximumLeftRightDifference: 0.5)
    #expect(given.resolved(for: matching).maximumLeftRightDifference == 0.5)
  }

  @Test("predict checks with the model's τ: the pixels kept are those with e ≤ 1.25")
  func predictUsesTheModelsThreshold() throws {
    // The bundled model on a ray-cast scene, so that disagreements spread over every size.
    let estimator = DisparityEstimator(model: try PretrainedModel.load().model)
    let generator = SyntheticStereoGenerator(
      configuration: SyntheticStereoGenerator.Configuration(
        width: 128, height: 96, minimumDisparity: 0, maximumDisparity: 40))
    var random = SeededGenerator(seed: 5)
    let pair = generator.makePair(using: &random)
    let (left, right) = (pair.left, pair.right)
    // No filter after the check, so that the kept pixels are exactly those that pass it.
    let bare = InvalidPixelRule(speckles: .off, median: nil, holes: nil)
    let prediction = try estimator.predict(
      left: left, right: right, maximumDisparity: 40, invalidPixels: bare)
    #expect(prediction.invalidPixelRule?.maximumLeftRightDifference == 1.25)
    let difference = try #require(prediction.leftRightDifference).pixels
    let kept = prediction.validDisparity.pixels.map(\.isFinite)
    #expect(zip(kept, difference).allSatisfy { $0 == ($1 <= 1.25) })
    // Some pixels lie between the two thresholds, so the default is not the old one by chance.
    #expect(difference.contains { $0 > 1 && $0 <= 1.25 })
    let one = try estimator.predict(
      left: left, right: right, maximumDisparity: 40,
      invalidPixels: InvalidPixelRule(
        maximumLeftRightDifference: 1, speckles: .off, median: nil, holes: nil))
    #expect(one.validDisparity.pixels.filter(\.isFinite).count < kept.filter { $0 }.count)
  }
}
