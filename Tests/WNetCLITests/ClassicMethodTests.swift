import Foundation
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

/// Compares `wnet infer --method sgbm`'s outputs with cv2.StereoSGBM on the same files: argv =
/// left right output-dir numDisparities blockSize uniquenessRatio. Prints the number of
/// disparities that differ from cv2's `d/16` (invalid: +inf), of KITTI PNG values that are not 0
/// where invalid, of colour pixels not black where invalid, and the invalid count.
private let compareScript = """
  import cv2, sys, numpy as np
  left, right, out = sys.argv[1], sys.argv[2], sys.argv[3]
  n, b, u = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
  m = cv2.StereoSGBM_create(minDisparity=0, numDisparities=n, blockSize=b, P1=24 * b * b,
                            P2=96 * b * b, uniquenessRatio=u)
  d = m.compute(cv2.imread(left), cv2.imread(right))
  expected = np.where(d < 0, np.inf, d.astype(np.float32) / 16).astype(np.float32)
  with open(out + "/disparity.pfm", "rb") as f:
      assert f.readline().strip() == b"Pf"
      w, h = map(int, f.readline().split())
      scale = float(f.readline())
      ours = np.flipud(np.frombuffer(f.read(), "<f4" if scale < 0 else ">f4").reshape(h, w))
  differ = int(np.sum(~((ours == expected) | (np.isinf(ours) & np.isinf(expected)))))
  png = cv2.imread(out + "/disparity.png", cv2.IMREAD_UNCHANGED)
  color = cv2.imread(out + "/disparity-color.png")
  invalid = d < 0
  print(differ, int(np.sum(png[invalid] != 0)), int(np.sum(color[invalid] != 0)),
        int(invalid.sum()))
  """

@Suite("wnet with OpenCV: --method sgbm, rectify, calibration files", .serialized)
struct ClassicMethodTests {
  static let hasOpenCVPython = DebianPython.hasOpenCV

  @Test(
    "infer --method sgbm equals cv2.StereoSGBM bit for bit; invalid pixels are inf, 0, black",
    .enabled(if: hasOpenCVPython, "/usr/bin/python3 with cv2 not found; skipped"))
  func inferMatchesOpenCV() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 77)
    let pair = SyntheticStereoGenerator(
      configuration: .init(width: 128, height: 80, minimumDisparity: 2, maximumDisparity: 30)
    ).makeScene(using: &generator).render()
    let (left, right) = try CommandLineErrorTests.writeViews(pair.left, pair.right, in: folder)
    let output = folder.appendingPathComponent("out")
    // --max-disparity 40 → numDisparities 48.
    let outcome = try CommandLineErrorTests.run([
      "infer", left.path, right.path, "--method", "sgbm", "--max-disparity", "40",
      "--block-size", "5", "--uniqueness-ratio", "10", "--output", output.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let script = folder.appendingPathComponent("compare.py")
    try Data(compareScript.utf8).write(to: script)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: DebianPython.path)
    process.arguments = [script.path, left.path, right.path, output.path, "48", "5", "10"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let counts = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    try #require(counts.count == 4, "compare.py printed: \(text)")
    #expect(counts[0] == 0, "\(counts[0]) disparities differ from cv2")
    #expect(counts[1] == 0 && counts[2] == 0, "invalid pixels not marked: \(counts)")
    #expect(counts[3] > 0, "uniqueness 10 leaves some pixels invalid")
  }

  @Test("A bad calibration file stops with one line naming the file and the key")
  func badCalibration() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let image = Image(width: 32, height: 24, channels: 3, repeating: 0.5)
    let left = folder.appendingPathComponent("l.png")
    try ImageIO.writePNG(image, to: left)
    let calibration = folder.appendingPathComponent("rig.json")
    try Data(#"{"fx": 500, "cx": 16, "cy": 12, "baseline": -0.1}"#.utf8).write(to: calibration)
    try CommandLineErrorTests().expectOneLineError(
      [
        "infer", left.path, left.path, "--method", "sgbm", "--calibration", calibration.path,
        "--output", folder.appendingPathComponent("o").path,
      ],
      mentioning: "'baseline'")
    try Data(#"{"fx": 500, "cx": 16, "cy": 12, "baseline": 0.1, "width": 640, "height": 480}"#.utf8)
      .write(to: calibration)
    try CommandLineErrorTests().expectOneLineError(
      [
        "infer", left.path, left.path, "--method", "sgbm", "--calibration", calibration.path,
        "--output", folder.appendingPathComponent("o").path,
      ],
      mentioning: "640x480")
  }

  @Test("rectify writes left.png and right.png for a raw rig given as JSON")
  func rectify() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 5)
    let pair = SyntheticStereoGenerator(
      configuration: .init(width: 64, height: 48, minimumDisparity: 2, maximumDisparity: 8)
    ).makeScene(using: &generator).render()
    let left = folder.appendingPathComponent("l.png")
    let right = folder.appendingPathComponent("r.png")
    try ImageIO.writePNG(pair.left, to: left)
    try ImageIO.writePNG(pair.right, to: right)
    let calibration = folder.appendingPathComponent("rig.json")
    try Data(
      #"""
      {"width": 64, "height": 48,
       "left": {"fx": 60, "cx": 32, "cy": 24, "distortion": [-0.05, 0, 0, 0]},
       "right": {"fx": 60, "cx": 31, "cy": 24}, "rotation": [1, 0, 0, 0, 1, 0, 0, 0, 1],
       "translation": [-0.1, 0.002, 0]}
      """#.utf8
    ).write(to: calibration)
    let output = folder.appendingPathComponent("rect")
    let outcome = try CommandLineErrorTests.run([
      "rectify", left.path, right.path, "--calibration", calibration.path, "--output", output.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let rectified = try ImageIO.readColor(output.appendingPathComponent("left.png"))
    #expect(rectified.width == 64 && rectified.height == 48)
    #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("right.png").path))
  }
}
