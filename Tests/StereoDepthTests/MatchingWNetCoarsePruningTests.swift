import Foundation
import StereoNN
import StereoTensor
import Testing

@testable import StereoDepth

/// `slimCoarseScales` and the pruning of wider coarse and 1/4 units into it
/// (``MatchingWNet/prunedCoarseScales(from:)``).
@Suite("Matching W-net: the slim coarse scales and their pruning")
struct MatchingWNetCoarsePruningTests {
  static let wide = WNetConfiguration(
    preset: .matching, maximumDisparity: 31, cosineCorrelation: true, localCoarseEstimate: true,
    localRefinementEstimates: true, slimHalfScale: true)
  static let slim = { () -> WNetConfiguration in
    var slim = wide
    slim.slimCoarseScales = true
    return slim
  }()

  @Test("The slim coarse scales: 24-wide coarse units, 12-wide 1/4 units; stored only when set")
  func shapes() throws {
    try expectMatchingOnlySetting(
      Self.slim, elsewhere: WNetConfiguration(preset: .realtime, slimCoarseScales: true),
      key: "slimCoarseScales")
    let model = WNet(configuration: Self.slim, seed: 3)
    // D8 = 4 candidates for 0…31; the 1/8 features are 32 wide, the 1/4 ones 24.
    #expect(model.parameters["coarse.0.conv.filter"]?.value.shape == [24, 3, 3, 32 + 4])
    #expect(model.parameters["coarse.1.conv.filter"]?.value.shape == [24, 3, 3, 24])
    #expect(model.parameters["coarse.head.filter"]?.value.shape == [4, 3, 3, 24])
    #expect(model.parameters["refine.0.0.conv.filter"]?.value.shape == [12, 3, 3, 24 + 5])
    #expect(model.parameters["refine.0.1.conv.filter"]?.value.shape == [12, 3, 3, 12])
    #expect(model.parameters["refine.0.head.filter"]?.value.shape == [5, 3, 3, 12])
    expectSameShapes(
      model, as: WNet(configuration: Self.wide, seed: 3), except: ["coarse.", "refine.0."])
  }

  /// A wide model whose coarse units have 24 of 48 channels and whose 1/4 units have 12 of 24
  /// that are always zero; `dead` gives them.
  static func wideWithDeadChannels() -> (model: WNet, dead: [String: [Int]]) {
    let model = WNet(configuration: wide, seed: 11)
    let dead = silenceHalfTheChannels(
      of: model,
      units: [("coarse.0", 48), ("coarse.1", 48), ("refine.0.0", 24), ("refine.0.1", 24)],
      seed: 4)
    return (model, dead)
  }

  @Test("Pruning channels that are always zero keeps the network's output")
  func deadChannelsPruned() {
    let (wide, dead) = Self.wideWithDeadChannels()
    let (slim, fresh) = wide.transplanted(into: Self.slim, seed: 9)
    #expect(fresh.isEmpty, "\(fresh)")
    let largest = largestDisparityDifference(wide, slim)
    #expect(largest < 1e-4, "largest difference \(largest) px")
    // The kept channels are the live ones, in order.
    for (unit, deadChannels) in dead {
      let all = wide.parameters["\(unit).bn.shift"]!.value.scalars
      let kept = (0..<all.count).filter { !deadChannels.contains($0) }
      #expect(slim.parameters["\(unit).bn.shift"]!.value.scalars == kept.map { all[$0] }, "\(unit)")
    }
  }

  @Test("A model with the coarse context is not pruned: its coarse units stay seeded")
  func contextNotPruned() {
    var wide = Self.wide
    wide.coarseContext = true
    var slim = wide
    slim.slimCoarseScales = true
    let (_, fresh) = WNet(configuration: wide, seed: 1).transplanted(into: slim, seed: 2)
    #expect(fresh.contains("coarse.0.conv.filter"))
    #expect(fresh.contains("refine.0.0.conv.filter"))
  }
}

/// Makes half of each unit's channels, drawn at random, always zero (batch norm shift −50 at a
/// tiny scale) and gives the others random batch-norm parameters; returns the dead channels of
/// each unit, in order.
func silenceHalfTheChannels(
  of model: WNet, units: [(name: String, width: Int)], seed: UInt64
) -> [String: [Int]] {
  var generator = SeededGenerator(seed: seed)
  var deadChannels: [String: [Int]] = [:]
  for (unit, width) in units {
    let dead = Array((0..<width).shuffled(using: &generator).prefix(width / 2)).sorted()
    deadChannels[unit] = dead
    model.parameters["\(unit).bn.scale"]!.value = Tensor(
      shape: [width],
      scalars: (0..<width).map {
        dead.contains($0) ? 1e-3 : Float.random(in: 0.5...1.5, using: &generator)
      })
    model.parameters["\(unit).bn.shift"]!.value = Tensor(
      shape: [width],
      scalars: (0..<width).map {
        dead.contains($0) ? -50 : Float.random(in: -0.3...0.3, using: &generator)
      })
    model.parameters["\(unit).bn.running_mean"]!.value = Tensor(
      shape: [width],
      scalars: (0..<width).map { _ in Float.random(in: -0.2...0.2, using: &generator) })
  }
  return deadChannels
}
