import Foundation
import StereoData
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// `--upscale`: the factors, the reconstruction error that chooses between them, and the
/// estimator running an enlarged pair.
@Suite("InferenceUpscale: enlarged pairs and the reconstruction error")
struct InferenceUpscaleTests {
  /// The bundled matching model's estimator and a `width × height` pair (96×64 by default)
  /// whose disparity is `shift`.
  static func bundled(
    shift: Int, seed: UInt64, width: Int = 96, height: Int = 64
  ) throws -> (DisparityEstimator, Image, Image) {
    let (model, _) = try PretrainedModel.load(.matching)
    let (left, right) = DisparityEstimatorTests.shiftedPair(
      width: width, height: height, shift: shift, seed: seed)
    return (DisparityEstimator(model: model), left, right)
  }

  @Test("Parsing and capping the factors, by hand")
  func factors() {
    #expect(InferenceUpscale("auto") == .automatic)
    #expect(InferenceUpscale("2")?.factors == [2])
    #expect(InferenceUpscale("1")?.enlarges == false)
    for bad in ["0.5", "5", "x", "", "nan"] { #expect(InferenceUpscale(bad) == nil, "\(bad)") }
    let factors = { (rule: InferenceUpscale, cap: Float) in
      rule.factors(width: 640, height: 480, cappedAt: cap)
    }
    #expect(factors(.automatic, .infinity) == [1, 1.5, 2])
    // 255 / 200 = 1.275: 1.5 and 2 both become 1.275, kept once.
    #expect(factors(.automatic, 255 / 200) == [1, 255 / 200])
    // A pair already shrunk to fit the range is not enlarged.
    #expect(factors(.automatic, 0.5) == [1])
  }

  @Test("small: towards 640x480's pixel count, at most by 1.5, by hand")
  func smallFactors() throws {
    #expect(InferenceUpscale("small") == .small && InferenceUpscale.standard == .small)
    let small = InferenceUpscale.small
    // sqrt(307200 / (384·288)) = 1.667 → 1.5 (tsukuba); sqrt(307200 / (450·375)) = 1.3492 (teddy).
    #expect(small.factors(width: 384, height: 288, cappedAt: .infinity) == [1.5])
    let teddy = try #require(small.factors(width: 450, height: 375, cappedAt: .infinity).first)
    #expect(abs(teddy - 1.349_19) < 1e-4)
    // 640x480 and larger run at their own size; the range's cap still applies.
    #expect(small.factors(width: 640, height: 480, cappedAt: .infinity) == [1])
    #expect(small.factors(width: 1282, height: 1110, cappedAt: .infinity) == [1])
    #expect(small.factors(width: 384, height: 288, cappedAt: 1.2) == [1.2])
    // Where enlarging cannot run, small gives way; fixed factors stay (and are refused there).
    let matching = WNetConfiguration(preset: .matching)
    let realtime = WNetConfiguration(preset: .realtime)
    #expect(small.applicable(to: matching) == .small)
    #expect(small.applicable(to: realtime) == .none)
    #expect(InferenceUpscale.automatic.applicable(to: realtime) == .automatic)
  }

  @Test("The reconstruction error on a hand-computed row")
  func reconstructionError() throws {
    // u = x − d: 0 → R(0) = 0; 0.5 → (0 + 1) / 2; −1 (left out); 2 → R(2) = 0.5.
    let left = Image(width: 4, height: 1, channels: 1, pixels: [0.1, 0.2, 0.3, 0.4])
    let right = Image(width: 4, height: 1, channels: 1, pixels: [0, 1, 0.5, 0.25])
    let disparity = Image(width: 4, height: 1, channels: 1, pixels: [0, 0.5, 3, 1])
    let error = try #require(
      ReconstructionError.meanAbsolute(left: left, right: right, disparity: disparity))
    #expect(abs(error - (0.1 + 0.3 + 0.1) / 3) < 1e-6)
    // Channels are averaged: a second channel off by 0.2 everywhere adds 0.1.
    let left2 = Image(
      width: 2, height: 1, channels: 2, pixels: [0.5, 0.7, 0.5, 0.7])
    let right2 = Image(width: 2, height: 1, channels: 2, pixels: [0.5, 0.5, 0.5, 0.5])
    let zero = Image(width: 2, height: 1, channels: 1, repeating: 0)
    let error2 = try #require(
      ReconstructionError.meanAbsolute(left: left2, right: right2, disparity: zero))
    #expect(abs(error2 - 0.1) < 1e-6)
    // No pixel inside the right view, or none finite: no error at all.
    let outside = Image(width: 4, height: 1, channels: 1, pixels: [1, 2, 9, .nan])
    #expect(ReconstructionError.meanAbsolute(left: left, right: right, disparity: outside) == nil)
  }

  @Test("The bundled model enlarged by 2 recovers a known shift, in input pixels")
  func fixedFactor() throws {
    let (estimator, left, right) = try Self.bundled(shift: 12, seed: 11)
    let prediction = try estimator.predict(
      left: left, right: right, invalidPixels: .standard,
      upscale: try #require(InferenceUpscale("2")))
    #expect(prediction.workingWidth == 192 && prediction.workingHeight == 128)
    // The ×2 run ends at its 1/2 scale, which has the input's resolution: one input pixel per
    // output pixel.
    #expect(prediction.disparityScale == 1)
    #expect(prediction.disparity.width == 96 && prediction.disparity.height == 64)
    #expect(prediction.upscaleTrials.isEmpty)
    let error = DisparityEstimatorTests.medianError(prediction.disparity, shift: 12)
    #expect(error < 0.5, "median error \(error) px")
  }

  @Test("A plan ending one scale early gives the network's own 1/2 scale, both views")
  func droppedScale() throws {
    let (model, _) = try PretrainedModel.load(.matching)
    let (left, right) = DisparityEstimatorTests.shiftedPair(
      width: 64, height: 48, shift: 10, seed: 15)
    var context = ForwardContext(isTraining: false)
    let output = model(left: left.tensor, right: right.tensor, context: &context)
    let half = try #require(output.scales.first { $0.factor == 2 })
    let estimator = DisparityEstimator(model: model)
    let plan = estimator.plan(views: .both, droppingFinestScales: 1)
    #expect(plan.outputFactor == 2)
    let maps = plan.bothViews(Tensor.concatenate([left.tensor, right.tensor], axis: 3))
    #expect(maps.disparity.shape == [1, 24, 32, 1])
    let leftDifference = (maps.disparity - half.left.disparity).abs().max().scalar
    let rightDifference = (maps.rightDisparity - half.right.disparity).abs().max().scalar
    #expect(leftDifference < 1e-3 && rightDifference < 1e-3, "\(leftDifference) \(rightDifference)")
    // Cropping works in the output's pixels: a size that needs padding to a multiple of 8.
    let (small, smallRight) = DisparityEstimatorTests.shiftedPair(
      width: 60, height: 44, shift: 6, seed: 16)
    let cropped = estimator.estimate(
      left: small.tensor, right: smallRight.tensor, droppingFinestScales: 1)
    #expect(cropped.disparity.shape == [1, 22, 30, 1])
  }

  @Test("Ending at the 1/2 scale: any size, maps at the input's size, a known shift recovered")
  func halfScaleFinish() throws {
    // Odd sizes: the working size is rounded up to even numbers.
    let (estimator, left, right) = try Self.bundled(shift: 14, seed: 12, width: 97, height: 63)
    var rule = InferenceUpscale.none
    rule.endsAtHalfScale = true
    let prediction = try estimator.predict(
      left: left, right: right, invalidPixels: .standard, upscale: rule)
    #expect(prediction.workingWidth == 98 && prediction.workingHeight == 64)
    #expect(prediction.disparity.width == 97 && prediction.disparity.height == 63)
    #expect(prediction.confidence.width == 97 && prediction.confidence.height == 63)
    // Input pixels per output pixel: the 1/2 scale of a 98-wide working size.
    #expect(abs(prediction.disparityScale - 97 / 49) < 1e-6)
    let error = DisparityEstimatorTests.medianError(prediction.disparity, shift: 14)
    #expect(error < 0.5, "median error \(error) px")
    // The dense map against the full run's: the finest scale moves it by little on this pair.
    let dense = try estimator.predict(left: left, right: right, upscale: rule)
    let full = try estimator.predict(left: left, right: right, upscale: .none)
    let moved = zip(dense.disparity.pixels, full.disparity.pixels).filter { abs($0 - $1) > 1 }
    #expect(Double(moved.count) < 0.1 * Double(full.disparity.pixels.count), "\(moved.count)")
    // Without the setting nothing changes.
    var off = InferenceUpscale.none
    off.endsAtHalfScale = false
    #expect(off == .none)
  }

  @Test("'auto' keeps the factor whose disparity rebuilds the left view best")
  func automatic() throws {
    let (estimator, left, right) = try Self.bundled(shift: 20, seed: 12)
    let prediction = try estimator.predict(
      left: left, right: right, invalidPixels: .standard, upscale: .automatic)
    #expect(prediction.upscaleTrials.map(\.factor) == [1, 1.5, 2])
    let errors = prediction.upscaleTrials.map { $0.reconstructionError ?? .infinity }
    let best = try #require(errors.indices.min { errors[$0] < errors[$1] })
    let kept = prediction.upscaleTrials[best].factor
    #expect(abs(Float(prediction.workingWidth) / 96 - kept) < 0.02, "kept ×\(kept)")
    // The kept trial's error is the returned disparity's, recomputed here.
    let recomputed = try #require(
      ReconstructionError.meanAbsolute(left: left, right: right, disparity: prediction.disparity))
    #expect(abs(recomputed - errors[best]) < 1e-9)
    // Each trial ran the factor it names: the ×1 trial alone equals a plain prediction's error.
    let plain = try estimator.predict(left: left, right: right, invalidPixels: .standard)
    let plainError = try #require(
      ReconstructionError.meanAbsolute(left: left, right: right, disparity: plain.disparity))
    #expect(abs(plainError - errors[0]) < 1e-9)
    // A bound of 150 px caps the factors at 255 / 150 = 1.7.
    let (wide, wideRight) = DisparityEstimatorTests.shiftedPair(
      width: 200, height: 32, shift: 20, seed: 14)
    let capped = try estimator.predict(
      left: wide, right: wideRight, maximumDisparity: 150, upscale: .automatic)
    #expect(capped.upscaleTrials.map(\.factor) == [1, 1.5, Float(255) / 150])
  }

  @Test("Enlarging is refused for a model that shrinks; a search is refused with adaptation")
  func refusals() throws {
    let (realtime, _) = try PretrainedModel.load(.realtime)
    let (left, right) = DisparityEstimatorTests.shiftedPair(
      width: 64, height: 48, shift: 6, seed: 13)
    #expect(throws: InferenceError.self) {
      try DisparityEstimator(model: realtime).predict(
        left: left, right: right, upscale: .automatic)
    }
    // Its own size is still fine.
    _ = try DisparityEstimator(model: realtime).predict(left: left, right: right, upscale: .none)
    let (matching, _) = try PretrainedModel.load(.matching)
    #expect(throws: InferenceError.self) {
      try DisparityEstimator(model: matching).predict(
        left: left, right: right, adaptation: TestTimeAdaptation(steps: 1, proxyWeight: 0),
        upscale: .automatic)
    }
    // One factor adapts at the enlarged size: the working size is the enlarged one.
    let adapted = try DisparityEstimator(model: matching).predict(
      left: left, right: right, adaptation: TestTimeAdaptation(steps: 1, proxyWeight: 0),
      upscale: .small)
    #expect(adapted.workingWidth == 96 && adapted.workingHeight == 72)
    #expect(adapted.adaptationLosses != nil)
  }
}
