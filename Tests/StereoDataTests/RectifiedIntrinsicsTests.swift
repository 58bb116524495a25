import Foundation
import StereoData
import Testing
import _StereoTestSupport

/// The one Middlebury and KITTI calibration parser, behind both `StereoCalibration` and
/// `StereoRigCalibration`.
@Suite("Rectified intrinsics") struct RectifiedIntrinsicsTests {
  private func write(_ text: String, _ name: String, in folder: TemporaryFolder) throws -> URL {
    let url = folder.file(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  @Test("Middlebury: fx, fy, cx, cy from cam0, baseline mm → m, doffs, width, height")
  func middlebury() throws {
    let folder = try TemporaryFolder()
    let url = try write(
      "cam0=[1000.5 0 300.25; 0 1001 200.5; 0 0 1]\ncam1=[1000.5 0 310; 0 1001 200.5; 0 0 1]\n"
        + "doffs=9.75\nbaseline=176.25\nwidth=640\nheight=480\nndisp=64\n", "calib.txt", in: folder)
    let intrinsics = try RectifiedIntrinsics.readMiddlebury(url)
    #expect(intrinsics.focalLengthX == 1000.5 && intrinsics.focalLengthY == 1001)
    #expect(intrinsics.principalPointX == 300.25 && intrinsics.principalPointY == 200.5)
    #expect(intrinsics.baseline == 0.17625 && intrinsics.disparityOffset == 9.75)
    #expect(intrinsics.imageWidth == 640 && intrinsics.imageHeight == 480)
    // The dataset's depth calibration is the same file's fx, B and doffs.
    #expect(
      try StereoCalibration.readMiddlebury(url)
        == StereoCalibration(focalLength: 1000.5, baseline: 0.17625, disparityOffset: 9.75))
    // doffs, width and height are optional.
    let bare = try RectifiedIntrinsics.readMiddlebury(
      "cam0=[10 0 5; 0 10 4; 0 0 1]\nbaseline=100\n", source: "bare.txt")
    #expect(bare.disparityOffset == 0 && bare.imageWidth == nil && bare.baseline == 0.1)
  }

  @Test("KITTI: B = (P2[0,3] − P3[0,3]) / fx, doffs = P3[0,2] − P2[0,2], S_rect_02 the size")
  func kitti() throws {
    let folder = try TemporaryFolder()
    // fx = 700, left tx 0, right −fx·0.5 = −350; right cx 5 px further right.
    let text =
      "S_rect_02: 1.242000e+03 3.750000e+02\n"
      + "P_rect_02: 700 0 600 0 0 710 170 0 0 0 1 0\n"
      + "P_rect_03: 700 0 605 -350 0 710 170 0 0 0 1 0\n"
    let url = try write(text, "000000.txt", in: folder)
    let intrinsics = try RectifiedIntrinsics.readKITTI(url)
    #expect(intrinsics.focalLengthX == 700 && intrinsics.focalLengthY == 710)
    #expect(intrinsics.principalPointX == 600 && intrinsics.principalPointY == 170)
    #expect(intrinsics.baseline == 0.5 && intrinsics.disparityOffset == 5)
    #expect(intrinsics.imageWidth == 1242 && intrinsics.imageHeight == 375)
    #expect(
      try StereoCalibration.readKITTI(url)
        == StereoCalibration(focalLength: 700, baseline: 0.5, disparityOffset: 5))
    // KITTI 2012's calib.txt names the projections P2 and P3 and gives no size.
    let old = try RectifiedIntrinsics.readKITTI(
      "P0: 1 0 0 0 0 1 0 0 0 0 1 0\nP2: 700 0 600 70 0 700 170 0 0 0 1 0\n"
        + "P3: 700 0 600 -280 0 700 170 0 0 0 1 0\n", source: "calib.txt")
    #expect(old.baseline == 0.5 && old.imageWidth == nil)
  }

  @Test(
    "Bad values stop with one line naming the file and the key",
    arguments: [
      ("calib.txt", "cam0=[0 0 5; 0 10 4; 0 0 1]\nbaseline=100\n", "'cam0'"),
      ("calib.txt", "cam0=[10 0 inf; 0 10 4; 0 0 1]\nbaseline=100\n", "'cam0'"),
      ("calib.txt", "cam0=[10 0 5; 0 -10 4; 0 0 1]\nbaseline=100\n", "'cam0'"),
      ("calib.txt", "cam0=[10 0 5; 0 10 4; 0 0]\nbaseline=100\n", "'cam0'"),
      ("calib.txt", "baseline=100\n", "'cam0'"),
      ("calib.txt", "cam0=[10 0 5; 0 10 4; 0 0 1]\nbaseline=-100\n", "'baseline'"),
      ("calib.txt", "cam0=[10 0 5; 0 10 4; 0 0 1]\ndoffs=\n", "'baseline'"),
      ("calib.txt", "cam0=[10 0 5; 0 10 4; 0 0 1]\nbaseline=100\ndoffs=nan\n", "'doffs'"),
      ("calib.txt", "cam0=[10 0 5; 0 10 4; 0 0 1]\nbaseline=100\nwidth=-3\n", "'width'"),
      ("cam.txt", "P_rect_02: 700 0 600 0 0 700 170 0 0 0 1 0\n", "'P_rect_03'"),
      (
        "cam.txt", "P2: -700 0 600 0 0 700 170 0 0 0 1 0\nP3: 700 0 600 -350 0 700 170 0 0 0 1 0\n",
        "'P2'"
      ),
      (
        "cam.txt", "P2: 700 0 600 0 0 700 170 0 0 0 1 0\nP3: 700 0 600 350 0 700 170 0 0 0 1 0\n",
        "'P3'"
      ),
      (
        "cam.txt",
        "S_rect_02: 12.5 375\nP2: 700 0 600 0 0 700 170 0 0 0 1 0\n"
          + "P3: 700 0 600 -350 0 700 170 0 0 0 1 0\n", "'S_rect_02'"
      ),
    ])
  func badFiles(name: String, text: String, key: String) throws {
    let folder = try TemporaryFolder()
    let url = try write(text, name, in: folder)
    do {
      _ =
        try name == "calib.txt"
        ? StereoCalibration.readMiddlebury(url) : StereoCalibration.readKITTI(url)
      Issue.record("\(name) was accepted: \(text)")
    } catch {
      let message = "\(error)"
      #expect(error is StereoDataError, "\(message)")
      #expect(message.hasPrefix(url.path + ": ") && message.contains(key), "\(message)")
      #expect(!message.contains("\n"), "\(message)")
    }
  }
}
