import StereoData
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// A model without `coarseContext` transplanted into one with it computes the same map
/// (``MatchingWNet/contextMerge(from:)``).
@Suite("The context branch added to a trained model")
struct ContextTransplantTests {
  @Test("The transplant keeps the map; only the context units start seeded")
  func sameMap() throws {
    // A trained model without the branch: the bundled one, its context units dropped when it
    // has them (its `coarse.1` then seeded, the same for every run).
    let shipped = try PretrainedModel.load().model
    var plain = shipped.configuration
    plain.coarseContext = false
    let bundled =
      shipped.configuration.coarseContext
      ? shipped.transplanted(into: plain, seed: 1).model : shipped
    #expect(!bundled.configuration.coarseContext)
    var configuration = bundled.configuration
    configuration.coarseContext = true
    let (model, fresh) = bundled.transplanted(into: configuration, seed: 7)
    #expect(!fresh.isEmpty)
    #expect(fresh.allSatisfy { $0.hasPrefix("coarse.context.") && !$0.contains("merge") })
    let filter = try #require(model.parameters["coarse.context.merge.conv.filter"]).value
    #expect(filter.shape == [48, 3, 3, 96])
    // Sizes a multiple of 16 (the context branch's pooling), disparities up to 40 px.
    let generator = SyntheticStereoGenerator(
      configuration: SyntheticStereoGenerator.Configuration(
        width: 96, height: 64, minimumDisparity: 0, maximumDisparity: 40))
    var random = SeededGenerator(seed: 4)
    let pair = generator.makePair(using: &random)
    let before = DisparityEstimator(model: bundled).estimate(
      left: pair.left.tensor, right: pair.right.tensor
    ).disparity.scalars
    let after = DisparityEstimator(model: model).estimate(
      left: pair.left.tensor, right: pair.right.tensor
    ).disparity.scalars
    #expect(before.count == after.count)
    #expect(zip(before, after).allSatisfy { abs($0 - $1) <= 1e-3 })
    // The merge reads the context through zeros: another seed gives the same map.
    let other = bundled.transplanted(into: configuration, seed: 8).model
    let again = DisparityEstimator(model: other).estimate(
      left: pair.left.tensor, right: pair.right.tensor
    ).disparity.scalars
    #expect(zip(after, again).allSatisfy { abs($0 - $1) <= 1e-3 })
    // The generic transplant (every merge value seeded) would not keep it.
    let seeded = model.copy()
    let seededValues = WNet(configuration: configuration, seed: 9).parameters
    for (name, parameter) in seeded.parameters.entries
    where name.hasPrefix("coarse.context.merge.conv") {
      parameter.value = try #require(seededValues[name]).value
    }
    let changed = DisparityEstimator(model: seeded).estimate(
      left: pair.left.tensor, right: pair.right.tensor
    ).disparity.scalars
    #expect(zip(before, changed).contains { abs($0 - $1) > 0.5 })
  }
}
