import ArgumentParser
import Foundation
import StereoClassic
import StereoData
import StereoDepth

/// The camera parameters that turn disparity into metric depth, and the rectification of raw
/// pairs.
struct CalibrationOptions: ParsableArguments {
  @Option(help: "The focal length in pixels (at the input's resolution); fx and fy.")
  var focal: Float?

  @Option(help: "The baseline in metres.")
  var baseline: Float?

  @Option(help: "The difference of the principal points' x, in pixels (Middlebury 'doffs').")
  var doffs: Float = 0

  @Option(help: "The principal point's column in pixels (default: the image centre, (W − 1)/2).")
  var cx: Float?

  @Option(help: "The principal point's row in pixels (default: the image centre, (H − 1)/2).")
  var cy: Float?

  @Option(
    help: """
      A calibration file: OpenCV FileStorage YAML/XML (K1 D1 K2 D2 R T and the image size), \
      ROS CameraInfo YAML (the left camera's; give the right one's with --right-calibration), \
      KITTI calib_cam_to_cam.txt, Middlebury calib.txt, or JSON. Raw (unrectified) pairs are \
      rectified first.
      """)
  var calibration: String?

  @Option(help: "The right camera's ROS CameraInfo YAML, with --calibration for the left one.")
  var rightCalibration: String?

  func validate() throws {
    if (focal == nil) != (baseline == nil) {
      throw ValidationError("'--focal' and '--baseline' go together.")
    }
    if let focal, !(focal > 0 && focal.isFinite) {
      throw ValidationError("'--focal' must be positive.")
    }
    if let baseline, !(baseline > 0 && baseline.isFinite) {
      throw ValidationError("'--baseline' must be positive.")
    }
    if calibration != nil && focal != nil {
      throw ValidationError("Give either '--calibration' or '--focal'/'--baseline', not both.")
    }
    if (cx != nil || cy != nil || doffs != 0) && focal == nil {
      throw ValidationError("'--cx', '--cy' and '--doffs' go with '--focal' and '--baseline'.")
    }
    if rightCalibration != nil && calibration == nil {
      throw ValidationError("'--right-calibration' goes with '--calibration'.")
    }
    for value in [cx, cy, doffs].compactMap({ $0 }) where !value.isFinite {
      throw ValidationError("'--cx', '--cy' and '--doffs' must be finite.")
    }
  }

  /// The first calibration option given, or `nil` without a calibration.
  var givenOption: String? {
    calibration != nil ? "--calibration" : focal != nil ? "--focal" : nil
  }

  /// The calibration file's contents, or `nil` without `--calibration`.
  ///
  /// - Throws: ``ClassicStereoError`` naming the file and the key when it is malformed.
  func rig() throws -> StereoRigCalibration? {
    guard let calibration else { return nil }
    return try StereoRigCalibration.read(
      URL(fileURLWithPath: calibration), right: rightCalibration.map { URL(fileURLWithPath: $0) })
  }

  /// The rectified left camera, or `nil` when no calibration was given. Without `--cx/--cy`
  /// (and with a file that gives none) the principal point is the image centre.
  ///
  /// - Throws: When the file is malformed or made for another image size.
  func camera(width: Int, height: Int, rig: StereoRigCalibration? = nil) throws
    -> RectifiedStereoCamera?
  {
    try cameraMaker(rig: rig ?? self.rig())(width, height)
  }

  /// ``camera(width:height:rig:)`` as a function of the image size that may run on any thread
  /// (for pairs decoded in the background).
  func cameraMaker(rig: StereoRigCalibration?)
    -> @Sendable (Int, Int) throws
    -> RectifiedStereoCamera?
  {
    let (focal, baseline, cx, cy, doffs) = (focal, baseline, cx, cy, doffs)
    return { width, height in
      if let focal, let baseline {
        return RectifiedStereoCamera(
          focalLength: focal, principalPointX: cx ?? Float(width - 1) / 2,
          principalPointY: cy ?? Float(height - 1) / 2, baseline: baseline,
          disparityOffset: doffs)
      }
      guard let values = rig else { return nil }
      try values.checkImageSize(width: width, height: height)
      return RectifiedStereoCamera(
        focalLength: Float(values.focalLengthX), focalLengthY: Float(values.focalLengthY),
        principalPointX: Float(values.principalPointX),
        principalPointY: Float(values.principalPointY),
        baseline: Float(values.baseline), disparityOffset: Float(values.disparityOffset))
    }
  }
}
