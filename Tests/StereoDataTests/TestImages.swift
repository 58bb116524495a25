import Foundation
import StereoData
import StereoTensor
import _StereoTestSupport

/// Test images: deterministic, with structure in x and y so that swaps, flips and offsets show.
enum TestImages {
  /// A `[height, width, channels]` image with values on the 8-bit grid (exact in PNG), varying
  /// with `seed`.
  static func pattern(width: Int, height: Int, channels: Int = 3, seed: UInt64 = 1) -> Image {
    var generator = SeededGenerator(seed: seed)
    var image = Image(width: width, height: height, channels: channels)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<channels {
          let level = (x * 7 + y * 13 + c * 50 + Int(generator.next() % 40)) % 256
          image[y, x, c] = Float(level) / 255
        }
      }
    }
    return image
  }

  /// A smooth image (low frequencies only) on the 8-bit grid: survives scaling and compression
  /// with small errors.
  static func smooth(width: Int, height: Int, phase: Float = 0) -> Image {
    var image = Image(width: width, height: height, channels: 3)
    for y in 0..<height {
      for x in 0..<width {
        let u = Float(x) / Float(width)
        let v = Float(y) / Float(height)
        let values: [Float] = [
          0.5 + 0.4 * sin(2 * .pi * (u + phase)), 0.5 + 0.4 * cos(2 * .pi * v),
          0.3 + 0.4 * u * v,
        ]
        for c in 0..<3 { image[y, x, c] = (values[c] * 255).rounded() / 255 }
      }
    }
    return image
  }
}
