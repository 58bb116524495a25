import Foundation
import StereoNN
import StereoTensor
import Testing

@testable import StereoDepth

/// `slimFullScale` and the pruning of a wider full-resolution scale into it
/// (``MatchingWNet/prunedFullScale(from:)``).
@Suite("Matching W-net: the slim full-resolution scale and its pruning")
struct MatchingWNetFullPruningTests {
  static let wide = WNetConfiguration(
    preset: .matching, maximumDisparity: 31, cosineCorrelation: true, localCoarseEstimate: true,
    localRefinementEstimates: true, slimHalfScale: true)
  static let slim = { () -> WNetConfiguration in
    var slim = wide
    slim.slimFullScale = true
    return slim
  }()

  @Test("The slim full-resolution scale: 4 features, a 9→4 unit, a 4→5 head; stored only when set")
  func shapes() throws {
    try expectMatchingOnlySetting(
      Self.slim, elsewhere: WNetConfiguration(preset: .realtime, slimFullScale: true),
      key: "slimFullScale")
    let model = WNet(configuration: Self.slim, seed: 3)
    #expect(model.parameters["features.full.conv.filter"]?.value.shape == [4, 3, 3, 3])
    #expect(model.parameters["refine.2.0.conv.filter"]?.value.shape == [4, 3, 3, 4 + 5])
    #expect(model.parameters["refine.2.head.filter"]?.value.shape == [5, 3, 3, 4])
    expectSameShapes(
      model, as: WNet(configuration: Self.wide, seed: 3),
      except: ["features.full", "refine.2.0", "refine.2.head.filter"])
  }

  /// A wide model whose full-resolution features and unit have 4 of their 8 channels always
  /// zero; `dead` gives them.
  static func wideWithDeadChannels() -> (model: WNet, dead: [String: [Int]]) {
    let model = WNet(configuration: wide, seed: 11)
    let dead = silenceHalfTheChannels(
      of: model, units: [("features.full", 8), ("refine.2.0", 8)], seed: 5)
    return (model, dead)
  }

  /// The output is kept only if the unit's weights on the correlation are rescaled: the
  /// correlation is a mean over the features' channels, 8 before and 4 after.
  @Test("Pruning channels that are always zero keeps the network's output")
  func deadChannelsPruned() {
    let (wide, dead) = Self.wideWithDeadChannels()
    let (slim, fresh) = wide.transplanted(into: Self.slim, seed: 9)
    #expect(fresh.isEmpty, "\(fresh)")
    let largest = largestDisparityDifference(wide, slim)
    #expect(largest < 1e-4, "largest difference \(largest) px")
    for (unit, deadChannels) in dead {
      let all = wide.parameters["\(unit).bn.shift"]!.value.scalars
      let kept = (0..<all.count).filter { !deadChannels.contains($0) }
      #expect(slim.parameters["\(unit).bn.shift"]!.value.scalars == kept.map { all[$0] }, "\(unit)")
    }
  }

  @Test("Without the correlation's rescaling the output would change: the test can fail")
  func rescalingMatters() {
    let (wide, _) = Self.wideWithDeadChannels()
    let (slim, _) = wide.transplanted(into: Self.slim, seed: 9)
    let filter = slim.parameters["refine.2.0.conv.filter"]!
    let inputs = filter.value.shape[3]
    filter.value = Tensor(
      shape: filter.value.shape,
      scalars: filter.value.scalars.enumerated().map { $0 % inputs >= 4 ? $1 * 2 : $1 })
    #expect(largestDisparityDifference(wide, slim) > 1e-3)
  }
}
