import Foundation
import StereoData
import StereoTensor

/// A folder under the system temporary directory, removed when the value is released.
final class TemporaryFolder {
  let url: URL

  init(_ name: String = #function) throws {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The URL of `path` inside the folder, creating its parent folders.
  func file(_ path: String) throws -> URL {
    let file = url.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    return file
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

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

/// The root of the real development data, `../shared/data` from the package root, or `nil`.
let sharedDataRoot: URL? = {
  let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
  return FileManager.default.fileExists(atPath: root.path) ? root : nil
}()
