import Foundation
import StereoData
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// A stated maximum disparity bounds the `matching` model's coarse search
/// (``WNetConfiguration/searchMaximum``, `--bounded-search`).
@Suite("The coarse search bounded by a stated maximum")
struct SearchBoundTests {
  /// `⌈M/f⌉ − ⌊min/f⌋ + 1` candidates, at least two and at most all, by hand.
  @Test("The candidates kept")
  func keptCount() {
    func kept(_ maximum: Int?, minimum: Int = 0, quarter: Bool = false) -> Int {
      var configuration = WNetConfiguration(
        preset: .matching, minimumDisparity: minimum, quarterCoarse: quarter)
      configuration.searchMaximum = maximum
      return MatchingWNet.boundedCoarseCount(configuration)
    }
    #expect(kept(nil) == 32)  // 0…255: D8 = 32
    #expect(kept(80) == 11)  // candidates 0, 8, …, 80
    #expect(kept(81) == 12)  // 88 ≥ 81 is needed too
    #expect(kept(1) == 2)  // 0 and 8
    #expect(kept(0) == 2)  // never fewer than two
    #expect(kept(300) == 32)  // never more than all
    #expect(kept(80, minimum: 16) == 9)  // 16, 24, …, 80
    #expect(kept(80, quarter: true) == 21)  // 1/4 candidates 0, 4, …, 80
  }

  @Test("An inference setting: not stored, no parameters, matching only")
  func setting() throws {
    var configuration = WNetConfiguration.trainingDefault(for: .matching)
    configuration.searchMaximum = 64
    let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    #expect(!json.contains("searchMaximum"))
    let decoded = try JSONDecoder().decode(WNetConfiguration.self, from: Data(json.utf8))
    #expect(decoded.searchMaximum == nil)
    #expect(configuration.hasSameParameters(as: .trainingDefault(for: .matching)))
    #expect(configuration.problems.isEmpty)
    var realtime = WNetConfiguration(preset: .realtime)
    realtime.searchMaximum = 40
    #expect(realtime.problems.first?.contains("searchMaximum") == true)
  }

  /// The 1/4 scale starts from `2·bilinear×2` of the local expectation over the first `K`
  /// coarse scores only (computed here from the scores the network returns), and the bound
  /// binds on a scene whose disparities reach past it.
  @Test("The hand-on to 1/4 reads only the kept candidates")
  func handOn() throws {
    let bundled = try PretrainedModel.load().model
    var configuration = bundled.configuration
    configuration.propagation = 0
    let open = bundled.reconfigured(configuration)
    configuration.searchMaximum = 24
    let bounded = bundled.reconfigured(configuration)
    let kept = MatchingWNet.boundedCoarseCount(configuration)
    #expect(kept == 4)
    let input = syntheticInput(width: 128, height: 96, maximumDisparity: 48, seed: 5)
    func scales(_ model: WNet) throws -> (coarse: Tensor, base: [Float]) {
      let (scales, builder) = try leftScales(model, input: input)
      return (
        builder.tensor(scales[0].left), builder.tensor(try #require(scales[1].leftBase)).scalars
      )
    }
    let (coarse, base) = try scales(bounded)
    let (openCoarse, openBase) = try scales(open)
    #expect(coarse.scalars == openCoarse.scalars, "the scores themselves are not bounded")
    let expected = DisparityConfidence.localExpectedDisparity(
      logits: coarse.slice(axis: 3, 0..<kept), minimumDisparity: 0,
      radius: MatchingWNet.localEstimateRadius, base: nil
    ).upsampled2xScaled(by: 2).scalars
    #expect(base.count == expected.count)
    #expect(zip(base, expected).allSatisfy { abs($0 - $1) <= 1e-4 })
    // Coarse estimates lie within the kept candidates' span: ≤ 8·(K − 1) = 24 at 1/8, 48 at
    // 1/4 (×2); the open search hands on more somewhere on this scene.
    #expect(base.allSatisfy { $0 <= 48 + 1e-3 })
    #expect(zip(base, openBase).contains { abs($0 - $1) > 1 })
  }

  /// The estimator bounds the search in working pixels (the stated maximum times the working
  /// width over the input's), by default and only where a candidate is left out; not when
  /// turned off.
  @Test("The estimator's bound")
  func estimatorBound() throws {
    let estimator = DisparityEstimator(model: try PretrainedModel.load().model)
    #expect(estimator.boundsSearch, "on by default")
    estimator.boundsSearch = false
    #expect(estimator.searchBound(maximumDisparity: 40, inputWidth: 128, workingWidth: 128) == nil)
    estimator.boundsSearch = true
    #expect(estimator.searchBound(maximumDisparity: 40, inputWidth: 128, workingWidth: 128) == 40)
    #expect(estimator.searchBound(maximumDisparity: 40, inputWidth: 128, workingWidth: 192) == 60)
    #expect(
      estimator.searchBound(maximumDisparity: 40.2, inputWidth: 128, workingWidth: 128) == 41)
    #expect(estimator.searchBound(maximumDisparity: nil, inputWidth: 128, workingWidth: 128) == nil)
    // 250 keeps every candidate of 0…255 (⌈250/8⌉ = 32 → all 32): nothing to bound.
    #expect(
      estimator.searchBound(maximumDisparity: 250, inputWidth: 400, workingWidth: 400) == nil)
  }

  /// With the bound (the default), a pair whose disparities reach 40 px run with a stated
  /// maximum of 16 gives another map than without it; with `boundsSearch` off the stated
  /// maximum changes nothing.
  @Test("A stated maximum changes the map only with the bound")
  func predictions() throws {
    let generator = SyntheticStereoGenerator(
      configuration: SyntheticStereoGenerator.Configuration(
        width: 96, height: 64, minimumDisparity: 0, maximumDisparity: 40))
    var random = SeededGenerator(seed: 9)
    let pair = generator.makePair(using: &random)
    let model = try PretrainedModel.load().model
    let estimator = DisparityEstimator(model: model)
    estimator.boundsSearch = false
    let plain = try estimator.predict(left: pair.left, right: pair.right).disparity.pixels
    let stated = try estimator.predict(left: pair.left, right: pair.right, maximumDisparity: 16)
    #expect(stated.disparity.pixels == plain)
    estimator.boundsSearch = true
    let bounded = try estimator.predict(left: pair.left, right: pair.right, maximumDisparity: 16)
    #expect(bounded.disparity.pixels != plain)
    // The coarse estimate stays within ⌈16/8⌉·8 = 16 px; the finer scales may add up to
    // 8 + 4 + 2 px.
    #expect(bounded.disparity.pixels.allSatisfy { $0 <= 16 + 14 + 1e-3 })
  }
}
