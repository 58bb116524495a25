import Foundation
import StereoData
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// `DisparityPropagation` and the `propagation` setting: the finer scale starts from the
/// neighbours' estimates where they disagree.
@Suite("Propagation between scales")
struct DisparityPropagationTests {
  /// A step of depths at fine column 8 of a 16-wide map, and features that match there.
  ///
  /// The disparity is 2 left of the step and 8 from it on (the coarse map holds 1 and 4); the
  /// features match exactly at the true disparity:
  /// `own(x, c) = g_c(x + σ·d(x))`, `other(u, c) = g_c(u) = (c + 1)·u / 10` (linear, so the
  /// warp's interpolation is exact). `[1, 2, 8, 1]`, `[1, 4, 16, C]` twice, the truth `[16]`.
  static func step(side: StereoSide, channels: Int) -> (
    coarse: Tensor, own: Tensor, other: Tensor, truth: [Float]
  ) {
    let (h, w) = (2, 8)
    let truth = (0..<(2 * w)).map { Float($0 < 8 ? 2 : 8) }
    let coarse = Tensor(
      shape: [1, h, w, 1], scalars: (0..<(h * w)).map { Float($0 % w < 4 ? 1 : 4) })
    let sigma = Float(side.direction)
    var own: [Float] = []
    var other: [Float] = []
    for _ in 0..<(2 * h) {
      for x in 0..<(2 * w) {
        for c in 0..<channels {
          let scale = Float(c + 1) / 10
          // The other view's column, clamped as the warp clamps it.
          let u = min(max(Float(x) + sigma * truth[x], 0), Float(2 * w - 1))
          own.append(scale * u)
          other.append(scale * Float(x))
        }
      }
    }
    let shape = [1, 2 * h, 2 * w, channels]
    return (coarse, Tensor(shape: shape, scalars: own), Tensor(shape: shape, scalars: other), truth)
  }

