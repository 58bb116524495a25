import Foundation
import StereoClassic
import Testing
import _StereoTestSupport

@Suite("Calibration files")
struct CalibrationFileTests {
  private func write(_ text: String, _ name: String, in folder: TemporaryFolder) throws -> URL {
    let url = folder.file(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  @Test("Middlebury calib.txt gives fx, fy, cx, cy, B in metres and doffs")
  func middlebury() throws {
    let folder = try TemporaryFolder()
    let url = try write(
      """
      cam0=[1246.667 0 231.0; 0 1246.667 184.5; 0 0 1]
      cam1=[1246.667 0 297.7; 0 1246.667 184.5; 0 0 1]
      doffs=66.667
      baseline=160
      width=463
      height=370
      """, "calib.txt", in: folder)
    let calibration = try StereoRigCalibration.read(url)
    #expect(calibration.focalLengthX == 1246.667 && calibration.principalPointX == 231)
    #expect(calibration.principalPointY == 184.5 && calibration.baseline == 0.16)
    #expect(calibration.disparityOffset == 66.667 && !calibration.needsRectification)
    #expect(calibration.imageWidth == 463)
  }

  @Test("KITTI calib_cam_to_cam.txt gives B = (P2[3] − P3[3]) / fx")
  func kitti() throws {
    let folder = try TemporaryFolder()
    let url = try write(
      """
      S_rect_02: 1.242000e+03 3.750000e+02
      P_rect_02: 7.215377e+02 0.000000e+00 6.095593e+02 4.485728e+01 0.000000e+00 7.215377e+02 1.728540e+02 2.163791e-01 0.000000e+00 0.000000e+00 1.000000e+00 2.745884e-03
      P_rect_03: 7.215377e+02 0.000000e+00 6.095593e+02 -3.395242e+02 0.000000e+00 7.215377e+02 1.728540e+02 2.199936e+00 0.000000e+00 0.000000e+00 1.000000e+00 2.729905e-03
      """, "calib_cam_to_cam.txt", in: folder)
    let calibration = try StereoRigCalibration.read(url)
    // (44.85728 + 339.5242) / 721.5377 = 0.532725
    #expect(abs(calibration.baseline - 0.532_725) < 1e-5)
    #expect(calibration.principalPointY == 172.854 && calibration.imageWidth == 1242)
  }

  @Test("ROS CameraInfo left + right files give the projection's intrinsics and baseline")
  func ros() throws {
    let folder = try TemporaryFolder()
    func info(_ tx: Double, _ k13: Double) -> String {
      """
      image_width: 640
      image_height: 480
      camera_name: cam
      camera_matrix:
        rows: 3
        cols: 3
        data: [500.0, 0.0, \(k13), 0.0, 502.0, 241.0, 0.0, 0.0, 1.0]
      distortion_model: plumb_bob
      distortion_coefficients:
        rows: 1
        cols: 5
        data: [-0.1, 0.02, 0.0, 0.0, 0.0]
      rectification_matrix:
        rows: 3
        cols: 3
        data: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
      projection_matrix:
        rows: 3
        cols: 4
        data: [480.0, 0.0, 330.0, \(tx),
               0.0, 480.0, 240.0, 0.0,
               0.0, 0.0, 1.0, 0.0]
      """
    }
    let left = try write(info(0, 322), "left.yaml", in: folder)
    let right = try write(info(-36, 318), "right.yaml", in: folder)
    let calibration = try StereoRigCalibration.read(left, right: right)
    #expect(calibration.focalLengthX == 480 && calibration.principalPointX == 330)
    #expect(abs(calibration.baseline - 0.075) < 1e-12 && calibration.needsRectification)
    #expect(throws: ClassicStereoError.self) { try StereoRigCalibration.read(left) }
  }

  @Test("JSON: the rectified form and the raw-rig form")
  func json() throws {
    let folder = try TemporaryFolder()
    let rectified = try write(
      #"{"fx": 700, "fy": 702, "cx": 300.5, "cy": 200.25, "baseline": 0.12, "width": 640, "height": 400}"#,
      "rectified.json", in: folder)
    let calibration = try StereoRigCalibration.read(rectified)
    #expect(calibration.focalLengthY == 702 && calibration.principalPointY == 200.25)
    #expect(throws: ClassicStereoError.self) {
      try calibration.checkImageSize(width: 640, height: 480)
    }
    let raw = try write(
      #"""
      {"width": 320, "height": 240,
       "left": {"fx": 300, "cx": 160, "cy": 120, "distortion": [-0.1, 0.01, 0, 0, 0]},
       "right": {"fx": 300, "cx": 160, "cy": 120},
       "rotation": [1, 0, 0, 0, 1, 0, 0, 0, 1], "translation": [-0.06, 0, 0]}
      """#, "raw.json", in: folder)
    let rig = try StereoRigCalibration.read(raw)
    #expect(rig.needsRectification && abs(rig.baseline - 0.06) < 1e-9)
  }

  @Test(
    "Bad files stop with one line naming the file and the key",
    arguments: [
      ("calib.txt", "cam0=[1000 0 10; 0 1000 20; 0 0 1]\ndoffs=0\nbaseline=-3\n", "'baseline'"),
      ("calib.txt", "cam0=[1000 0 10; 0 1000 20; 0 0 1]\ndoffs=0\n", "'baseline'"),
      ("c.json", #"{"fx": 700, "cx": 1, "cy": 2, "baseline": 0}"#, "'baseline'"),
      ("c.json", #"{"fx": 700, "cy": 2, "baseline": 1}"#, "'cx'"),
      (
        "rig.yml",
        "%YAML:1.0\nK1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [1]\n",
        "rig.yml"
      ),
      ("rig.yml", "%YAML:1.0\nD1: [0, 0, 0, 0]\n", "'K1'"),
      (
        "rig.yml",
        "%YAML:1.0\nK1: [[\n", "rig.yml"
      ),
      (
        "rig.yml",
        """
        %YAML:1.0
        K1: !!opencv-matrix
           rows: 3
           cols: 3
           dt: d
           data: [300, 0, 160, 0, 300, 120, 0, 0, 1]
        D1: [0, 0, 0, 0]
        K2: !!opencv-matrix
           rows: 3
           cols: 3
           dt: d
           data: [300, 0, 160, 0, 300, 120, 0, 0, 1]
        D2: [0, 0, 0, 0]
        R: !!opencv-matrix
           rows: 3
           cols: 3
           dt: d
           data: [1, 0, 0, 0, 1, 0, 0, 0, 0]
        T: [-0.1, 0, 0]
        image_width: 320
        image_height: 240
        """, "'R'"
      ),
    ])
  func badFiles(name: String, text: String, key: String) throws {
    let folder = try TemporaryFolder()
    let url = try write(text, name, in: folder)
    do {
      _ = try StereoRigCalibration.read(url)
      Issue.record("\(name) was accepted")
    } catch {
      let message = error.description
      #expect(message.contains(url.path) && message.contains(key), "\(message)")
      #expect(!message.contains("\n"), "\(message)")
    }
  }
}
