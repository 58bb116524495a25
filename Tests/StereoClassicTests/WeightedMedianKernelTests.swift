import Foundation
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoClassic

/// The weighted median's C kernels against its Swift path, and its weight against `exp`.
@Suite("Weighted median kernels")
struct WeightedMedianKernelTests {
  /// A map of two surfaces (a slanted background and a nearer block whose disparity spills 3 px
  /// into the background, so that pixels move) with sub-pixel noise, 8 % unknown pixels (NaN and
  /// infinite), 1 % negative and 1 % huge ones, under a noisy guide of `channels` channels.
  static func scene(width: Int, height: Int, channels: Int, seed: UInt64) -> (Image, Image) {
    var generator = SeededGenerator(seed: seed)
    var map = [Float](repeating: 0, count: width * height)
    var guide = [Float](repeating: 0, count: width * height * channels)
    for y in 0..<height {
      for x in 0..<width {
        let block = x > width / 3 && x < 2 * width / 3 && y > height / 4
        let spill = x >= 2 * width / 3 && x < 2 * width / 3 + 3 && y > height / 4
        map[y * width + x] =
          (block || spill ? 30 : 5 + Float(x) * 0.2)
          + Float.random(in: -0.6...0.6, using: &generator)
        for c in 0..<channels {
          let base: Float = block ? (c == 0 ? 0.9 : 0.2) : 0.35
          guide[(y * width + x) * channels + c] = min(
            max(base + Float.random(in: -0.08...0.08, using: &generator), 0), 1)
        }
        let draw = Int.random(in: 0..<100, using: &generator)
        if draw < 8 { map[y * width + x] = draw == 0 ? .nan : .infinity }
        // Disparities no model should give, which the bins clamp: negative and huge ones.
        if draw == 8 { map[y * width + x] = -Float.random(in: 0.2...40, using: &generator) }
        if draw == 9 { map[y * width + x] = x % 2 == 0 ? 1e30 : 70_000 }
      }
    }
    return (
      Image(width: width, height: height, channels: 1, pixels: map),
      Image(width: width, height: height, channels: channels, pixels: guide)
    )
  }

  @Test(
    "Every lane width gives the Swift path's sums, map and count, bit for bit",
    arguments: [
      (37, 23, 3, 3, 1, 0, 0.1, 1), (64, 20, 3, 9, 1, 0, 0.1, 1), (65, 31, 1, 4, 2, 0, 0.1, 1),
      (50, 40, 3, 9, 2, 4, 0.1, 1), (17, 9, 3, 9, 3, 0, 0.1, 1), (8, 8, 1, 2, 1, 2, 0.1, 1),
      // A wider colour weight and a smaller tolerance (judged in session 49, docs/RUNS.md).
      (50, 40, 3, 9, 2, 4, 0.4, 0.5), (37, 23, 1, 9, 2, 4, 0.4, 0.5),
    ] as [(Int, Int, Int, Int, Int, Int, Double, Float)])
  func kernelsMatchSwift(
    width: Int, height: Int, channels: Int, radius: Int, step: Int, edgeSpan: Int,
    sigma: Double, tolerance: Float
  ) {
    let (map, guide) = Self.scene(
      width: width, height: height, channels: channels, seed: UInt64(width * 31 + radius))
    let filter = WeightedMedianFilter(
      radius: radius, sigmaColour: sigma, tolerance: tolerance, step: step, edgeSpan: edgeSpan)
    // Each filtered pixel's three sums as well as the maps: the maps alone would hide a change
    // in the last bits of a weight.
    var swiftSums = [Float](repeating: .nan, count: 3 * width * height)
    let swift = filter.apply(to: map, guide: guide, lanes: nil, sums: &swiftSums)
    #expect(swift.changed > 0, "pixels move, so the histograms run")
    #expect(swiftSums.contains { !$0.isNaN }, "pixels are filtered")
    for lanes in WeightedMedianFilter.laneChoices {
      var sums = [Float](repeating: .nan, count: 3 * width * height)
      let kernel = filter.apply(to: map, guide: guide, lanes: lanes, sums: &sums)
      #expect(
        zip(sums, swiftSums).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(lanes) lanes")
      #expect(kernel.changed == swift.changed, "\(lanes) lanes")
      #expect(
        zip(kernel.disparity.pixels, swift.disparity.pixels).allSatisfy {
          $0.bitPattern == $1.bitPattern
        }, "\(lanes) lanes")
    }
  }

  @Test("The weight is eˣ within 1.2e-4, 0 below the exponential's lower limit")
  func weightIsExponential() {
    for x in stride(from: Float(-87), through: 0, by: 0.013) {
      let exact = Foundation.exp(Double(x))
      #expect(abs(Double(WeightedMedianFilter.weight(x)) / exact - 1) < 1.2e-4, "x = \(x)")
    }
    #expect(WeightedMedianFilter.weight(0) == 1)
    #expect(WeightedMedianFilter.weight(-88) == 0)
    #expect(WeightedMedianFilter.weight(-1e9) == 0)
  }
}
