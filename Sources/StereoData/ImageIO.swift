import Foundation

/// Reading and writing images, disparity maps and masks: PNG (8- and 16-bit), JPEG and PFM;
/// reading PPM/PGM (``NetPBM``) and TIFF (8- and 16-bit, float32).
///
/// The format is recognised from the file's first bytes, not its name. Colour values are scaled
/// to [0, 1] (an 8-bit value `v` reads as `v / 255`, a 16-bit one as `v / 65535`, exactly; no
/// gamma conversion); float values (PFM, float32 TIFF) are kept as stored. Writes are atomic: a
/// temporary file in the same folder is renamed over the target.
///
/// Every failure throws a ``StereoDataError`` whose one-line description names the file and the
/// problem (`… left.png: corrupt PNG file (file is truncated)`); a corrupt file never traps or
/// exits.
public enum ImageIO {
  /// The file formats ImageIO reads.
  public enum FileFormat: String, Sendable, CaseIterable {
    case png
    case jpeg
    case pfm
    /// NetPBM: PGM (grey) and PPM (colour), binary or text.
    case netpbm
    /// TIFF or BigTIFF, either byte order (`II*\0`, `MM\0*`); the first image is read.
    case tiff
  }

  /// The format `data` is in, from its first bytes, or `nil`.
  public static func fileFormat(of data: Data) -> FileFormat? {
    let bytes = [UInt8](data.prefix(8))
    if bytes.count >= 8 && bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
      return .png
    }
    if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
    if tiffSignatures.contains(Array(bytes.prefix(4))) { return .tiff }
    if PFM.matches(data) { return .pfm }
    if NetPBM.matches(data) { return .netpbm }
    return nil
  }

  /// The first four bytes of TIFF (42) and BigTIFF (43) files, little- and big-endian.
  private static let tiffSignatures: [[UInt8]] = [
    [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A], [0x49, 0x49, 0x2B, 0x00],
    [0x4D, 0x4D, 0x00, 0x2B],
  ]

  /// File name extensions of images, lower-case.
  public static let imageExtensions: Set<String> = [
    "png", "jpg", "jpeg", "pfm", "ppm", "pgm", "pnm", "tif", "tiff",
  ]

  // MARK: - Reading

  /// The image in the file at `url`, with the channels it stores: `[H, W, 1]` or `[H, W, 3]`.
  ///
  /// PNG, JPEG, PPM/PGM and 8- or 16-bit TIFF values are scaled to [0, 1]; alpha is dropped and
  /// palettes are expanded to RGB. PFM and float32 TIFF values are returned as stored.
  ///
  /// - Throws: ``StereoDataError`` when the file is missing, empty, truncated, corrupt, or not a
  ///   PNG, JPEG, TIFF, PFM or PPM/PGM file.
  public static func read(_ url: URL) throws -> Image {
    let data = try FileContents.read(url)
    if fileFormat(of: data) == .pfm { return try PFM.decode(data, url: url) }
    var decoded = try decodeSamples(data, url: url)
    let maximum = decoded.maximumValue
    for index in decoded.image.pixels.indices { decoded.image.pixels[index] /= maximum }
    return decoded.image
  }

  /// The colour image in the file at `url`, `[H, W, 3]` in [0, 1]; grey files are repeated into
  /// three channels.
  ///
  /// - Throws: ``StereoDataError`` as ``read(_:)`` does.
  public static func readColor(_ url: URL) throws -> Image {
    let image = try read(url)
    return image.channels == 3 ? image : image.colorExpanded()
  }

  /// The disparity map in the file at `url`, `[H, W, 1]` in pixels, unknown = `.infinity`.
  ///
  /// - Parameter encoding: how the file stores disparity. A KITTI file must be a 16-bit grey PNG
  ///   (one channel);
  ///   a scaled PNG may be 8- or 16-bit grey (or a palette of greys); a PFM file must have one
  ///   channel. NaN in a PFM file is also unknown and becomes `.infinity`.
  /// - Throws: ``StereoDataError`` when the file cannot be read or does not fit `encoding`.
  public static func readDisparity(_ url: URL, encoding: DisparityEncoding) throws -> Image {
    let data = try FileContents.read(url)
    switch encoding {
    case .pfm:
      guard fileFormat(of: data) == .pfm else {
        throw StereoDataError(.corrupt, url, "not a PFM file (bad signature)")
      }
      var map = try PFM.decode(data, url: url)
      guard map.channels == 1 else {
        throw StereoDataError(.unsupported, url, "a disparity map needs 1 channel, found 3 (PF)")
      }
      for index in map.pixels.indices where map.pixels[index].isNaN {
        map.pixels[index] = .infinity
      }
      return map
    case .kitti:
      let decoded = try decodeSamples(data, url: url)
      guard decoded.bitDepth == 16, decoded.image.channels == 1 else {
        throw StereoDataError(
          .unsupported, url,
          "a KITTI disparity map must be a 16-bit grey PNG, found \(decoded.bitDepth)-bit with "
            + "\(decoded.image.channels) channels")
      }
      return try scaledDisparity(decoded, scale: DisparityEncoding.kittiScale, url: url)
    case .scaledPNG(let scale):
      precondition(scale > 0 && scale.isFinite, "A disparity scale must be positive, got \(scale)")
      return try scaledDisparity(try decodeSamples(data, url: url), scale: scale, url: url)
    }
  }

  /// The evaluation mask in the file at `url`, `[H, W, 1]`: 1 where the stored value is the
  /// largest the bit depth allows (255 in an 8-bit file, as Middlebury's and ETH3D's masks mark
  /// evaluated pixels), 0 elsewhere (e.g. 128 = occluded, 0 = invalid in `mask0nocc.png`).
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read or is not grey.
  public static func readMask(_ url: URL) throws -> Image {
    let decoded = try decodeSamples(try FileContents.read(url), url: url)
    var mask = try grey(decoded.image, url: url)
    let maximum = decoded.maximumValue
    for index in mask.pixels.indices { mask.pixels[index] = mask.pixels[index] == maximum ? 1 : 0 }
    return mask
  }

  /// The samples of a PNG, JPEG, PPM/PGM or TIFF file, as stored.
  static func decodeSamples(_ data: Data, url: URL) throws -> DecodedSamples {
    switch fileFormat(of: data) {
    case .png: return try ImageCodecs.decodePNG(data, url: url)
    case .jpeg: return try ImageCodecs.decodeJPEG(data, url: url)
    case .netpbm: return try NetPBM.decode(data, url: url)
    case .tiff: return try ImageCodecs.decodeTIFF(data, url: url)
    case .pfm: throw StereoDataError(.unsupported, url, "a PFM file where a PNG or JPEG is needed")
    case nil:
      switch url.pathExtension.lowercased() {
      case "png": throw StereoDataError(.corrupt, url, "not a PNG file (bad signature)")
      case "jpg", "jpeg": throw StereoDataError(.corrupt, url, "not a JPEG file (bad signature)")
      case "pfm": throw StereoDataError(.corrupt, url, "not a PFM file (bad signature)")
      case "ppm", "pgm", "pnm":
        throw StereoDataError(.corrupt, url, "not a PPM/PGM file (bad signature)")
      case "tif", "tiff": throw StereoDataError(.corrupt, url, "not a TIFF file (bad signature)")
      default: throw StereoDataError(.corrupt, url, "not a PNG, JPEG, TIFF, PFM or PPM/PGM image")
      }
    }
  }

  /// One channel of a grey image; a 3-channel image must have R = G = B everywhere (as palette
  /// files of greys do).
  static func grey(_ image: Image, url: URL) throws -> Image {
    if image.channels == 1 { return image }
    var values = [Float](repeating: 0, count: image.width * image.height)
    for index in values.indices {
      let red = image.pixels[3 * index]
      guard red == image.pixels[3 * index + 1], red == image.pixels[3 * index + 2] else {
        throw StereoDataError(.unsupported, url, "expected a grey image, found colour")
      }
      values[index] = red
    }
    return Image(width: image.width, height: image.height, channels: 1, pixels: values)
  }

  private static func scaledDisparity(_ decoded: DecodedSamples, scale: Float, url: URL) throws
    -> Image
  {
    var map = try grey(decoded.image, url: url)
    for index in map.pixels.indices {
      let value = map.pixels[index]
      map.pixels[index] = value == 0 ? .infinity : value / scale
    }
    return map
  }

  // MARK: - Writing

  /// Writes a 1- or 3-channel image with values in [0, 1] as an 8- or 16-bit PNG.
  ///
  /// Values are clamped to [0, 1] and rounded to the nearest level (`round(v · 255)` or
  /// `round(v · 65535)`); non-finite values become 0. Reading the file back gives the quantised
  /// values exactly.
  ///
  /// - Parameters:
  ///   - bitDepth: 8 or 16.
  ///   - compressionLevel: zlib's 0 (fastest) to 9 (smallest).
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func writePNG(
    _ image: Image, to url: URL, bitDepth: Int = 8, compressionLevel: Int = 6
  ) throws {
    try FileContents.write(
      pngData(image, for: url, bitDepth: bitDepth, compressionLevel: compressionLevel), to: url)
  }

  /// The bytes ``writePNG(_:to:bitDepth:compressionLevel:)`` writes; `url` names the file in
  /// errors.
  static func pngData(
    _ image: Image, for url: URL, bitDepth: Int = 8, compressionLevel: Int = 6
  ) throws -> Data {
    precondition(bitDepth == 8 || bitDepth == 16, "PNG bit depth must be 8 or 16, got \(bitDepth)")
    precondition(
      image.channels == 1 || image.channels == 3,
      "PNG writing takes 1 or 3 channels, got \(image.channels)")
    precondition(
      (0...9).contains(compressionLevel), "Compression level \(compressionLevel) is not 0-9")
    let data: Data
    if bitDepth == 8 {
      data = try ImageCodecs.encodePNG(
        quantized(image.pixels, levels: 255, as: UInt8.self), width: image.width,
        height: image.height, channels: image.channels, compressionLevel: compressionLevel, url: url
      )
    } else {
      data = try ImageCodecs.encodePNG(
        quantized(image.pixels, levels: 65535, as: UInt16.self), width: image.width,
        height: image.height, channels: image.channels, compressionLevel: compressionLevel, url: url
      )
    }
    return data
  }

  /// Writes a 1- or 3-channel image with values in [0, 1] as an 8-bit JPEG without chroma
  /// subsampling, at `quality` 1-100.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func writeJPEG(_ image: Image, to url: URL, quality: Int = 95) throws {
    precondition((1...100).contains(quality), "JPEG quality must be 1-100, got \(quality)")
    precondition(
      image.channels == 1 || image.channels == 3,
      "JPEG writing takes 1 or 3 channels, got \(image.channels)")
    let data = try ImageCodecs.encodeJPEG(
      quantized(image.pixels, levels: 255, as: UInt8.self), width: image.width,
      height: image.height, channels: image.channels, quality: quality, url: url)
    try FileContents.write(data, to: url)
  }

  /// Writes a 1- or 3-channel image as a little-endian PFM file, bit-exactly (`+inf` and NaN
  /// included).
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func writePFM(_ image: Image, to url: URL) throws {
    try FileContents.write(PFM.encode(image), to: url)
  }

  /// Writes a `[H, W, 1]` disparity map as a KITTI 16-bit PNG: `round(d · 256)`, clamped to
  /// 1...65535 for known values; unknown (non-finite) and non-positive values become 0.
  ///
  /// At zlib level 1, as the pictures: the same samples, about a third of level 6's time
  /// (BENCHMARKS.md, "Many pairs in one process").
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func writeKITTIDisparity(_ disparity: Image, to url: URL) throws {
    precondition(
      disparity.channels == 1, "A disparity map has 1 channel, got \(disparity.channels)")
    let samples = disparity.pixels.map { value -> UInt16 in
      guard value.isFinite, value > 0 else { return 0 }
      return UInt16(min(max((value * DisparityEncoding.kittiScale).rounded(), 1), 65535))
    }
    let data = try ImageCodecs.encodePNG(
      samples, width: disparity.width, height: disparity.height, channels: 1, compressionLevel: 1,
      url: url)
    try FileContents.write(data, to: url)
  }

  private static func quantized<Sample: FixedWidthInteger & UnsignedInteger>(
    _ values: [Float], levels: Float, as: Sample.Type
  ) -> [Sample] {
    values.map { value in
      guard value.isFinite else { return 0 }
      // Round half up; exact for v / levels. Through Int32 (the same truncation of a value in
      // [0.5, levels + 0.5]): the generic conversion to Sample took several ms a picture.
      return Sample(truncatingIfNeeded: Int32(min(max(value, 0), 1) * levels + 0.5))
    }
  }
}
