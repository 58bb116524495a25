import StereoData

/// The left camera of a rectified stereo rig, and its disparity-to-depth relation.
///
/// Pixel `(u, v)` with disparity `d` (pixels; the point is at `u − d` in the right view) is at
///
///     Z = fx·B / (d + doffs)
///     X = (u − cx)·Z / fx,   Y = (v − cy)·Z / fy
///
/// in the left camera frame: x right, y down, z forward, in the units of `B`. `doffs` is the
/// difference of the principal points' columns, `cx_right − cx_left` (0 for most rigs; Middlebury
/// 2014 `calib.txt` gives it as `doffs`, with `B` in millimetres, so depth comes out in mm).
public struct RectifiedStereoCamera: Sendable, Equatable, Codable {
  /// The horizontal focal length `fx`, in pixels (disparity is measured along x, so depth uses it).
  public var focalLength: Float
  /// The vertical focal length `fy`, in pixels (equal to `fx` for square pixels).
  public var focalLengthY: Float
  /// The principal point's column `cx`, in pixels.
  public var principalPointX: Float
  /// The principal point's row `cy`, in pixels.
  public var principalPointY: Float
  /// The baseline `B`: the distance between the camera centres, in the units depth is wanted in.
  public var baseline: Float
  /// `doffs = cx_right − cx_left`, in pixels.
  public var disparityOffset: Float

  /// Creates a camera; `focalLengthY` defaults to `focalLength` (square pixels).
  public init(
    focalLength: Float, focalLengthY: Float? = nil, principalPointX: Float,
    principalPointY: Float, baseline: Float, disparityOffset: Float = 0
  ) {
    precondition(focalLength > 0, "The focal length must be positive, got \(focalLength)")
    precondition(
      (focalLengthY ?? focalLength) > 0, "The focal length must be positive, got \(focalLengthY!)")
    self.focalLengthY = focalLengthY ?? focalLength
    precondition(baseline > 0, "The baseline must be positive, got \(baseline)")
    self.focalLength = focalLength
    self.principalPointX = principalPointX
    self.principalPointY = principalPointY
    self.baseline = baseline
    self.disparityOffset = disparityOffset
  }

  /// The depth of one disparity: `f·B / (d + doffs)`, or NaN where `d` is non-finite or
  /// `d + doffs ≤ 0` (at or beyond infinity).
  @inlinable
  public func depth(fromDisparity disparity: Float) -> Float {
    let shifted = disparity + disparityOffset
    guard disparity.isFinite && shifted > 0 else { return .nan }
    return focalLength * baseline / shifted
  }

  /// The metric depth map of a disparity map.
  ///
  /// - Parameter disparity: `[H, W, 1]`, in pixels; unknown values non-finite.
  /// - Returns: `[H, W, 1]` depth `Z` in the units of ``baseline``; NaN where unknown.
  public func depth(fromDisparity disparity: Image) -> Image {
    precondition(
      disparity.channels == 1, "A disparity map has 1 channel, got \(disparity.channels)")
    return Image(
      width: disparity.width, height: disparity.height, channels: 1,
      pixels: disparity.pixels.map { depth(fromDisparity: $0) })
  }

  /// The point seen at pixel `(u, v)` at depth `z`, in the left camera frame.
  @inlinable
  public func point(u: Float, v: Float, depth z: Float) -> SIMD3<Float> {
    SIMD3((u - principalPointX) * z / focalLength, (v - principalPointY) * z / focalLengthY, z)
  }
}
