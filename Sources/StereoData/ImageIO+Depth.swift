import Foundation

extension ImageIO {
  /// The largest depth a millimetre PNG holds, in metres (65535 mm).
  public static let millimetreDepthLimit: Float = 65.535

  /// Writes a `[H, W, 1]` depth map in metres as a 16-bit grey PNG in millimetres, the convention
  /// of RealSense and Azure Kinect tools: `round(Z · 1000)`; unknown (non-finite), non-positive
  /// and farther than ``millimetreDepthLimit`` values become 0 (no depth).
  ///
  /// At zlib level 1, as ``writeKITTIDisparity(_:to:)``.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func writeDepthMillimetres(_ depth: Image, to url: URL) throws {
    precondition(depth.channels == 1, "A depth map has 1 channel, got \(depth.channels)")
    let samples = depth.pixels.map { metres -> UInt16 in
      let millimetres = (metres * 1000).rounded()
      guard metres.isFinite, millimetres >= 1, millimetres <= 65535 else { return 0 }
      return UInt16(millimetres)
    }
    let data = try ImageCodecs.encodePNG(
      samples, width: depth.width, height: depth.height, channels: 1, compressionLevel: 1,
      url: url)
    try FileContents.write(data, to: url)
  }
}
