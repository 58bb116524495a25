import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoData

/// The scale range of ``AugmentationConfiguration``: `[sFit, sMax]` with
/// `sMax = max(sFit, min(maximumScale, sqrt(h·w / (minimumCoverage·H·W))))`.
@Suite("Augmentation: random scale and enlargement")
struct AugmentationTests {
  /// A KITTI frame and the training crop.
  private let imageWidth = 1226
  private let imageHeight = 370
  private let cropWidth = 336
  private let cropHeight = 192

  private func range(
    _ configuration: AugmentationConfiguration, width: Int = 1226, height: Int = 370
  )
    -> ClosedRange<Float>
  {
    configuration.scaleRange(
      imageWidth: width, imageHeight: height, cropWidth: cropWidth, cropHeight: cropHeight)
  }

  @Test("The scale range follows the formula (values computed by hand)")
  func rangeByHand() {
    // sFit = max(192/370, 336/1226) = 0.518919; sCover at coverage c = sqrt(64512 / (c·453620)):
    // 0.754231 at 0.25, 3.771153 at 0.01.
    let cases: [(AugmentationConfiguration, Float, Float)] = [
      (.standard, 0.518919, 0.754231),
      (.init(minimumCoverage: 0.01, maximumScale: 2), 0.518919, 2),
      (.init(minimumCoverage: 0.01, maximumScale: 4), 0.518919, 3.771153),
      (.init(minimumCoverage: 0.25, maximumScale: 4), 0.518919, 0.754231),  // coverage binds
      (.init(minimumCoverage: 0.01, maximumScale: 0.3), 0.518919, 0.518919),  // below the fit
    ]
    for (configuration, low, high) in cases {
      let drawn = range(configuration)
      #expect(abs(drawn.lowerBound - low) < 1e-5, "\(configuration): \(drawn)")
      #expect(abs(drawn.upperBound - high) < 1e-5, "\(configuration): \(drawn)")
    }
    // A 700x480 pair: sFit = max(0.4, 0.48); sCover = sqrt(64512 / 3360) = 4.381780.
    let quarter = range(.init(minimumCoverage: 0.01, maximumScale: 5), width: 700, height: 480)
    #expect(abs(quarter.lowerBound - 0.48) < 1e-6 && abs(quarter.upperBound - 4.381780) < 1e-5)
  }

  @Test("Drawn scales stay in the range; log-uniform, so ln 2 / ln(2 / sFit) of them enlarge")
  func drawnScales() {
    var generator = SeededGenerator(seed: 3)
    let configuration = AugmentationConfiguration(minimumCoverage: 0.01, maximumScale: 2)
    let count = 2000
    var enlarged = 0
    for _ in 0..<count {
      let plan = AugmentationPlan(
        configuration: configuration, imageWidth: imageWidth, imageHeight: imageHeight,
        cropWidth: cropWidth, cropHeight: cropHeight, using: &generator)
      #expect(plan.scale >= 0.518918 && plan.scale <= 2.000001, "\(plan.scale)")
      #expect(Float(plan.originX + cropWidth) <= Float(imageWidth) * plan.scale + 1)
      #expect(Float(plan.originY + cropHeight) <= Float(imageHeight) * plan.scale + 1)
      if plan.scale > 1 { enlarged += 1 }
    }
    // Expected share ln 2 / ln(2 / 0.518919) = 0.5138; binomial σ = 0.011 for 2000 draws.
    let share = Double(enlarged) / Double(count)
    #expect(abs(share - 0.5138) < 0.045, "share above 1: \(share)")
  }

  @Test("An enlarged crop carries disparities times the scale: a 3 px shift becomes 6 px")
  func enlargedShift() throws {
    // A random texture shifted by 3 px; at scale 2 the views must be 6 px apart.
    var generator = SeededGenerator(seed: 9)
    let (width, height, shift) = (64, 24, 3)
    // right(x) = left(x + 3): left(x) = right(x − 3), a disparity of 3.
    let pair = constantShiftPair(batch: 1, height: height, width: width, shift: shift, seed: 9)
    let sample = StereoSample(
      left: Image(pair.left), right: Image(pair.right), source: "s", identifier: "s")
    var plan = AugmentationPlan(
      configuration: .cropOnly, imageWidth: width, imageHeight: height, cropWidth: 64,
      cropHeight: 16, using: &generator)
    (plan.scale, plan.originX, plan.originY, plan.flip) = (2, 20, 10, false)
    let (left, right) = plan.apply(to: sample, cropWidth: 64, cropHeight: 16)
    func error(_ candidate: Int) -> Float {
      var sum: Float = 0
      for y in 0..<16 {
        for x in 12..<64 { sum += abs(left[y, x, 0] - right[y, x - candidate, 0]) }
      }
      return sum
    }
    let best = (0...10).min { error($0) < error($1) }
    #expect(best == 6, "best shift \(String(describing: best))")
    #expect(error(6) < 1e-4 * 16 * 52, "residual \(error(6))")
  }

