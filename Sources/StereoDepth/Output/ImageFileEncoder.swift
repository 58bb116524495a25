import Foundation
import StereoTensor
import StereoData

/// Turns an ``Image`` into the bytes of an image file: the hook through which outputs are saved.
///
/// Writers in this module produce ``Image`` values (colour maps, masks, disparities) and hand them
/// to an encoder, so the file format is the caller's choice: PNG through the shared codec, or the
/// plain Netpbm and PFM encoders this package uses in tests and tools.
public protocol ImageFileEncoder: Sendable {
  /// The file name extension for `image`, without the dot (e.g. `"png"`).
  func fileExtension(for image: Image) -> String
  /// The file's bytes.
  ///
  /// - Throws: When `image` cannot be stored in this format.
  func encode(_ image: Image) throws -> Data
}

extension ImageFileEncoder {
  /// Encodes `image` and writes it atomically to `base` plus this encoder's extension.
  ///
  /// - Parameters:
  ///   - image: The image.
  ///   - base: The destination without extension, e.g. `out/scene/left`.
  /// - Returns: The file written.
  /// - Throws: Encoding errors and ``AtomicFile/WriteError``.
  @discardableResult
  public func write(_ image: Image, toBase base: URL) throws -> URL {
    let url = base.appendingPathExtension(fileExtension(for: image))
    try AtomicFile.write(try encode(image), to: url)
    return url
  }
}

/// An image the encoder cannot store.
package struct UnsupportedImageError: Error, CustomStringConvertible {
  package var description: String
}

/// 8-bit binary Netpbm: `P5` (PGM) for 1 channel, `P6` (PPM) for 3.
///
/// Values in [0, 1] are clamped and stored as `round(255·value)`; non-finite values as 0.
package struct NetpbmEncoder: ImageFileEncoder {
  package init() {}

  package func fileExtension(for image: Image) -> String { image.channels == 1 ? "pgm" : "ppm" }

  package func encode(_ image: Image) throws -> Data {
    guard image.channels == 1 || image.channels == 3 else {
      throw UnsupportedImageError(
        description: "Netpbm stores 1 or 3 channels, not \(image.channels)")
    }
    var data = Data(
      "\(image.channels == 1 ? "P5" : "P6")\n\(image.width) \(image.height)\n255\n".utf8)
    data.append(
      contentsOf: image.pixels.map { value -> UInt8 in
        value.isFinite ? UInt8((255 * min(max(value, 0), 1)).rounded()) : 0
      })
    return data
  }
}

/// Portable float map, as Middlebury's `disp0GT.pfm`.
///
/// `Pf` (1 channel) or `PF` (3), little-endian 32-bit floats, rows stored bottom to top.
/// Non-finite values (unknown) are kept, so Middlebury's `inf` for unknown survives.
package struct PFMEncoder: ImageFileEncoder {
  package init() {}

  package func fileExtension(for image: Image) -> String { "pfm" }

  package func encode(_ image: Image) throws -> Data {
    guard image.channels == 1 || image.channels == 3 else {
      throw UnsupportedImageError(description: "PFM stores 1 or 3 channels, not \(image.channels)")
    }
    // A negative scale marks little-endian data.
    var data = Data(
      "\(image.channels == 1 ? "Pf" : "PF")\n\(image.width) \(image.height)\n-1\n".utf8)
    let rowLength = image.width * image.channels
    data.reserveCapacity(data.count + 4 * image.pixels.count)
    for y in stride(from: image.height - 1, through: 0, by: -1) {
      for value in image.pixels[(y * rowLength)..<((y + 1) * rowLength)] {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    return data
  }
}
