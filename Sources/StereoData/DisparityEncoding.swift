/// How a file stores a disparity map.
///
/// Every reader returns disparity in pixels with unknown values as `.infinity` (see ``Image``).
public enum DisparityEncoding: Sendable, Hashable, Codable {
  /// Portable Float Map: values in pixels; `+inf` or NaN = unknown (Middlebury 2014, ETH3D).
  case pfm
  /// KITTI 16-bit grey PNG: disparity = value / 256; 0 = unknown.
  case kitti
  /// An 8- or 16-bit grey PNG with disparity = value / `scale`; 0 = unknown
  /// (Middlebury 2001-2003 `groundtruth.png`, where `scale` is the first line of `info.txt`).
  case scaledPNG(scale: Float)

  /// KITTI's fixed-point factor: a 16-bit value `v` means a disparity of `v / 256` pixels.
  public static let kittiScale: Float = 256
}
