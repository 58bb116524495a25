import ArgumentParser
import Foundation
import StereoClassic
import StereoData

extension WNetCommand {
  struct Rectify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rectify a raw stereo pair with a calibration file (OpenCV stereoRectify + remap).",
      discussion: """
        Reads an OpenCV FileStorage YAML/XML stereo calibration (K1 D1 K2 D2 R T and the image \
        size, optionally R1 R2 P1 P2), a pair of ROS CameraInfo files (--calibration LEFT \
        --right-calibration RIGHT) or the JSON form, and writes DIR/left.png and DIR/right.png: \
        the views undistorted and rotated so that matching points share a row (bilinear, black \
        outside the raw images). It prints the rectified left camera's fx, fy, cx, cy and the \
        baseline, which depth and point clouds then use.

        Examples:
          wnet rectify raw-l.png raw-r.png --calibration stereo.yml -o rect
          wnet rectify l.png r.png --calibration l.yaml --right-calibration r.yaml
        """)

    @Argument(help: "The raw left and right views (PNG or JPEG), the size the calibration is for.")
    var views: [String] = []

    @Option(help: "The calibration file.")
    var calibration: String

    @Option(help: "The right camera's ROS CameraInfo YAML, when --calibration is the left one's.")
    var rightCalibration: String?

    @Option(
      name: .shortAndLong,
      help: "The output directory.")
    var output = "wnet-rectified"

    func validate() throws {
      guard views.count == 2 else { throw ValidationError("Give the left and right views.") }
    }

    func run() throws {
      let left = try ImageIO.readColor(URL(fileURLWithPath: views[0]))
      let right = try ImageIO.readColor(URL(fileURLWithPath: views[1]))
      guard left.width == right.width, left.height == right.height else {
        throw CLIError(
          "\(views[0]) is \(left.width)x\(left.height) but \(views[1]) is "
            + "\(right.width)x\(right.height); the views of a rig must have the same size")
      }
      let rig = try StereoRigCalibration.read(
        URL(fileURLWithPath: calibration),
        right: rightCalibration.map { URL(fileURLWithPath: $0) })
      guard rig.needsRectification else {
        throw CLIError("\(calibration) describes rectified images; there is nothing to rectify")
      }
      let maps = try RectificationMaps(calibration: rig, width: left.width, height: left.height)
      let rectified = try maps.rectify(left: left, right: right)
      let directory = URL(fileURLWithPath: output)
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      } catch {
        throw CLIError("cannot create the output directory \(directory.path)")
      }
      let leftURL = directory.appendingPathComponent("left.png")
      let rightURL = directory.appendingPathComponent("right.png")
      try ImageIO.writePNG(rectified.left, to: leftURL)
      try ImageIO.writePNG(rectified.right, to: rightURL)
      print(
        String(
          format: "Rectified %dx%d: fx %.3f, fy %.3f, cx %.3f, cy %.3f, baseline %.6g, doffs %.3f",
          left.width, left.height, rig.focalLengthX, rig.focalLengthY, rig.principalPointX,
          rig.principalPointY, rig.baseline, rig.disparityOffset))
      print("  \(leftURL.path)")
      print("  \(rightURL.path)")
    }
  }
}