  @Test(
    "At a depth edge each pixel takes the neighbour's estimate that matches (hand-derived)",
    arguments: [StereoSide.left, .right], [3, 8, 24])
  func edge(_ side: StereoSide, _ channels: Int) {
    let (coarse, own, other, truth) = Self.step(side: side, channels: channels)
    let result = DisparityPropagation.handOn(
      coarse, own: own, other: other, side: side, window: 1)
    #expect(result.shape == [1, 4, 16, 1])
    for row in result.scalars.chunked(16) { #expect(row == truth) }
    // The bilinear mix is what it replaces: 3.5 and 6.5 beside the step.
    let bilinear = coarse.upsampled2xScaled(by: 2).scalars
    #expect(Array(bilinear[6..<10]) == [2, 3.5, 6.5, 8])
  }

  @Test("The box keeps the edge where each pixel's own match is exact")
  func edgeWithBox() {
    let (coarse, own, other, truth) = Self.step(side: .left, channels: 8)
    let result = DisparityPropagation.handOn(coarse, own: own, other: other, side: .left)
    for row in result.scalars.chunked(16) { #expect(row == truth) }
  }

  @Test("Where the neighbours agree within the threshold it is the bilinear hand-on")
  func smooth() {
    // Coarse values within ±0.25 of each other: spans of at most 1 fine pixel.
    let coarse = randomTensor([2, 5, 6, 1], seed: 3, in: 3...3.5)
    let own = randomTensor([2, 10, 12, 8], seed: 4, in: -1...1)
    let other = randomTensor([2, 10, 12, 8], seed: 5, in: -1...1)
    for side in [StereoSide.left, .right] {
      let result = DisparityPropagation.handOn(coarse, own: own, other: other, side: side)
      #expect(result.scalars == coarse.upsampled2xScaled(by: 2).scalars)
    }
  }

  @Test("Every output is one of its pixel's ten candidates")
  func candidates() {
    let coarse = randomTensor([1, 6, 7, 1], seed: 6, in: 0...9)
    let own = randomTensor([1, 12, 14, 16], seed: 7, in: -1...1)
    let other = randomTensor([1, 12, 14, 16], seed: 8, in: -1...1)
    let result = DisparityPropagation.handOn(coarse, own: own, other: other, side: .left).scalars
    let bilinear = coarse.upsampled2xScaled(by: 2).scalars
    let d = coarse.scalars
    var moved = 0
    for y in 0..<12 {
      for x in 0..<14 {
        var options = [bilinear[y * 14 + x]]
        for i in 0..<3 {
          for j in 0..<3 {
            let (v, u) = (min(max(y / 2 + i - 1, 0), 5), min(max(x / 2 + j - 1, 0), 6))
            options.append(2 * d[v * 7 + u])
          }
        }
        let value = result[y * 14 + x]
        #expect(options.contains(value), "(\(y), \(x))")
        if value != bilinear[y * 14 + x] { moved += 1 }
      }
    }
    #expect(moved > 0)
  }

  @Test(
    "The C kernel gives the Swift path's bits", arguments: [1, 3, 4, 8, 12, 16, 24], [1, 3, 5])
  func kernelMatchesSwift(_ channels: Int, _ window: Int) {
    let coarse = randomTensor([2, 5, 7, 1], seed: UInt64(channels), in: 0...8)
    let own = randomTensor([2, 10, 14, channels], seed: 30, in: -1...1)
    let other = randomTensor([2, 10, 14, channels], seed: 31, in: -1...1)
    for side in [StereoSide.left, .right] {
      for threshold: Float in [0, 2, 6] {
        let plain = DisparityPropagation.handOn(
          coarse, own: own, other: other, side: side, threshold: threshold, window: window,
          vectorized: false)
        let fast = DisparityPropagation.handOn(
          coarse, own: own, other: other, side: side, threshold: threshold, window: window,
          vectorized: true)
        #expect(fast.scalars == plain.scalars, "\(side) threshold \(threshold)")
      }
    }
  }

  @Test("Stored only when on; older checkpoints decode as 0; refused where it cannot run")
  func storage() throws {
    var configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 31, cosineCorrelation: true, propagation: 2)
    #expect(configuration.problems.isEmpty)
    let stored = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    #expect(stored.contains("\"propagation\":2"))
    #expect(
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(stored.utf8)) == configuration)
    configuration.propagation = 0
    let plain = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    #expect(!plain.contains("propagation"))
    #expect(
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(plain.utf8)) == configuration)
    #expect(!WNetConfiguration(preset: .realtime, propagation: 1).problems.isEmpty)
    for bad in [-1, 4] {
      var wrong = configuration
      wrong.propagation = bad
      #expect(wrong.problems.first?.contains("propagation") == true, "\(bad)")
    }
    var quarter = configuration
    quarter.quarterCoarse = true
    quarter.propagation = 3
    #expect(!quarter.problems.isEmpty)
    quarter.propagation = 2
    #expect(quarter.problems.isEmpty)
    let model = WNet(configuration: configuration, seed: 4)
    var on = configuration
    on.propagation = 3
    #expect(configuration.hasSameParameters(as: on))
    #expect(model.reconfigured(on).parameters.names == model.parameters.names)
  }

  /// With P hand-ons propagating, only the first P leave the bilinear hand-on.
  ///
  /// Hand-on i (1-based) starts from `2·bilinear×2` of the previous scale's estimate exactly when
  /// i > P, and from another map (propagation moved pixels) when i ≤ P. The previous estimate is
  /// recomputed from its scores and base, as the network reads them.
  @Test("Only the first P hand-ons propagate", arguments: [0, 1, 2, 3])
  func handOnCount(_ count: Int) throws {
    // The bundled model on a ray-cast scene with depth edges up to 40 px: every hand-on sees
    // neighbourhoods that disagree.
    let bundled = try PretrainedModel.load().model
    var configuration = bundled.configuration
    configuration.propagation = count
    let model = bundled.reconfigured(configuration)
    let (scales, builder) = try leftScales(
      model, input: syntheticInput(width: 128, height: 96, maximumDisparity: 40, seed: 3))
    #expect(scales.count == 4)
    for index in 1..<scales.count {
      let previous = scales[index - 1]
      // The bundled model hands on local estimates (the most likely candidate and its
      // neighbours).
      let estimate = DisparityConfidence.localExpectedDisparity(
        logits: builder.tensor(previous.left), minimumDisparity: previous.minimumDisparity,
        radius: MatchingWNet.localEstimateRadius,
        base: previous.leftBase.map { builder.tensor($0) })
      let bilinear = estimate.upsampled2xScaled(by: 2).scalars
      let base = builder.tensor(try #require(scales[index].leftBase)).scalars
      #expect((base == bilinear) == (index > count), "hand-on \(index) with \(count)")
    }
  }
}

extension Array {
  fileprivate func chunked(_ size: Int) -> [[Element]] {
    stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
  }
}
