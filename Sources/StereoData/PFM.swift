import Foundation

/// The Portable Float Map format, as Middlebury and ETH3D store disparity.
///
/// A header of three whitespace-separated tokens, then one whitespace byte, then raw 32-bit
/// floats: `Pf` (1 channel) or `PF` (3 channels), `width height`, and a scale whose sign gives the
/// byte order (negative = little endian). Rows are stored **bottom to top**. Middlebury marks
/// unknown disparity as `+inf`, which ``Image`` keeps as it is.
enum PFM {
  /// Whether `data` starts like a PFM file.
  static func matches(_ data: Data) -> Bool {
    data.count >= 3 && data[data.startIndex] == UInt8(ascii: "P")
      && (data[data.startIndex + 1] == UInt8(ascii: "f")
        || data[data.startIndex + 1] == UInt8(ascii: "F"))
      && isWhitespace(data[data.startIndex + 2])
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
  }

  /// Decodes a PFM file held in `data`; `url` names it in errors.
  static func decode(_ data: Data, url: URL) throws -> Image {
    let bytes = [UInt8](data)
    var offset = 0
    func token() -> String? {
      while offset < bytes.count, isWhitespace(bytes[offset]) { offset += 1 }
      let start = offset
      while offset < bytes.count, !isWhitespace(bytes[offset]), offset - start < 32 { offset += 1 }
      return start < offset ? String(decoding: bytes[start..<offset], as: UTF8.self) : nil
    }
    guard let magic = token(), magic == "Pf" || magic == "PF" else {
      throw StereoDataError(.corrupt, url, "not a PFM file (bad signature)")
    }
    guard let widthText = token(), let width = Int(widthText), let heightText = token(),
      let height = Int(heightText), width > 0, height > 0, width <= 65535, height <= 65535
    else {
      throw StereoDataError(.corrupt, url, "corrupt PFM header (bad width or height)")
    }
    guard let scaleText = token(), let scale = Double(scaleText), scale != 0, scale.isFinite else {
      throw StereoDataError(.corrupt, url, "corrupt PFM header (bad scale)")
    }
    guard offset < bytes.count, isWhitespace(bytes[offset]) else {
      throw StereoDataError(.corrupt, url, "file is truncated (no pixel data)")
    }
    offset += 1  // the single whitespace byte that ends the header
    let channels = magic == "PF" ? 3 : 1
    let rowCount = width * channels
    let expected = rowCount * height * 4
    guard bytes.count - offset >= expected else {
      throw StereoDataError(
        .corrupt, url,
        "file is truncated (\(bytes.count - offset) bytes of pixels, expected \(expected))")
    }
    let littleEndian = scale < 0
    var pixels = [Float](repeating: 0, count: rowCount * height)
    bytes.withUnsafeBytes { raw in
      for storedRow in 0..<height {
        let y = height - 1 - storedRow  // bottom row first
        for i in 0..<rowCount {
          let bits = raw.loadUnaligned(
            fromByteOffset: offset + (storedRow * rowCount + i) * 4, as: UInt32.self)
          pixels[y * rowCount + i] = Float(
            bitPattern: littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
        }
      }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
  }

  /// Encodes a 1- or 3-channel image as little-endian PFM (scale `-1`), bit-exactly.
  static func encode(_ image: Image) -> Data {
    precondition(
      image.channels == 1 || image.channels == 3,
      "PFM holds 1 or 3 channels, got \(image.channels)")
    var data = Data(
      "\(image.channels == 3 ? "PF" : "Pf")\n\(image.width) \(image.height)\n-1\n".utf8)
    let rowCount = image.width * image.channels
    var body = [UInt32](repeating: 0, count: rowCount * image.height)
    for storedRow in 0..<image.height {
      let y = image.height - 1 - storedRow
      for i in 0..<rowCount {
        body[storedRow * rowCount + i] = image.pixels[y * rowCount + i].bitPattern.littleEndian
      }
    }
    body.withUnsafeBytes { data.append(contentsOf: $0) }
    return data
  }
}
