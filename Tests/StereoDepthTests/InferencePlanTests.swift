import Foundation
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

@Suite("The planned inference path")
struct InferencePlanTests {
  /// A realtime model with non-trivial batch norm everywhere, as after training: scales in
  /// [0.8, 1.25], shifts and the head bias in ±0.3, and running statistics that are the real
  /// statistics of `input` (converged by training-mode passes). A wrong fold (a missing mean,
  /// scale or shift) shows at once; scales far from 1 would compound over 27 layers until the
  /// softmax saturates and float32 rounding alone exceeds 1e-4 (on the reference backend too).
  static func scrambledModel(seed: UInt64, input: Tensor) -> WNet {
    let model = WNet(configuration: WNetConfiguration(preset: .realtime), seed: seed)
    var generator = SeededGenerator(seed: seed + 100)
    for (name, parameter) in model.parameters.entries {
      let shape = parameter.shape
      if name.hasSuffix("bn.shift") || name.hasSuffix("head.bias") {
        parameter.value = Tensor.randomUniform(shape, in: -0.3...0.3, using: &generator)
      } else if name.hasSuffix("bn.scale") {
        parameter.value = Tensor.randomUniform(shape, in: 0.8...1.25, using: &generator)
      }
    }
    withoutGradients {
      for _ in 0..<80 {
        var context = ForwardContext(isTraining: true)
        _ = model.network.logits(input, context: &context)
      }
    }
    return model
  }

  /// Folding changes only float32 rounding (measured per unit: 8e-6 on the reference backend and
  /// 3e-5 on oneDNN for activations up to 80, relative 4e-7), but 27 layers whose batch norm
  /// divides by √(σ² + ε) amplify it: on this random model the logits differ by up to ~1e-4 and
  /// the disparity by ~3e-4 px, on the reference backend as on oneDNN. Hence 1e-3 px here; any
  /// wrong fold (a missing mean, scale or shift) is off by more than 0.1 px. The trained model
  /// below meets 1e-4.
  @Test(
    "Folding, fusing and the fused softmax match the graph on a random model",
    arguments: [(32, 48), (64, 40)])
  func matchesGraph(size: (Int, Int)) {
    let (h, w) = size
    let left = randomTensor([2, h, w, 3], seed: 1, in: 0...1),
      right = randomTensor([2, h, w, 3], seed: 2, in: 0...1)
    let model = Self.scrambledModel(seed: 4, input: Tensor.concatenate([left, right], axis: 3))
    expectPlanMatchesGraph(
      model, left: left, right: right, disparityTolerance: 1e-3, peakTolerance: 5e-5)
  }

  @Test("The bundled (trained) model: the planned path equals the graph within 1e-4")
  func bundledModel() throws {
    let (model, _) = try PretrainedModel.load(.realtime)
    let left = randomTensor([1, 48, 64, 3], seed: 5, in: 0...1)
    // A right view that is the left shifted by 6 px, so the model sees a real stereo pair.
    let right = left.padded(axis: 2, before: 0, after: 6, mode: .replicate).slice(axis: 2, 6..<70)
    expectPlanMatchesGraph(model, left: left, right: right)
  }

  func expectPlanMatchesGraph(
    _ model: WNet, left: Tensor, right: Tensor, disparityTolerance: Float = 1e-4,
    peakTolerance: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let plan = InferencePlan(model.network)
    let fast = plan(Tensor.concatenate([left, right], axis: 3))
    let graph = withoutGradients {
      var context = ForwardContext.inference
      let logits = model.network.logits(
        Tensor.concatenate([left, right], axis: 3), context: &context
      ).left
      return model.leftSelection(logits: logits, source: right)
    }
    let spread = graph.disparity.max().scalar - graph.disparity.min().scalar
    #expect(
      spread > 1, "the model should give varied disparities, spread \(spread)",
      sourceLocation: sourceLocation)
    #expect(
      maximumAbsoluteDifference(fast.disparity, graph.disparity) < disparityTolerance,
      sourceLocation: sourceLocation)
    let probabilities = graph.probabilities
    let peak = probabilities.max(axes: [3], keepingDimensions: true)
    #expect(
      maximumAbsoluteDifference(fast.peak, peak) < peakTolerance, sourceLocation: sourceLocation)
    let entropy = -(probabilities * (probabilities + 1e-30).log()).sum(
      axes: [3], keepingDimensions: true)
    let confidence = 1 - entropy / Float(Foundation.log(48.0))
    #expect(
      maximumAbsoluteDifference(fast.confidence, confidence) < 1e-4, sourceLocation: sourceLocation)
  }

  @Test(
    "Views given apart give the stacked input's bits, skipping the split where the network allows",
    arguments: [WNetPreset.matching, .realtime])
  func viewsApart(preset: WNetPreset) {
    let model = WNet(
      configuration: WNetConfiguration(
        preset: preset, minimumDisparity: 0, maximumDisparity: preset == .matching ? 31 : 15),
      seed: 6)
    let left = randomTensor([1, 32, 64, 3], seed: 7, in: 0...1)
    let right = randomTensor([1, 32, 64, 3], seed: 8, in: 0...1)
    let stacked = Tensor.concatenate([left, right], axis: 3)
    let single = InferencePlan(model.network)
    // matching splits the stacked input at once (the split is skipped); realtime convolves it.
    #expect((single.viewInputs != nil) == (preset == .matching))
    let (a, b) = (single(stacked), single(left: left, right: right))
    #expect(a.disparity.scalars == b.disparity.scalars && a.peak.scalars == b.peak.scalars)
    #expect(a.confidence.scalars == b.confidence.scalars)
    let both = InferencePlan(model.network, views: .both, rightDroppingScales: 1)
    let (c, d) = (both.bothViews(stacked), both.bothViews(left: left, right: right))
    #expect(c.disparity.scalars == d.disparity.scalars)
    #expect(c.rightDisparity.scalars == d.rightDisparity.scalars)
  }
}
