import StereoClassic
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The rule's weighted median by default only for a pair run at its own size: a pair the size
/// policy (or `--upscale`) enlarges gets none unless the median is asked for
/// (``InvalidPixelRule/medianOnEnlargedPairs``, session 59).
@Suite("The weighted median's default for enlarged pairs")
struct MedianOnEnlargedPairsTests {
  @Test("resolved(for:factor:) removes the default median above factor 1 only; a given one stays")
  func resolution() {
    let matching = WNetConfiguration(preset: .matching)
    #expect(InvalidPixelRule.defaultMedianOnEnlargedPairs == false)
    #expect(InvalidPixelRule.standard.medianOnEnlargedPairs == nil)
    #expect(InvalidPixelRule.standard.resolved(for: matching).median == .edges)
    #expect(InvalidPixelRule.standard.resolved(for: matching, factor: 1.5).median == nil)
    let given = InvalidPixelRule(median: .standard, medianOnEnlargedPairs: true)
    #expect(given.resolved(for: matching, factor: 1.5).median == .standard)
    #expect(given.resolved(for: matching, factor: 1.5).medianOnEnlargedPairs == true)
  }

  @Test("predict: enlarged, the default's map is the map without a median; at its size, with it")
  func predictByFactor() throws {
    // The bundled model on a ray-cast scene, whose depth edges give the median pixels to move.
    let estimator = DisparityEstimator(model: try PretrainedModel.load().model)
    let generator = SyntheticStereoGenerator(
      configuration: SyntheticStereoGenerator.Configuration(
        width: 128, height: 96, minimumDisparity: 0, maximumDisparity: 40))
    var random = SeededGenerator(seed: 5)
    let pair = generator.makePair(using: &random)
    func marked(_ rule: InvalidPixelRule, _ upscale: InferenceUpscale) throws -> [Float] {
      try estimator.predict(
        left: pair.left, right: pair.right, maximumDisparity: 40, invalidPixels: rule,
        upscale: upscale
      ).validDisparity.pixels
    }
    let enlarged = try #require(InferenceUpscale(factor: 1.5))
    let noMedian = InvalidPixelRule(median: nil)
    let kept = InvalidPixelRule(medianOnEnlargedPairs: true)
    let byDefault = try marked(.standard, enlarged)
    #expect(byDefault == (try marked(noMedian, enlarged)), "no median for the enlarged pair")
    #expect(byDefault != (try marked(kept, enlarged)), "the median, asked for, moves pixels")
    let ownSize = try marked(.standard, .none)
    #expect(ownSize == (try marked(kept, .none)), "at its own size the default keeps the median")
    #expect(ownSize != (try marked(noMedian, .none)), "and the median moves pixels there")
  }
}
