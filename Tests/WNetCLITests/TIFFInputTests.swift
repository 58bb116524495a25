import Foundation
import Testing
import _StereoTestSupport

/// Writes one stereo pair twice with OpenCV, as TIFF and as PNG.
///
/// argv = folder. The views are two windows of a blurred random texture, 5 pixels apart
/// (disparity 5).
private let pairScript = """
  import cv2, sys, numpy as np
  folder = sys.argv[1]
  rng = np.random.default_rng(3)
  texture = cv2.GaussianBlur(rng.integers(0, 256, (80, 140, 3), dtype=np.uint8), (3, 3), 0)
  left, right = texture[:, 0:128], texture[:, 5:133]
  for name, view in (("left", left), ("right", right)):
      assert cv2.imwrite(f"{folder}/{name}.tif", view)
      assert cv2.imwrite(f"{folder}/{name}.png", view)
  """

@Suite("wnet infer with TIFF views", .serialized)
struct TIFFInputTests {
  static let hasOpenCVPython = DebianPython.hasOpenCV

  @Test(
    "infer L.tif R.tif writes what infer L.png R.png writes for the same pixels (cv2 files)",
    .enabled(if: hasOpenCVPython, "/usr/bin/python3 with cv2 not found; skipped"))
  func tiffMatchesPNG() throws {
    let folder = try TemporaryFolder()
    _ = try PythonInterpreter.runScript(
      pairScript, command: [DebianPython.path], arguments: [folder.url.path])
    var disparities: [Data] = []
    for format in ["tif", "png"] {
      let output = folder.file("out-\(format)")
      let outcome = try CommandLineErrorTests.run([
        "infer", folder.file("left.\(format)").path, folder.file("right.\(format)").path,
        "--method", "sgbm", "--max-disparity", "16", "--output", output.path,
      ])
      #expect(outcome.status == 0, "\(format): \(outcome.standardError)")
      disparities.append(try Data(contentsOf: output.appendingPathComponent("disparity.pfm")))
    }
    #expect(disparities[0] == disparities[1], "the TIFF pair gave another disparity map")
  }

  @Test("A truncated TIFF view stops with one line naming it; libtiff prints nothing")
  func truncated() throws {
    let folder = try TemporaryFolder()
    // A little-endian header whose directory, at offset 8, claims 12 entries and then ends.
    let cut = folder.file("cut.tif")
    try Data([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 12, 0, 0x00, 0x01, 3, 0]).write(to: cut)
    try CommandLineErrorTests().expectOneLineError(
      ["infer", cut.path, cut.path, "--method", "sgbm", "--output", folder.file("out").path],
      mentioning: "cut.tif: corrupt TIFF file")
  }
}
