import Foundation

/// NetPBM grey and colour images: PGM (`P5` binary, `P2` text) and PPM (`P6` binary, `P3`
/// text), as LIBELAS and the KITTI tools write them.
///
/// Header: the magic, then width, height and the largest value `maxval` (1...65535), separated
/// by whitespace, with `#` comments to the end of a line; one whitespace byte, then the samples
/// row by row. Binary samples are 1 byte when `maxval < 256`, else 2 bytes big-endian. Values
/// read as `v / maxval` (``ImageIO/read(_:)``).
enum NetPBM {
  /// Whether `data` starts like a PGM or PPM file.
  static func matches(_ data: Data) -> Bool {
    let bytes = [UInt8](data.prefix(3))
    guard bytes.count == 3, bytes[0] == UInt8(ascii: "P") else { return false }
    return [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(
      bytes[1]) && (bytes[2] == 0x20 || (0x09...0x0D).contains(bytes[2]))
  }

  /// The samples, unscaled, with `maxval` as their maximum.
  ///
  /// - Throws: ``StereoDataError`` when the header is malformed or the samples are truncated.
  static func decode(_ data: Data, url: URL) throws -> DecodedSamples {
    let bytes = [UInt8](data)
    var position = 2
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    func nextNumber(_ what: String) throws -> Int {
      while position < bytes.count {
        if isSpace(bytes[position]) {
          position += 1
        } else if bytes[position] == UInt8(ascii: "#") {
          while position < bytes.count && bytes[position] != 0x0A { position += 1 }
        } else {
          break
        }
      }
      let start = position
      while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
      guard position > start, position - start < 10,
        let value = Int(String(decoding: bytes[start..<position], as: UTF8.self))
      else {
        throw StereoDataError(.corrupt, url, "bad NetPBM header: no \(what)")
      }
      return value
    }
    let kind = bytes[1]
    let channels = (kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6")) ? 3 : 1
    let width = try nextNumber("width"), height = try nextNumber("height")
    let maximum = try nextNumber("maximum value")
    guard width > 0, height > 0, width * height <= 1 << 28 else {
      throw StereoDataError(.corrupt, url, "bad NetPBM size \(width)x\(height)")
    }
    guard (1...65535).contains(maximum) else {
      throw StereoDataError(.corrupt, url, "bad NetPBM maximum value \(maximum)")
    }
    let count = width * height * channels
    var samples = [Float](repeating: 0, count: count)
    if kind == UInt8(ascii: "5") || kind == UInt8(ascii: "6") {
      position += 1  // the single whitespace byte after maxval
      let size = maximum < 256 ? 1 : 2
      guard bytes.count - position >= count * size else {
        throw StereoDataError(.corrupt, url, "NetPBM file is truncated")
      }
      for index in 0..<count {
        let offset = position + index * size
        samples[index] =
          size == 1
          ? Float(bytes[offset]) : Float(Int(bytes[offset]) << 8 | Int(bytes[offset + 1]))
      }
    } else {
      for index in 0..<count { samples[index] = Float(try nextNumber("sample \(index)")) }
    }
    if let bad = samples.first(where: { $0 > Float(maximum) }) {
      throw StereoDataError(.corrupt, url, "NetPBM sample \(Int(bad)) exceeds \(maximum)")
    }
    return DecodedSamples(
      image: Image(width: width, height: height, channels: channels, pixels: samples),
      bitDepth: maximum < 256 ? 8 : 16, declaredMaximum: Float(maximum))
  }
}
