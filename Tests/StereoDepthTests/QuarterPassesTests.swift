import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// `quarterPasses`: the 1/4 scale run again around its own estimate, with the same weights.
@Suite("Passes of the 1/4 scale")
struct QuarterPassesTests {
  static let configuration = WNetConfiguration(
    preset: .matching, maximumDisparity: 31, cosineCorrelation: true, quarterPasses: 3)

  @Test("Stored only when not 1; older checkpoints decode as 1; refused where it cannot run")
  func storage() throws {
    let configuration = Self.configuration
    #expect(configuration.problems.isEmpty)
    let encoder = JSONEncoder()
    let stored = String(decoding: try encoder.encode(configuration), as: UTF8.self)
    #expect(stored.contains("\"quarterPasses\":3"))
    #expect(
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(stored.utf8)) == configuration)
    var one = configuration
    one.quarterPasses = 1
    let plain = String(decoding: try encoder.encode(one), as: UTF8.self)
    #expect(!plain.contains("quarterPasses"))
    #expect(try JSONDecoder().decode(WNetConfiguration.self, from: Data(plain.utf8)) == one)
    for passes in [0, -1, WNetConfiguration.quarterPassLimit + 1] {
      var bad = configuration
      bad.quarterPasses = passes
      #expect(bad.problems.first?.contains("quarterPasses") == true, "\(passes)")
    }
    #expect(!WNetConfiguration(preset: .realtime, quarterPasses: 2).problems.isEmpty)
    var quarter = configuration
    quarter.quarterCoarse = true
    #expect(!quarter.problems.isEmpty)
  }

  @Test("No parameters of its own: a trained model runs with more passes through reconfigured")
  func sameParameters() {
    var one = Self.configuration
    one.quarterPasses = 1
    let model = WNet(configuration: one, seed: 4)
    #expect(one.hasSameParameters(as: Self.configuration))
    let passes = model.reconfigured(Self.configuration)
    #expect(passes.configuration.quarterPasses == 3)
    #expect(passes.parameters.names == model.parameters.names)
    for (name, parameter) in passes.parameters.entries {
      #expect(parameter.value.scalars == model.parameters[name]!.value.scalars, "\(name)")
    }
  }

  /// A 1/4 head with all its mass on the last offset (+2) moves the estimate by +2 per pass.
  ///
  /// Bilinear ×2 with edge replication keeps the mean, so `mean(d¼) = 2·mean(d⅛) + 2·P`
  /// (hand-derived); the scale's base is the last pass's start, `2·mean(d⅛) + 2·(P − 1)`.
  @Test("Each pass starts from the last one's estimate", arguments: [1, 2, 3])
  func eachPassMoves(_ passes: Int) throws {
    var configuration = Self.configuration
    configuration.quarterPasses = passes
    let model = WNet(configuration: configuration, seed: 5)
    let (coarse, quarter) = try quarterMeansWithLastOffset(model)
    let expected = 2 * coarse + 2 * Float(passes)
    #expect(abs(quarter - expected) < 1e-3, "d¼ \(quarter), d⅛ \(coarse)")
  }
}
