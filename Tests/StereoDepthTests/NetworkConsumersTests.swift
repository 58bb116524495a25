import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// Every preset is defined once (`StereoNetwork.build`); its three consumers — the autodiff
/// graph, the compiled inference plan and the ONNX export — must compute the same thing from the
/// same weights and input.
@Suite("One definition, three consumers")
struct NetworkConsumersTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var configuration: WNetConfiguration
    var height: Int
    var width: Int
    var testDescription: String {
      let passes =
        configuration.quarterPasses == 1 ? [] : ["quarterPasses \(configuration.quarterPasses)"]
      let propagation =
        configuration.propagation == 0 ? [] : ["propagation \(configuration.propagation)"]
      let bound = configuration.searchMaximum.map { ["searchMaximum \($0)"] } ?? []
      return
        ([configuration.preset.rawValue] + configuration.matchingOnlySettings + passes
        + propagation + bound)
        .joined(separator: " ") + " \(height)x\(width)"
    }
  }

  static let cases = [
    Case(configuration: .init(preset: .realtime), height: 32, width: 48),
    Case(configuration: .init(preset: .original), height: 32, width: 48),
    Case(configuration: .init(preset: .matching), height: 40, width: 72),
    Case(configuration: .init(preset: .matching, coarseContext: true), height: 48, width: 80),
    Case(configuration: .init(preset: .matching, cosineCorrelation: true), height: 40, width: 72),
    Case(
      configuration: .init(preset: .matching, cosineCorrelation: true, deepFeatures: true),
      height: 40, width: 72),
    Case(
      configuration: .init(preset: .matching, cosineCorrelation: true, localCoarseEstimate: true),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true),
      height: 40, width: 72),
    Case(
      configuration: .init(preset: .matching, cosineCorrelation: true, correlationSkip: true),
      height: 40, width: 72),
    Case(
      configuration: .init(preset: .matching, cosineCorrelation: true, wideRefinement: true),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, quarterCoarse: true),
      height: 36, width: 68),
    Case(
      configuration: .init(
        preset: .matching, coarseContext: true, deepFeatures: true, quarterCoarse: true),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, slimHalfScale: true),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, slimHalfScale: true, slimCoarseScales: true),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, slimHalfScale: true, slimFullScale: true, propagation: 3),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, quarterPasses: 2),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
        localRefinementEstimates: true, propagation: 3),
      height: 40, width: 72),
    Case(
      configuration: .init(
        preset: .matching, cosineCorrelation: true, quarterCoarse: true, propagation: 2),
      height: 36, width: 68),
    Case(
      configuration: bounded(
        .init(
          preset: .matching, cosineCorrelation: true, localCoarseEstimate: true,
          localRefinementEstimates: true),
        at: 20),
      height: 40, width: 72),
    Case(configuration: bounded(.init(preset: .matching), at: 33), height: 40, width: 72),
  ]

  /// `configuration` with its coarse search bounded at `maximum` working pixels.
  static func bounded(_ configuration: WNetConfiguration, at maximum: Int) -> WNetConfiguration {
    var configuration = configuration
    configuration.searchMaximum = maximum
    return configuration
  }

  // `propagation` chooses between candidates by their features' match: with random weights,
  // ReLU leaves many features 0 in one consumer and 1e-9 in the other, so those choices are
  // coin tosses. Its export is checked on its own (PropagationExportTests) and with the bundled
  // model on a real pair (below).

  /// The graph in inference mode: left logits, then the left selection layer.
  static func graph(_ model: WNet, left: Tensor, right: Tensor) -> (
    logits: Tensor, disparity: Tensor
  ) {
    withoutGradients {
      var context = ForwardContext.inference
      let logits = model.network.logits(
        Tensor.concatenate([left, right], axis: 3), context: &context
      ).left
      guard model.configuration.isCoarseToFine else {
        return (logits, model.leftSelection(logits: logits, source: right).disparity)
      }
      // Coarse to fine: the training graph's every scale, rendered; its finest disparity.
      return (logits, model(left: left, right: right, context: &context).left.disparity)
    }
  }

  @Test("The graph and the plan agree on logits and disparity", arguments: cases)
  func planMatchesGraph(_ testCase: Case) {
    let model = makePerturbedModel(testCase.configuration, seed: 21)
    let (h, w) = (testCase.height, testCase.width)
    let left = randomTensor([2, h, w, 3], seed: 7, in: 0...1)
    let right = randomTensor([2, h, w, 3], seed: 8, in: 0...1)
    let expected = Self.graph(model, left: left, right: right)
    let plan = InferencePlan(model.network)
    let input = Tensor.concatenate([left, right], axis: 3)
    let logits = plan.logits(input)
    #expect(logits.shape == expected.logits.shape)
    let spread = expected.disparity.max().scalar - expected.disparity.min().scalar
    #expect(spread > 1, "the model should give varied disparities, spread \(spread)")
    #expect(maximumAbsoluteDifference(logits, expected.logits) < 1e-3)
    #expect(maximumAbsoluteDifference(plan(input).disparity, expected.disparity) < 1e-3)
  }

  @Test(
    "onnxruntime runs the export of the same definition and agrees with the plan",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote),
    arguments: cases.filter { $0.configuration.propagation == 0 })
  func onnxMatchesPlan(_ testCase: Case) throws {
    let model = makePerturbedModel(testCase.configuration, seed: 22)
    let (h, w) = (testCase.height, testCase.width)
    let left = randomTensor([1, h, w, 3], seed: 9, in: 0...1)
    let right = randomTensor([1, h, w, 3], seed: 10, in: 0...1)
    let planned = InferencePlan(model.network)(Tensor.concatenate([left, right], axis: 3)).disparity
    let run = try ONNXRuntimeSupport.run(ONNXExporter().makeModel(model), left: left, right: right)
    let disparity = try #require(run.outputs["disparity"])
    try #require(disparity.count == planned.count)
    let difference = zip(disparity, planned.scalars).map { abs($0 - $1) }.max() ?? .infinity
    #expect(difference < 1e-3, "max |Δ disparity| \(difference) px")
  }

  @Test("Training mode builds both views' scores; the plan and export only the left view's")
  func viewsAndTrainingMode() {
    for preset in WNetPreset.allCases {
      let model = WNet(configuration: WNetConfiguration(preset: preset), seed: 3)
      // The finest scale's candidates: all D, or the offsets of a coarse-to-fine network.
      let d =
        preset == .matching
        ? 2 * MatchingWNet.refinementRadius + 1 : model.configuration.candidateCount
      let input = randomTensor([1, 32, 32, 6], seed: 4, in: 0...1)
      var context = ForwardContext(isTraining: true)
      let scores = withoutGradients { model.network.stackedLogits(input, context: &context) }
      #expect(scores.shape == [1, 32, 32, 2 * d])
      #expect(InferencePlan(model.network).logits(input).shape == [1, 32, 32, d])
    }
  }
}
