import Foundation
import StereoClassic
import StereoData
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The left-right check, the invalid-pixel rule, and the estimator's two-view plan.
@Suite("Invalid pixels: left-right check and confidence")
struct InvalidPixelRuleTests {
  // By hand, one row of width 5, left view (direction −1), u = x − d_L(x):
  //   d_L = [0, 1, 1.5, 2, 5],  d_R = [1, 3, 2, 2, 0]
  //   x=0: u=0   → d_R=1               e = |0 − 1|   = 1
  //   x=1: u=0   → 1                   e = |1 − 1|   = 0
  //   x=2: u=0.5 → 0.5·1 + 0.5·3 = 2   e = |1.5 − 2| = 0.5
  //   x=3: u=1   → 3                   e = |2 − 3|   = 1
  //   x=4: u=−1  → outside             e = ∞
  static let left: [Float] = [0, 1, 1.5, 2, 5]
  static let right: [Float] = [1, 3, 2, 2, 0]

  @Test("The disagreement |d_L(x) − d_R(x − d_L(x))| matches hand-computed values")
  func difference() {
    let e = LeftRightConsistency.difference(
      own: Tensor(shape: [1, 1, 5, 1], scalars: Self.left),
      other: Tensor(shape: [1, 1, 5, 1], scalars: Self.right), direction: -1
    ).scalars
    #expect(Array(e[0..<4]) == [1, 0, 0.5, 1])
    #expect(e[4] == .infinity)
    // The right view (direction +1), u = x + d_R: x=0 → u=1 → d_L=1, e=0; x=4 → u=4 → 5, e=5.
    let r = LeftRightConsistency.difference(
      own: Tensor(shape: [1, 1, 5, 1], scalars: Self.right),
      other: Tensor(shape: [1, 1, 5, 1], scalars: Self.left), direction: 1
    ).scalars
    #expect(r[0] == 0 && r[4] == 5)
    // x=1: u=4 → 5, e=2; x=2: u=4 → e=3; x=3: u=5 → outside.
    #expect(r[1] == 2 && r[2] == 3 && r[3] == .infinity)
  }

  @Test("The rule marks e > τ or p < p_min, and the confidence is p·exp(−e/τ), by hand")
  func rule() {
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 1, minimumPeakProbability: 0.2, speckles: .off, median: nil,
      holes: nil)
    let disparity = Image(width: 5, height: 1, channels: 1, pixels: Self.left)
    let peak = Image(width: 5, height: 1, channels: 1, pixels: [0.9, 0.9, 0.1, 0.5, 0.9])
    let e = Image(width: 5, height: 1, channels: 1, pixels: [1, 0, 0.5, 1, .infinity])
    let (marked, confidence, count) = rule.apply(
      disparity: disparity, peak: peak, leftRightDifference: e)
    // x=2 has p = 0.1 < 0.2; x=4 cannot be checked.
    #expect(marked.pixels == [0, 1, .infinity, 2, .infinity])
    #expect(count == 3)
    // 0.9·e⁻¹, 0.9, 0.1·e^−0.5, 0.5·e⁻¹, 0.
    let expected: [Float] = [0.331_091, 0.9, 0.060_653, 0.183_940, 0]
    for (a, b) in zip(confidence.pixels, expected) { #expect(abs(a - b) < 1e-5) }
    // A NaN disagreement (next to an unchecked pixel after resizing) is invalid.
    #expect(!rule.isValid(peak: 1, leftRightDifference: .nan))
  }

