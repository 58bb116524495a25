import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// `--lr-right-hand-on propagated`: the right view's estimate for the left-right check ends one
/// scale early, as by default, and reaches the left view's scale through the network's own
/// propagated hand-on instead of the bilinear up-sampling.
@Suite("The right view's propagated hand-on for the check")
struct RightViewHandOnTests {
  /// The bundled model (two propagated hand-ons of three) and a ray-cast scene with depth edges
  /// up to 40 px, so that every hand-on sees neighbourhoods that disagree.
  static func bundledAndScene() throws -> (model: WNet, input: Tensor) {
    let model = try PretrainedModel.load().model
    return (model, syntheticInput(width: 128, height: 96, maximumDisparity: 40, seed: 5))
  }

  @Test("The right map is the hand-on the network builds with every hand-on propagated")
  func matchesTheNetworksOwnHandOn() throws {
    let (bundled, input) = try Self.bundledAndScene()
    #expect(bundled.configuration.propagation == 2)
    // The oracle: the same weights with the third hand-on propagated too (for both views); its
    // right view's full-resolution base is that hand-on of the same 1/2-scale estimate.
    var everyHandOn = bundled.configuration
    everyHandOn.propagation = 3
    let oracle = InferencePlan(bundled.reconfigured(everyHandOn).network, views: .both)
    let expected = try #require(oracle.scores(input).rightBase)

    let handOn = InferencePlan(
      bundled.network, views: .both, rightDroppingScales: 1, rightHandOnPropagated: true)
    #expect(handOn.rightOutputFactor == 1 && handOn.rightResult == nil)
    let maps = handOn.bothViews(input)
    #expect(maps.rightDisparity.shape == [1, 96, 128, 1])
    #expect(maps.rightDisparity.scalars == expected.scalars)

    // The left view's maps are the default plan's; the right one is not its up-sampling.
    let bilinear = InferencePlan(bundled.network, views: .both, rightDroppingScales: 1)
    let plain = bilinear.bothViews(input)
    #expect(maps.disparity.scalars == plain.disparity.scalars)
    #expect(maps.peak.scalars == plain.peak.scalars)
    let moved = zip(maps.rightDisparity.scalars, plain.rightDisparity.scalars).filter {
      Swift.abs($0 - $1) > 0.5
    }.count
    #expect(moved > 0, "the hand-on moved no pixel of the right view by half a pixel")
  }

  @Test("Without a scale dropped there is no hand-on to propagate: the default plan's bits")
  func ignoredAtTheSameScale() throws {
    let (bundled, input) = try Self.bundledAndScene()
    let a = InferencePlan(bundled.network, views: .both, rightHandOnPropagated: true)
    let b = InferencePlan(bundled.network, views: .both)
    let (x, y) = (a.bothViews(input), b.bothViews(input))
    #expect(x.rightDisparity.scalars == y.rightDisparity.scalars)
    #expect(x.disparity.scalars == y.disparity.scalars)
  }

  @Test("Two scales dropped: the hand-on to 1/2, then the bilinear up-sampling, ×2")
  func twoScalesDropped() throws {
    let (bundled, input) = try Self.bundledAndScene()
    var everyHandOn = bundled.configuration
    everyHandOn.propagation = 3
    // At 1/2 the bundled model's hand-on is propagated already: its right base there is it.
    let oracle = InferencePlan(
      bundled.network, views: .both, rightDroppingScales: 1)
    let half = try #require(oracle.scores(input).rightBase)
    let handOn = InferencePlan(
      bundled.network, views: .both, rightDroppingScales: 2, rightHandOnPropagated: true)
    #expect(handOn.rightOutputFactor == 2)
    let maps = handOn.bothViews(input)
    #expect(maps.rightDisparity.scalars == half.upsampled2xScaled(by: 2).scalars)
  }

  @Test("The rule's default is the propagated hand-on, and predict follows the rule")
  func ruleReachesThePlan() throws {
    #expect(InvalidPixelRule.standard.rightViewHandOn == nil)
    #expect(InvalidPixelRule.defaultRightViewHandOn == .propagated)
    let bundled = try PretrainedModel.load().model
    let generator = SyntheticStereoGenerator(
      configuration: SyntheticStereoGenerator.Configuration(
        width: 128, height: 96, minimumDisparity: 0, maximumDisparity: 40))
    var random = SeededGenerator(seed: 5)
    let pair = generator.makePair(using: &random)
    let estimator = DisparityEstimator(model: bundled)
    // The check's disagreement `e`, which the right view's map decides.
    func difference(_ handOn: InvalidPixelRule.RightViewHandOn?) throws -> [Float] {
      try #require(
        estimator.predict(
          left: pair.left, right: pair.right,
          invalidPixels: InvalidPixelRule(rightViewHandOn: handOn)
        ).leftRightDifference
      ).pixels
    }
    let (unset, bilinear, propagated) = try (
      difference(nil), difference(.bilinear), difference(.propagated)
    )
    func same(_ a: Float, _ b: Float) -> Bool { a == b || (a.isNaN && b.isNaN) }
    #expect(unset.elementsEqual(propagated, by: same))
    #expect(!bilinear.elementsEqual(propagated, by: same))
  }
}
