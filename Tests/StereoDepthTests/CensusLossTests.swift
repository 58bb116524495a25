import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The soft census term against a plain loop over pixels and offsets, its brightness invariance,
/// and its gradient against finite differences.
@Suite("Census appearance loss")
struct CensusLossTests {
  /// UnFlow's ternary distance written out per pixel, edges replicated: the reference.
  private func referenceDistance(_ x: Tensor, _ y: Tensor, radius: Int) -> [Float] {
    let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
    func grey(_ t: Tensor, _ b: Int, _ row: Int, _ column: Int) -> Float {
      let r = min(max(row, 0), h - 1)
      let c = min(max(column, 0), w - 1)
      let base = ((b * h + r) * w + c) * 3
      let s = t.scalars
      return 255 * (0.2989 * s[base] + 0.5870 * s[base + 1] + 0.1140 * s[base + 2])
    }
    func soft(_ t: Tensor, _ b: Int, _ i: Int, _ j: Int, _ dy: Int, _ dx: Int) -> Float {
      let delta = grey(t, b, i + dy, j + dx) - grey(t, b, i, j)
      return delta / (0.81 + delta * delta).squareRoot()
    }
    var result: [Float] = []
    for b in 0..<n {
      for i in 0..<h {
        for j in 0..<w {
          var sum: Float = 0
          var count = 0
          for dy in -radius...radius {
            for dx in -radius...radius where dy != 0 || dx != 0 {
              let e = soft(x, b, i, j, dy, dx) - soft(y, b, i, j, dy, dx)
              sum += e * e / (0.1 + e * e)
              count += 1
            }
          }
          result.append(sum / Float(count))
        }
      }
    }
    return result
  }

  @Test("Equals the per-pixel loop (7×7 and 3×3 windows)", arguments: [3, 1])
  func matchesReference(radius: Int) {
    let x = randomTensor([2, 6, 9, 3], seed: 1, in: 0...1)
    let y = randomTensor([2, 6, 9, 3], seed: 2, in: 0...1)
    let distance = CensusLoss.perPixel(x, y, radius: radius)
    #expect(distance.shape == [2, 6, 9, 1])
    let reference = referenceDistance(x, y, radius: radius)
    let worst = zip(distance.scalars, reference).map { abs($0 - $1) }.max() ?? 1
    #expect(worst < 1e-5, "largest difference \(worst)")
    #expect(
      CensusLoss.transform(x, radius: radius).shape == [
        2, 6, 9, (2 * radius + 1) * (2 * radius + 1) - 1,
      ])
  }

  @Test("A brightness offset leaves it at 0, where L1 sees the offset")
  func brightnessInvariant() {
    let x = randomTensor([1, 8, 8, 3], seed: 3, in: 0.2...0.7)
    let brighter = x + 0.1
    #expect(CensusLoss.perPixel(x, brighter).scalars.allSatisfy { abs($0) < 1e-6 })
    #expect(AppearanceLoss.perPixel(x, brighter, ssimWeight: 0).mean().scalar > 0.09)
    // A different image is far: most offsets disagree.
    let other = randomTensor([1, 8, 8, 3], seed: 4, in: 0...1)
    #expect(CensusLoss.perPixel(x, other).mean().scalar > 0.3)
  }

  @Test("The gradient matches finite differences")
  func gradient() {
    // Smooth images, so that the soft signs are not saturated and the gradients are not tiny.
    let target = randomTensor([1, 5, 6, 3], seed: 5, in: 0.4...0.42)
    let rendered = randomTensor([1, 5, 6, 3], seed: 6, in: 0.4...0.42)
    for radius in [1, 3] {
      let checks = checkGradients(at: [rendered, target], step: 5e-5) { x in
        CensusLoss.perPixel(x[0], x[1], radius: radius)
      }
      for check in checks { #expect(check.worstError < 2e-2, "radius \(radius): \(check)") }
    }
  }

  @Test("The appearance term uses it with census on; stored losses without the key decode off")
  func configuration() throws {
    let x = randomTensor([1, 6, 7, 3], seed: 7, in: 0...1)
    let y = randomTensor([1, 6, 7, 3], seed: 8, in: 0...1)
    let census = AppearanceLoss.perPixel(x, y, ssimWeight: 0, census: true)
    #expect(census.scalars == CensusLoss.perPixel(x, y).scalars)
    // With SSIM: α·(1 − SSIM)/2 + (1 − α)·census.
    let mixed = AppearanceLoss.perPixel(x, y, ssimWeight: 0.85, census: true)
    let ssimPart = AppearanceLoss.perPixel(x, y, ssimWeight: 1)
    let expected = ssimPart * 0.85 + census * 0.15
    #expect(zip(mixed.scalars, expected.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    let json = """
      {"smoothness": "edgeAware", "smoothnessWeight": 0.1, "ssimWeight": 0,
       "consistencyWeight": 0, "masksOutOfBounds": true, "proxyWeight": 0}
      """
    let decoded = try JSONDecoder().decode(LossConfiguration.self, from: Data(json.utf8))
    #expect(!decoded.census)
    var changed = decoded
    changed.census = true
    let roundTrip = try JSONDecoder().decode(
      LossConfiguration.self, from: try JSONEncoder().encode(changed))
    #expect(roundTrip.census)
  }
}