  @Test(
    "Every pixel, eight at a time and in the tail, as the per-pixel rule says, bit for bit",
    arguments: [false, true])
  func vectorPassMatchesPixelRule(vectorized: Bool) {
    guard !vectorized || VectorKernels.available else { return }  // no AVX2 here
    // 3 × 37 = 111 pixels: 13 vectors of eight and a tail of seven. Disagreements around τ,
    // infinite and NaN; a few disparities infinite or NaN, a few peaks NaN. With `vectorized`,
    // the vectors go through the C kernel (`wnet_invalid_pixel_pass8`), the tail through Swift.
    var generator = SeededGenerator(seed: 5)
    let count = 111
    let e: [Float] = (0..<count).map { i in
      i % 11 == 3 ? .infinity : i % 13 == 5 ? .nan : Float.random(in: 0...3, using: &generator)
    }
    let p: [Float] = (0..<count).map { i in
      i % 23 == 9 ? .nan : Float.random(in: 0...1, using: &generator)
    }
    let d: [Float] = (0..<count).map { i in
      i % 17 == 2 ? .infinity : i % 19 == 7 ? .nan : Float.random(in: 0...60, using: &generator)
    }
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 1.5, minimumPeakProbability: 0.3, speckles: .off, median: nil,
      holes: nil)
    let (marked, confidence, kept) = rule.apply(
      disparity: Image(width: 37, height: 3, channels: 1, pixels: d),
      peak: Image(width: 37, height: 3, channels: 1, pixels: p),
      leftRightDifference: Image(width: 37, height: 3, channels: 1, pixels: e), guide: nil,
      rightDisparity: nil, checkScale: 1, vectorized: vectorized)
    let valid = (0..<count).map {
      rule.isValid(peak: p[$0], leftRightDifference: e[$0]) && d[$0].isFinite
    }
    #expect(
      marked.pixels.map(\.bitPattern)
        == (0..<count).map { (valid[$0] ? d[$0] : .infinity).bitPattern })
    #expect(
      confidence.pixels.map(\.bitPattern)
        == (0..<count).map { rule.confidence(peak: p[$0], leftRightDifference: e[$0]).bitPattern })
    #expect(kept == valid.filter { $0 }.count)
    // The test can fail: both kept and rejected pixels occur.
    #expect(kept > 10 && kept < count - 10)
  }

  @Test(
    "The two-view plan gives the left-only plan's left view, and the autodiff graph's right view",
    arguments: [WNetPreset.realtime, .matching])
  func bothViewsPlan(preset: WNetPreset) throws {
    let configuration = WNetConfiguration(
      preset: preset, minimumDisparity: 0, maximumDisparity: preset == .matching ? 31 : 15)
    let model = WNet(configuration: configuration, seed: 11)
    let pair = constantShiftPair(batch: 1, height: 32, width: 64, shift: 4, seed: 3)
    let estimator = DisparityEstimator(model: model)
    let single = estimator.estimate(left: pair.left, right: pair.right)
    let both = estimator.estimateBothViews(left: pair.left, right: pair.right)
    #expect(Self.maximumDifference(single.disparity, both.disparity) < 1e-4)
    #expect(Self.maximumDifference(single.peak, both.peak) < 1e-5)
    // The training graph (batch norm in inference mode) renders both views: its expected
    // disparities give the check independently of the plan.
    var context = ForwardContext.inference
    let output = withoutGradients { model(left: pair.left, right: pair.right, context: &context) }
    let expected = LeftRightConsistency.difference(
      own: output.left.disparity.detached, other: output.right.disparity.detached, direction: -1)
    let (a, b) = (both.leftRightDifference.scalars, expected.scalars)
    var worst: Float = 0
    for (planValue, graphValue) in zip(a, b) where planValue.isFinite || graphValue.isFinite {
      // Disparities agree within ~1e-4 px; e follows within a few times that.
      worst = Swift.max(worst, Swift.abs(planValue - graphValue))
    }
    #expect(worst < 2e-3, "left-right difference plan vs graph: \(worst)")
  }

  @Test(
    "A right view one scale coarser: the check reads the graph's 1/2-scale one, ×2 and up-sampled")
  func coarserRightView() throws {
    let (model, estimator, pair) = Self.smallMatching()
    let same = estimator.estimateBothViews(
      left: pair.left, right: pair.right, rightDroppingScales: 0)
    let coarser = estimator.estimateBothViews(
      left: pair.left, right: pair.right, rightDroppingScales: 1)
    #expect(Self.maximumDifference(same.disparity, coarser.disparity) < 1e-5)
    #expect(Self.maximumDifference(same.peak, coarser.peak) < 1e-5)
    // The training graph's right view at 1/2, in its own pixels: up-sampled to 32x64 with
    // half-pixel centres and doubled, then the check against the graph's finest left view.
    var context = ForwardContext.inference
    let output = withoutGradients { model(left: pair.left, right: pair.right, context: &context) }
    let half = try #require(output.scales.first { $0.factor == 2 })
    let right = half.right.disparity.detached.resizedBilinear(height: 32, width: 64) * 2
    let expected = LeftRightConsistency.difference(
      own: output.left.disparity.detached, other: right, direction: -1)
    var (worst, changed) = (Float(0), false)
    for (index, value) in coarser.leftRightDifference.scalars.enumerated() {
      let graphValue = expected.scalars[index]
      #expect(value.isFinite == graphValue.isFinite)
      if value.isFinite && graphValue.isFinite { worst = max(worst, abs(value - graphValue)) }
      changed = changed || abs(value - same.leftRightDifference.scalars[index]) > 1e-3
    }
    #expect(worst < 2e-3, "left-right difference plan vs graph: \(worst)")
    #expect(changed, "the coarser right view changes the check somewhere")
    // A single-scale network has no coarser scale: the request changes nothing.
    let realtime = DisparityEstimator(
      model: WNet(
        configuration: WNetConfiguration(
          preset: .realtime, minimumDisparity: 0, maximumDisparity: 15),
        seed: 11))
    let plain = realtime.estimateBothViews(
      left: pair.left, right: pair.right, rightDroppingScales: 0)
    let asked = realtime.estimateBothViews(
      left: pair.left, right: pair.right, rightDroppingScales: 2)
    #expect(plain.leftRightDifference.scalars == asked.leftRightDifference.scalars)
  }

  @Test(
    "Border padding: the maps of views padded by hand (edge columns at the left, or edge rows at the top and bottom), cropped back",
    arguments: [
      (0, 3, 3, false), (0, 8, 8, false), (1, 3, 4, false), (0, 3, 3, true), (0, 8, 8, true),
      (1, 3, 4, true),
    ])
  func borderPadding(dropped: Int, padding: Int, rounded: Int, rows: Bool) throws {
    let (_, estimator, pair) = Self.smallMatching()
    let padded = estimator.estimateBothViews(
      left: pair.left, right: pair.right, droppingFinestScales: dropped,
      borderPadding: rows ? 0 : padding, rowPadding: rows ? padding : 0)
    // `rounded`: the padding rounded up to the output factor (2 with one scale dropped).
    func byHand(_ view: Tensor) -> Tensor {
      Self.edgePadded(view, left: rows ? 0 : rounded, rows: rows ? rounded : 0)
    }
    let hand = estimator.estimateBothViews(
      left: byHand(pair.left), right: byHand(pair.right), droppingFinestScales: dropped)
    let factor = 1 << dropped
    let (height, width, first) = (32 / factor, 64 / factor, rounded / factor)
    func cropped(_ map: Tensor) -> Tensor {
      map.slice(axis: 1, rows ? first..<(first + height) : 0..<height)
        .slice(axis: 2, rows ? 0..<width : first..<(first + width))
    }
    #expect(padded.disparity.shape == [1, height, width, 1])
    // The check runs on the cropped maps: a match beyond the view's edge is unchecked (+∞)
    // even where the padded maps had a padded column there. The test can fail: the padding
    // changes the maps near the borders.
    Self.expectCropped(
      padded, of: hand, by: cropped,
      unlike: estimator.estimateBothViews(
        left: pair.left, right: pair.right, droppingFinestScales: dropped
      ).disparity)
  }

  /// `view` (`[1, H, W, C]`) with its first column repeated `left` times at its left side and its
  /// first and last rows `rows` times above and below it, built by hand.
  static func edgePadded(_ view: Tensor, left: Int, rows: Int) -> Tensor {
    let (h, w, c) = (view.shape[1], view.shape[2], view.shape[3])
    let (tall, wide) = (h + 2 * rows, w + left)
    let source = view.scalars
    var result = [Float](repeating: 0, count: tall * wide * c)
    for y in 0..<tall {
      let row = Swift.min(Swift.max(y - rows, 0), h - 1)
      for x in 0..<wide {
        let from = Swift.max(x - left, 0)
        for channel in 0..<c {
          result[(y * wide + x) * c + channel] = source[(row * w + from) * c + channel]
        }
      }
    }
    return Tensor(shape: [1, tall, wide, c], scalars: result)
  }

  @Test("The rule's default border padding is the model's: 16 columns for matching, 0 for realtime")
  func defaultBorderPadding() throws {
    let (_, matching, pair) = Self.smallMatching()
    let (left, right) = (Image(pair.left), Image(pair.right))
    func disparity(_ estimator: DisparityEstimator, _ padding: Int?, _ range: Float) throws
      -> [Float]
    {
      let rule = InvalidPixelRule(speckles: .off, median: nil, holes: nil, borderPadding: padding)
      return try estimator.predict(
        left: left, right: right, maximumDisparity: range, invalidPixels: rule
      ).disparity.pixels
    }
    let byDefault = try disparity(matching, nil, 31)
    #expect(byDefault == (try disparity(matching, 16, 31)))
    #expect(byDefault != (try disparity(matching, 0, 31)), "the padding changes the map")
    let realtime = DisparityEstimator(
      model: WNet(
        configuration: WNetConfiguration(
          preset: .realtime, minimumDisparity: 0, maximumDisparity: 15),
        seed: 2))
    #expect((try disparity(realtime, nil, 15)) == (try disparity(realtime, 0, 15)))
    #expect((try disparity(realtime, nil, 15)) != (try disparity(realtime, 8, 15)))
  }

  @Test(
    "predict builds the views padded as estimateBothViews pads them; the kept distribution is the unpadded views'"
  )
  func predictPadsOnce() throws {
    let (_, estimator, pair) = Self.smallMatching()
    let (left, right) = (Image(pair.left), Image(pair.right))
    let rule = InvalidPixelRule(speckles: .off, median: nil, holes: nil, borderPadding: 8)
    let marked = try estimator.predict(
      left: left, right: right, maximumDisparity: 31, keepProbabilities: true,
      invalidPixels: rule)
    let both = estimator.estimateBothViews(
      left: pair.left, right: pair.right,
      rightDroppingScales: InvalidPixelRule.defaultRightViewScalesDropped,
      rightHandOnPropagated: InvalidPixelRule.defaultRightViewHandOn == .propagated,
      borderPadding: 8)
    #expect(marked.disparity.pixels == both.disparity.scalars)
    let difference = try #require(marked.leftRightDifference).pixels
    #expect(
      zip(difference, both.leftRightDifference.scalars).allSatisfy { $0 == $1 },
      "the left-right disagreement of the padded views")
    let plain = try estimator.predict(
      left: left, right: right, maximumDisparity: 31, keepProbabilities: true)
    let kept = try #require(marked.probabilities)
    // The finest scale's offsets, at the views' size, not the padded views'.
    #expect(kept.shape.prefix(3) == [1, 32, 64])
    #expect(kept.scalars == (try #require(plain.probabilities)).scalars)
    #expect(plain.disparity.pixels != marked.disparity.pixels, "the padding changes the map")
  }

  @Test("predict marks exactly the pixels the rule rejects; dense keeps all and skips the check")
  func predictMarks() throws {
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 15)
    let model = WNet(configuration: configuration, seed: 2)
    let pair = constantShiftPair(batch: 1, height: 32, width: 64, shift: 4, seed: 8)
    let (left, right) = (Image(pair.left), Image(pair.right))
    let estimator = DisparityEstimator(model: model)
    let dense = try estimator.predict(left: left, right: right, maximumDisparity: 15)
    #expect(dense.validDisparity.pixels == dense.disparity.pixels)
    #expect(dense.leftRightDifference == nil && dense.density == 1)
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 0.5, speckles: .off, median: nil, holes: nil)
    let marked = try estimator.predict(
      left: left, right: right, maximumDisparity: 15, invalidPixels: rule)
    let e = try #require(marked.leftRightDifference)
    var valid = 0
    for index in marked.disparity.pixels.indices {
      let keep = e.pixels[index] <= 0.5
      valid += keep ? 1 : 0
      #expect(
        marked.validDisparity.pixels[index] == (keep ? dense.disparity.pixels[index] : .infinity))
    }
    #expect(valid > 0 && valid < e.pixels.count, "a random model both agrees and disagrees")
    #expect(abs(marked.density - Double(valid) / Double(e.pixels.count)) < 1e-12)
    // With speckles removed: the checked map, filtered after, and its density.
    var speckled = rule
    speckled.speckles = SpeckleFilter(maximumSize: 20, maximumDifference: 0.05)
    let filtered = try estimator.predict(
      left: left, right: right, maximumDisparity: 15, invalidPixels: speckled)
    let expected = speckled.speckles.apply(to: marked.validDisparity)
    #expect(expected.removed > 0, "a random model leaves speckles")
    #expect(filtered.validDisparity == expected.disparity)
    #expect(
      abs(filtered.density - Double(valid - expected.removed) / Double(e.pixels.count)) < 1e-12)
    // With the weighted median: the speckle-filtered map, filtered after with the left view as
    // the guide; the density is the speckle filter's.
    var median = speckled
    median.median = WeightedMedianFilter(radius: 2, sigmaColour: 0.1, tolerance: 0.5)
    let sharpened = try estimator.predict(
      left: left, right: right, maximumDisparity: 15, invalidPixels: median)
    let moved = try #require(median.median).apply(to: expected.disparity, guide: left)
    #expect(moved.changed > 0, "a random model has pixels off their neighbours' median")
    #expect(sharpened.validDisparity == moved.disparity)
    #expect(sharpened.density == filtered.density)
    // The default rule has the median at depth edges and ends with the hole fill.
    #expect(InvalidPixelRule.standard.median == .edges && InvalidPixelRule().median == .edges)
    #expect(InvalidPixelRule.standard.holes == .standard && InvalidPixelRule().holes == .standard)
  }

  @Test(
    "Timing: left view only against both views and the check, matching at 640x480",
    .enabled(if: ProcessInfo.processInfo.environment["WNET_TIMING"] != nil))
  func timing() {
    let model = WNet(configuration: WNetConfiguration(preset: .matching), seed: 1)
    let pair = constantShiftPair(batch: 1, height: 480, width: 640, shift: 20, seed: 1)
    let estimator = DisparityEstimator(model: model)
    func best(_ body: () -> Void) -> Double {
      body()  // plans and primitives are created on the first call
      var times: [Double] = []
      for _ in 0..<7 {
        let start = Date()
        body()
        times.append(Date().timeIntervalSince(start))
      }
      return times.sorted()[times.count / 2] * 1000
    }
    let single = best { _ = estimator.estimate(left: pair.left, right: pair.right) }
    let both = best { _ = estimator.estimateBothViews(left: pair.left, right: pair.right) }
    print(
      String(
        format: "matching 640x480: left only %.1f ms, both views + check %.1f ms", single, both))
  }

  /// The `matching` network of these tests (seeded weights, candidates 0…31), its estimator,
  /// and a 32×64 pair shifted by 4 px.
  static func smallMatching() -> (
    model: WNet, estimator: DisparityEstimator, pair: (left: Tensor, right: Tensor)
  ) {
    let configuration = WNetConfiguration(
      preset: .matching, minimumDisparity: 0, maximumDisparity: 31)
    let model = WNet(configuration: configuration, seed: 11)
    return (
      model, DisparityEstimator(model: model),
      constantShiftPair(batch: 1, height: 32, width: 64, shift: 4, seed: 3)
    )
  }

  /// The maps of `estimateBothViews` on padded views against those of views padded by hand
  /// (`byHand`), `crop`ped back: the same maps, and the left-right check of the cropped maps;
  /// the disparity differs from `unpadded` (the views' own map) somewhere.
  static func expectCropped(
    _ padded: (
      disparity: Tensor, peak: Tensor, leftRightDifference: Tensor, rightDisparity: Tensor
    ),
    of byHand: (
      disparity: Tensor, peak: Tensor, leftRightDifference: Tensor, rightDisparity: Tensor
    ),
    by crop: (Tensor) -> Tensor, unlike unpadded: Tensor
  ) {
    #expect(maximumDifference(padded.disparity, unpadded) > 1e-3)
    #expect(maximumDifference(padded.disparity, crop(byHand.disparity)) < 1e-5)
    #expect(maximumDifference(padded.peak, crop(byHand.peak)) < 1e-5)
    #expect(maximumDifference(padded.rightDisparity, crop(byHand.rightDisparity)) < 1e-5)
    let expected = LeftRightConsistency.difference(
      own: crop(byHand.disparity), other: crop(byHand.rightDisparity), direction: -1)
    let pairs = zip(padded.leftRightDifference.scalars, expected.scalars)
    #expect(pairs.filter { $0.0.isFinite != $0.1.isFinite }.isEmpty)
    let finite = pairs.filter { $0.0.isFinite }
    #expect(finite.count > 0 && finite.allSatisfy { abs($0.0 - $0.1) < 1e-4 })
  }

  static func maximumDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
  }
}