  @Test("A recipe written before maximumScale decodes to the old behaviour")
  func oldRecipeDecodes() throws {
    // The JSON the synthesized encoder wrote before the field existed.
    let old = """
      {"minimumCoverage":0.25,"flipProbability":0.5,"brightness":[0.8,1.2],\
      "contrast":[0.8,1.2],"gamma":[0.8,1.2],"channelGain":[0.9,1.1]}
      """
    let decoded = try JSONDecoder().decode(AugmentationConfiguration.self, from: Data(old.utf8))
    #expect(decoded.maximumScale == 1 && decoded == .standard)
    // The old rule, written out: log-uniform in [sFit, max(sFit, min(1, sCover))], the first
    // draw of the pair's generator.
    let fit: Float = 192 / 370
    let largest = max(fit, min(1, (Float(336 * 192) / (0.25 * Float(1226 * 370))).squareRoot()))
    for seed in UInt64(0)..<50 {
      var generator = SeededGenerator(seed: seed)
      let plan = AugmentationPlan(
        configuration: decoded, imageWidth: imageWidth, imageHeight: imageHeight,
        cropWidth: cropWidth, cropHeight: cropHeight, using: &generator)
      var oldGenerator = SeededGenerator(seed: seed)
      let expected = min(
        max(exp(Float.random(in: log(fit)...log(largest), using: &oldGenerator)), fit), largest)
      #expect(plan.scale == expected, "seed \(seed)")
    }
    // A new configuration round-trips with its field.
    let enlarging = AugmentationConfiguration(minimumCoverage: 0.02, maximumScale: 3)
    let data = try JSONEncoder().encode(enlarging)
    #expect(try JSONDecoder().decode(AugmentationConfiguration.self, from: data) == enlarging)
  }

  @Test("Vertical flips: the same draws otherwise, both views and proxies mirrored top to bottom")
  func verticalFlips() {
    // By hand: a 2×3 one-channel image mirrored top to bottom.
    let small = Image(width: 2, height: 3, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
    #expect(small.flippedVertically().pixels == [5, 6, 3, 4, 1, 2])
    let (width, height) = (48, 30)
    let pair = constantShiftPair(batch: 1, height: height, width: width, shift: 2, seed: 4)
    let sample = StereoSample(
      left: Image(pair.left), right: Image(pair.right), source: "s", identifier: "s")
    func map(_ seed: UInt64) -> Image {
      Image(randomTensor([1, height, width, 1], seed: seed, in: 0...20))
    }
    let proxy = StereoProxy(
      leftDisparity: map(1), leftConfidence: map(2), rightDisparity: map(3),
      rightConfidence: map(4))
    var flips = 0
    for seed in UInt64(0)..<400 {
      var never = SeededGenerator(seed: seed), always = SeededGenerator(seed: seed)
      var half = SeededGenerator(seed: seed)
      let plain = AugmentationPlan(
        configuration: .standard, imageWidth: width, imageHeight: height, cropWidth: 32,
        cropHeight: 16, using: &never)
      let flipped = AugmentationPlan(
        configuration: AugmentationConfiguration(verticalFlipProbability: 1), imageWidth: width,
        imageHeight: height, cropWidth: 32, cropHeight: 16, using: &always)
      let sometimes = AugmentationPlan(
        configuration: AugmentationConfiguration(verticalFlipProbability: 0.5),
        imageWidth: width, imageHeight: height, cropWidth: 32, cropHeight: 16, using: &half)
      if sometimes.verticalFlip { flips += 1 }
      #expect(!plain.verticalFlip && flipped.verticalFlip)
      #expect(
        plain.scale == flipped.scale && plain.originX == flipped.originX
          && plain.originY == flipped.originY && plain.flip == flipped.flip
          && plain.gamma == flipped.gamma && plain.gains == flipped.gains)
      guard seed < 8 else { continue }
      let views = (
        plain.apply(to: sample, cropWidth: 32, cropHeight: 16),
        flipped.apply(to: sample, cropWidth: 32, cropHeight: 16)
      )
      // Within rounding: the jitter's mean sums the mirrored pixels in another order.
      #expect(largestDifference(views.1.left, views.0.left.flippedVertically()) < 1e-5)
      #expect(largestDifference(views.1.right, views.0.right.flippedVertically()) < 1e-5)
      #expect(largestDifference(views.1.left, views.0.left) > 0.01)
      let proxies = (
        plain.apply(to: proxy, cropWidth: 32, cropHeight: 16),
        flipped.apply(to: proxy, cropWidth: 32, cropHeight: 16)
      )
      #expect(
        proxies.1.leftDisparity.pixels == proxies.0.leftDisparity.flippedVertically().pixels
          && proxies.1.rightConfidence.pixels
            == proxies.0.rightConfidence.flippedVertically().pixels
      )
    }
    // Binomial: 400 draws at 1/2, σ = 10.
    #expect(abs(flips - 200) < 45, "\(flips) of 400 flipped")
  }

  /// The largest absolute difference between two images' values.
  private func largestDifference(_ a: Image, _ b: Image) -> Float {
    zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
  }

  @Test("Scale settings out of range are problems")
  func problems() {
    #expect(AugmentationConfiguration.scaleProblems(minimumCoverage: 0.01, maximumScale: 4) == [])
    #expect(AugmentationConfiguration.scaleProblems(minimumCoverage: 0, maximumScale: 1).count == 1)
    #expect(
      AugmentationConfiguration.scaleProblems(minimumCoverage: 1.5, maximumScale: 1).count == 1)
    #expect(
      AugmentationConfiguration.scaleProblems(minimumCoverage: 1, maximumScale: -1).count == 1)
    #expect(
      AugmentationConfiguration.scaleProblems(minimumCoverage: 1, maximumScale: .infinity).count
        == 1)
  }
}
