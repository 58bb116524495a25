import Foundation

/// The geometry of a rectified stereo rig, which turns disparity into metric depth.
///
///     depth = focalLength · baseline / (disparity + disparityOffset)
///
/// `disparityOffset` is Middlebury's `doffs`: the x difference of the two principal points
/// (`cx1 − cx0`), 0 for most rigs.
public struct StereoCalibration: Sendable, Hashable, Codable {
  /// The focal length, in pixels of the image it belongs to.
  public var focalLength: Float
  /// The distance between the camera centres, in metres.
  public var baseline: Float
  /// `doffs`, in pixels.
  public var disparityOffset: Float

  /// Creates a calibration.
  public init(focalLength: Float, baseline: Float, disparityOffset: Float = 0) {
    self.focalLength = focalLength
    self.baseline = baseline
    self.disparityOffset = disparityOffset
  }

  /// The depth in metres of a point at `disparity` pixels; `.infinity` for unknown disparity or
  /// a point at infinity.
  public func depth(disparity: Float) -> Float {
    let shifted = disparity + disparityOffset
    guard disparity.isFinite, shifted > 0 else { return .infinity }
    return focalLength * baseline / shifted
  }

  /// The calibration of the images resized by `factor` (focal length and offset scale, the
  /// baseline does not).
  public func scaled(by factor: Float) -> StereoCalibration {
    StereoCalibration(
      focalLength: focalLength * factor, baseline: baseline,
      disparityOffset: disparityOffset * factor)
  }
}

extension StereoCalibration {
  /// Reads a Middlebury/ETH3D `calib.txt` (``RectifiedIntrinsics/readMiddlebury(_:)``):
  /// `cam0=[f 0 cx; 0 f cy; 0 0 1]`, `baseline=…` in millimetres and `doffs=…`.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read, or naming the key that is
  ///   missing, malformed or out of range.
  public static func readMiddlebury(_ url: URL) throws -> StereoCalibration {
    try RectifiedIntrinsics.readMiddlebury(url).stereoCalibration
  }

  /// The `ndisp=` entry of a Middlebury/ETH3D `calib.txt` (a bound on the disparities), or nil
  /// when it has none.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read or `ndisp` is not a positive
  ///   number of at most 100000.
  public static func readMiddleburyDisparityBound(_ url: URL) throws -> Float? {
    let text = String(decoding: try FileContents.read(url), as: UTF8.self)
    guard let entry = RectifiedIntrinsics.entries(text, separator: "=")["ndisp"] else {
      return nil
    }
    guard let value = Float(entry), value > 0, value <= 100_000 else {
      throw StereoDataError(
        .corrupt, url, "'ndisp=\(entry)' must be a positive number of at most 100000")
    }
    return value
  }

  /// Reads a KITTI calibration file (``RectifiedIntrinsics/readKITTI(_:)``): `P_rect_02`/
  /// `P_rect_03` (2015, `calib_cam_to_cam`) or `P2`/`P3` (2012, `calib`), 3×4 projection
  /// matrices whose fourth entries are `−f·tx`.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read, or naming the key that is
  ///   missing, malformed or out of range.
  public static func readKITTI(_ url: URL) throws -> StereoCalibration {
    try RectifiedIntrinsics.readKITTI(url).stereoCalibration
  }
}
