internal import CImageCodecs
import Foundation

/// Samples decoded from a PNG, JPEG, TIFF or NetPBM file.
///
/// `image` holds the samples as they are stored (integers 0-255 or 0-65535, exact in a `Float`;
/// or a float TIFF's values), with 1 (grey) or 3 (RGB) channels.
struct DecodedSamples {
  /// The samples, `[H, W, C]`, unscaled.
  var image: Image
  /// 8 or 16 (unsigned integers), or 32 (float samples, from TIFF).
  var bitDepth: Int
  /// The largest value a sample may take when the format says (NetPBM's `maxval`).
  var declaredMaximum: Float? = nil
  /// What a sample is divided by to scale it to [0, 1]: the declared maximum, else 255 or 65535;
  /// 1 for float samples, which keep their stored values (as PFM's do).
  var maximumValue: Float {
    if let declaredMaximum { return declaredMaximum }
    switch bitDepth {
    case 16: return 65535
    case 32: return 1
    default: return 255
    }
  }
}

/// Swift wrappers around the C codecs in `CImageCodecs`, turning return codes into thrown errors.
enum ImageCodecs {
  /// The size of the message buffer handed to the C functions.
  private static let messageCapacity = 512

  /// Decodes a PNG file held in `data`; `url` names it in errors.
  static func decodePNG(_ data: Data, url: URL) throws -> DecodedSamples {
    try decode(data, url: url, format: "PNG", decoder: wnet_png_decode)
  }

  /// Decodes a JPEG file held in `data`; `url` names it in errors.
  static func decodeJPEG(_ data: Data, url: URL) throws -> DecodedSamples {
    try decode(data, url: url, format: "JPEG", decoder: wnet_jpeg_decode)
  }

  /// Decodes the first image of a TIFF file held in `data`; `url` names it in errors.
  static func decodeTIFF(_ data: Data, url: URL) throws -> DecodedSamples {
    try decode(data, url: url, format: "TIFF", decoder: wnet_tiff_decode)
  }

  private static func decode(
    _ data: Data, url: URL, format: String,
    decoder: (
      UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<wnet_decoded_image>?,
      UnsafeMutablePointer<CChar>?, Int
    ) -> Int32
  ) throws -> DecodedSamples {
    var decoded = wnet_decoded_image()
    var message = [CChar](repeating: 0, count: messageCapacity)
    let status = data.withUnsafeBytes { bytes in
      decoder(
        bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &decoded, &message,
        messageCapacity)
    }
    defer { wnet_codec_free(decoded.pixels) }
    guard status == Int32(WNET_CODEC_OK), let pixels = decoded.pixels else {
      throw error(status: status, message: message, url: url, format: format)
    }
    let width = Int(decoded.width)
    let height = Int(decoded.height)
    let channels = Int(decoded.channels)
    let count = width * height * channels
    let values: [Float]
    if decoded.bit_depth == 32 {
      values = Array(
        UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: Float.self), count: count))
    } else if decoded.bit_depth == 16 {
      let samples = UnsafeBufferPointer(
        start: pixels.assumingMemoryBound(to: UInt16.self), count: count)
      values = samples.map(Float.init)
    } else {
      let samples = UnsafeBufferPointer(
        start: pixels.assumingMemoryBound(to: UInt8.self), count: count)
      values = samples.map(Float.init)
    }
    return DecodedSamples(
      image: Image(width: width, height: height, channels: channels, pixels: values),
      bitDepth: Int(decoded.bit_depth))
  }

  /// Encodes 8-bit (`UInt8`) or 16-bit (`UInt16`) samples, `[H, W, C]` with C = 1 or 3, as PNG.
  static func encodePNG<Sample: FixedWidthInteger & UnsignedInteger>(
    _ samples: [Sample], width: Int, height: Int, channels: Int, compressionLevel: Int, url: URL
  ) throws -> Data {
    precondition(Sample.bitWidth == 8 || Sample.bitWidth == 16, "PNG samples are 8 or 16 bits")
    precondition(
      samples.count == width * height * channels,
      "\(samples.count) samples do not fill \(width)x\(height)x\(channels)")
    var encoded = wnet_encoded_data()
    var message = [CChar](repeating: 0, count: messageCapacity)
    let status = samples.withUnsafeBytes { bytes in
      wnet_png_encode(
        bytes.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(Sample.bitWidth),
        Int32(compressionLevel), &encoded, &message, messageCapacity)
    }
    defer { wnet_codec_free(encoded.bytes) }
    guard status == Int32(WNET_CODEC_OK), let bytes = encoded.bytes else {
      throw error(status: status, message: message, url: url, format: "PNG", writing: true)
    }
    return Data(bytes: bytes, count: encoded.count)
  }

  /// Encodes 8-bit samples, `[H, W, C]` with C = 1 or 3, as JPEG at `quality` (1-100).
  static func encodeJPEG(
    _ samples: [UInt8], width: Int, height: Int, channels: Int, quality: Int, url: URL
  ) throws -> Data {
    precondition(
      samples.count == width * height * channels,
      "\(samples.count) samples do not fill \(width)x\(height)x\(channels)")
    var encoded = wnet_encoded_data()
    var message = [CChar](repeating: 0, count: messageCapacity)
    let status = samples.withUnsafeBufferPointer { buffer in
      wnet_jpeg_encode(
        buffer.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality),
        &encoded, &message, messageCapacity)
    }
    defer { wnet_codec_free(encoded.bytes) }
    guard status == Int32(WNET_CODEC_OK), let bytes = encoded.bytes else {
      throw error(status: status, message: message, url: url, format: "JPEG", writing: true)
    }
    return Data(bytes: bytes, count: encoded.count)
  }

  private static func error(
    status: Int32, message: [CChar], url: URL, format: String, writing: Bool = false
  ) -> StereoDataError {
    let text = String(
      decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let detail = text.isEmpty ? "unknown error" : text
    switch Int(status) {
    case Int(WNET_CODEC_UNSUPPORTED):
      return StereoDataError(.unsupported, url, "unsupported \(format) file (\(detail))")
    case Int(WNET_CODEC_OUT_OF_MEMORY):
      return StereoDataError(
        writing ? .unwritable : .unsupported, url,
        "\(format) \(writing ? "encoding" : "decoding") failed (\(detail))")
    case Int(WNET_CODEC_BAD_ARGUMENT):
      return StereoDataError(.unwritable, url, detail)
    default:
      if detail.hasPrefix("not a") { return StereoDataError(.corrupt, url, detail) }
      return StereoDataError(.corrupt, url, "corrupt \(format) file (\(detail))")
    }
  }
}
