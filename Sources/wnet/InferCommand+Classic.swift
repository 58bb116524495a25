import Foundation
import StereoClassic
import StereoData
import StereoDepth

extension WNetCommand.Infer {
  /// The views rectified with the calibration's maps when it describes a raw rig; unchanged
  /// otherwise. Disparity, depth and points are then in the rectified left camera's frame.
  static func rectifiedIfRaw(_ left: Image, _ right: Image, rig: StereoRigCalibration?) throws
    -> (Image, Image)
  {
    guard let rig, rig.needsRectification else { return (left, right) }
    let maps = try RectificationMaps(calibration: rig, width: left.width, height: left.height)
    return try maps.rectify(left: left, right: right)
  }

  /// `--method sgbm`: OpenCV's StereoSGBM on the (rectified) pair, written like the network's
  /// output.
  func runClassic(_ left: Image, _ right: Image, camera: RectifiedStereoCamera?) throws {
    let start = Date()
    let disparity = try classic.disparity(left: left, right: right, maximumDisparity: maxDisparity)
    let seconds = Date().timeIntervalSince(start)
    let written = try writer(outputFolder, camera: camera).writeClassic(
      disparity: disparity, left: left)
    let valid = disparity.pixels.filter(\.isFinite).count
    print(
      String(
        format: "SGBM disparity for %dx%d in %.1f ms (%.1f%% of pixels valid).", left.width,
        left.height, seconds * 1000, 100 * Double(valid) / Double(max(disparity.pixels.count, 1))))
    for url in written { print("  \(url.path)") }
  }
}
