import ArgumentParser
import Foundation
import StereoData
import StereoDepth

/// The camera parameters that turn disparity into metric depth.
struct CalibrationOptions: ParsableArguments {
  @Option(help: "The focal length in pixels (at the input's resolution).")
  var focal: Float?

  @Option(help: "The baseline in metres.")
  var baseline: Float?

  @Option(help: "The difference of the principal points' x, in pixels (Middlebury 'doffs').")
  var doffs: Float = 0

  @Option(help: "A Middlebury calib.txt or KITTI calib_cam_to_cam.txt to read f, B and doffs from.")
  var calibration: String?

  func validate() throws {
    if (focal == nil) != (baseline == nil) {
      throw ValidationError("'--focal' and '--baseline' go together.")
    }
    if let focal, !(focal > 0) { throw ValidationError("'--focal' must be positive.") }
    if let baseline, !(baseline > 0) { throw ValidationError("'--baseline' must be positive.") }
    if calibration != nil && focal != nil {
      throw ValidationError("Give either '--calibration' or '--focal'/'--baseline', not both.")
    }
  }

  /// The camera, or `nil` when no calibration was given; the principal point is the image centre.
  func camera(width: Int, height: Int) throws -> RectifiedStereoCamera? {
    var calibrationValues: StereoCalibration?
    if let focal, let baseline {
      calibrationValues = StereoCalibration(focalLength: focal, baseline: baseline, disparityOffset: doffs)
    } else if let calibration {
      let url = URL(fileURLWithPath: calibration)
      let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
      calibrationValues = text.contains("cam0") ? try StereoCalibration.readMiddlebury(url) : try StereoCalibration.readKITTI(url)
    }
    guard let values = calibrationValues else { return nil }
    return RectifiedStereoCamera(
      focalLength: values.focalLength, principalPointX: Float(width - 1) / 2, principalPointY: Float(height - 1) / 2,
      baseline: values.baseline, disparityOffset: values.disparityOffset)
  }
}
