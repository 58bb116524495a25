import Foundation
import StereoData

/// How to rectify one camera of an unrectified rig: its intrinsics and distortion, and the
/// rotation and projection that map it to the rectified view (`cv::initUndistortRectifyMap`'s
/// inputs).
public struct CameraRectification: Sendable, Equatable, Codable {
  /// `K`, 3×3 row-major: `[fx 0 cx; 0 fy cy; 0 0 1]`.
  public var cameraMatrix: [Double]
  /// OpenCV's distortion coefficients `(k1, k2, p1, p2[, k3[, k4, k5, k6[, …]]])`: 0, 4, 5, 8,
  /// 12 or 14 values.
  public var distortion: [Double]
  /// The rectifying rotation `R_i`, 3×3 row-major.
  public var rotation: [Double]
  /// The rectified projection `P_i`, 3×4 row-major.
  public var projection: [Double]

  /// Creates a camera's rectification.
  public init(
    cameraMatrix: [Double], distortion: [Double], rotation: [Double], projection: [Double]
  ) {
    self.cameraMatrix = cameraMatrix
    self.distortion = distortion
    self.rotation = rotation
    self.projection = projection
  }
}

/// A stereo rig's calibration as read from a file: the rectified left camera's intrinsics
/// (what turns disparity into depth and points) and, for a rig whose images are not yet
/// rectified, how to rectify them.
///
/// In the rectified left camera, pixel `(u, v)` with disparity `d` is at
///
///     Z = fx·B / (d + doffs),   X = (u − cx)·Z / fx,   Y = (v − cy)·Z / fy
///
/// Formats (``read(_:right:)`` tells them apart by extension and content):
/// - **OpenCV FileStorage** (`.yml`, `.yaml`, `.xml`; what `cv2.stereoCalibrate` users save with
///   `cv2.FileStorage`): `K1 D1 K2 D2 R T` (`M1`/`M2` and `cameraMatrix1`/`distCoeffs1`… are
///   accepted for K and D), the image size as `image_width` + `image_height`, `width` + `height`
///   or `image_size`/`imageSize: [w, h]`, and optionally `R1 R2 P1 P2` (else computed with
///   `cv::stereoRectify`, flags `CALIB_ZERO_DISPARITY`, alpha −1).
///   `B = −P2[0,3]/P2[0,0]`, in the units of `T`.
/// - **ROS `CameraInfo` YAML**, one file per camera (`camera_matrix`, `distortion_coefficients`,
///   `rectification_matrix`, `projection_matrix`, `image_width`, `image_height`).
/// - **KITTI** `calib_cam_to_cam.txt` (`P_rect_02`, `P_rect_03`) or `calib.txt` (`P2`, `P3`):
///   rectified.
/// - **Middlebury** `calib.txt` (`cam0`, `cam1`, `doffs`, `baseline` in mm → metres): rectified.
/// - **JSON** (`.json`), rectified: `{"fx", "fy", "cx", "cy", "baseline", "doffs"?, "width"?,
///   "height"?}`; or unrectified: `{"width", "height", "left": {"fx", "fy", "cx", "cy",
///   "distortion": [...]}, "right": {...}, "rotation": [9 values], "translation": [3 values]}`
///   (`rotation`, `translation`: the right camera's pose, OpenCV's `R` and `T`).
public struct StereoRigCalibration: Sendable, Equatable {
  /// The rectified left camera's horizontal focal length, pixels.
  public var focalLengthX: Double
  /// The rectified left camera's vertical focal length, pixels.
  public var focalLengthY: Double
  /// The rectified left camera's principal point column, pixels.
  public var principalPointX: Double
  /// The rectified left camera's principal point row, pixels.
  public var principalPointY: Double
  /// The baseline `B` (metres for Middlebury and KITTI; the units of `T` for OpenCV files).
  public var baseline: Double
  /// `doffs = cx_right − cx_left` of the rectified views, pixels.
  public var disparityOffset: Double
  /// The image size the calibration is for, where the file gives it.
  public var imageWidth: Int?
  /// See ``imageWidth``.
  public var imageHeight: Int?
  /// How to rectify each camera; `nil` when the file describes rectified images.
  public var rectification: (left: CameraRectification, right: CameraRectification)?

  /// The file it was read from (for messages).
  public var source: String

  /// Creates a calibration; checks that the values are finite and the focal lengths and
  /// baseline positive.
  ///
  /// - Throws: ``ClassicStereoError`` naming `source` and the offending key.
  public init(
    focalLengthX: Double, focalLengthY: Double, principalPointX: Double, principalPointY: Double,
    baseline: Double, disparityOffset: Double = 0, imageWidth: Int? = nil, imageHeight: Int? = nil,
    rectification: (left: CameraRectification, right: CameraRectification)? = nil,
    source: String, keys: (focal: String, baseline: String) = ("fx", "baseline")
  ) throws(ClassicStereoError) {
    let checked: RectifiedIntrinsics
    do {
      checked = try RectifiedIntrinsics(
        focalLengthX: focalLengthX, focalLengthY: focalLengthY, principalPointX: principalPointX,
        principalPointY: principalPointY, baseline: baseline, disparityOffset: disparityOffset,
        imageWidth: imageWidth, imageHeight: imageHeight, source: source, keys: keys)
    } catch {
      throw ClassicStereoError(error.description)
    }
    self.init(checked, rectification: rectification, source: source)
  }

  /// Creates the calibration of a rig with intrinsics already checked (by
  /// ``StereoData/RectifiedIntrinsics``), read from `source`.
  public init(
    _ intrinsics: RectifiedIntrinsics,
    rectification: (left: CameraRectification, right: CameraRectification)? = nil,
    source: String
  ) {
    self.focalLengthX = intrinsics.focalLengthX
    self.focalLengthY = intrinsics.focalLengthY
    self.principalPointX = intrinsics.principalPointX
    self.principalPointY = intrinsics.principalPointY
    self.baseline = intrinsics.baseline
    self.disparityOffset = intrinsics.disparityOffset
    self.imageWidth = intrinsics.imageWidth
    self.imageHeight = intrinsics.imageHeight
    self.rectification = rectification
    self.source = source
  }

  public static func == (a: StereoRigCalibration, b: StereoRigCalibration) -> Bool {
    a.focalLengthX == b.focalLengthX && a.focalLengthY == b.focalLengthY
      && a.principalPointX == b.principalPointX && a.principalPointY == b.principalPointY
      && a.baseline == b.baseline && a.disparityOffset == b.disparityOffset
      && a.imageWidth == b.imageWidth && a.imageHeight == b.imageHeight
      && a.rectification?.left == b.rectification?.left
      && a.rectification?.right == b.rectification?.right
  }

  /// Whether the images must be rectified before matching.
  public var needsRectification: Bool { rectification != nil }

  /// Checks that the calibration is for `width × height` images (when it names a size).
  ///
  /// - Throws: ``ClassicStereoError`` naming the file and the size key.
  public func checkImageSize(width: Int, height: Int) throws(ClassicStereoError) {
    if let imageWidth, let imageHeight, imageWidth != width || imageHeight != height {
      throw ClassicStereoError(
        "\(source): key 'image_width'/'image_height': the calibration is for "
          + "\(imageWidth)x\(imageHeight) images, not \(width)x\(height)")
    }
  }
}
