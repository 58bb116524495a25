import Foundation
import Testing
import _StereoTestSupport

/// The label-free photometric check's script on a pair whose truth is known by construction.
///
/// `benchmarks/changed_pixels_photometric.py` is the second judge of settings that shape depth
/// edges (`benchmarks/judges.sh photometric`). The pair: a random texture `T` of width `W + 7`,
/// the left view `T[:, 0..<W]` and the right view `T[:, 7..<W+7]`, so `R(x − 7) = L(x)`
/// everywhere. Between columns 9 and `W − 3` neither census window meets an image border, so a
/// map of 7 there has census and grey cost exactly 0, and a map of 9 a positive one. Runs in
/// Debian's `/usr/bin/python3` (the script needs `cv2`).
@Suite("The changed-pixel photometric check")
struct ChangedPixelsPhotometricTests {
  static let interpreter = DebianPython.path
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("benchmarks/changed_pixels_photometric.py")

  /// Writes the pair into `DATA/scene/im{0,1}.png` and maps of 7 and 9 px into
  /// `A/scene/disparity.pfm` and `B/scene/disparity.pfm` (unknown, `inf`, outside the columns).
  static let setup = """
    import sys, os
    import numpy as np, cv2
    root = sys.argv[1]
    h, w, shift = 24, 40, 7
    texture = np.random.default_rng(3).integers(0, 256, (h, w + shift)).astype(np.uint8)
    os.makedirs(root + "/data/scene")
    cv2.imwrite(root + "/data/scene/im0.png", texture[:, :w])
    cv2.imwrite(root + "/data/scene/im1.png", texture[:, shift:])
    for name, value in (("true", 7.0), ("wrong", 9.0)):
        d = np.full((h, w), np.inf, np.float32)
        d[:, 9:w - 2] = value
        os.makedirs(root + "/" + name + "/scene")
        with open(root + "/" + name + "/scene/disparity.pfm", "wb") as f:
            f.write(b"Pf\\n%d %d\\n-1.0\\n" % (w, h))
            f.write(np.flipud(d).astype("<f4").tobytes())
    """

  /// The script's one-line summary for maps `first` against `second`.
  func summary(_ folder: TemporaryFolder, _ first: String, _ second: String) throws -> String {
    let root = folder.url.path
    let result = try PythonInterpreter.run(
      command: [Self.interpreter],
      arguments: [Self.script.path, "\(root)/\(first)", "\(root)/\(second)", "\(root)/data"])
    #expect(result.status == 0, "\(result.error)")
    return String(decoding: result.output, as: UTF8.self)
  }

  @Test(
    "The true shift costs nothing and wins; the order of the maps only swaps the columns",
    .enabled(
      if: DebianPython.hasOpenCV, "/usr/bin/python3 with cv2 not found; the check is skipped"))
  func trueShiftWins() throws {
    let folder = try TemporaryFolder()
    _ = try PythonInterpreter.runScript(
      Self.setup, command: [Self.interpreter], arguments: [folder.url.path])
    // 24 rows × columns 9…37 (29), all changed by 2 px and inside the right view.
    let forward = try summary(folder, "true", "wrong")
    let head = "696 changed pixels in 1 pairs: census cost 0.000 (A)"
    #expect(forward.hasPrefix(head), "\(forward)")
    #expect(forward.contains("grey cost 0.00 against"), "\(forward)")
    #expect(forward.contains("B lower in 0 of 1 pairs"), "\(forward)")
    let backward = try summary(folder, "wrong", "true")
    #expect(backward.contains("against 0.000 (B)"), "\(backward)")
    #expect(backward.contains("B lower in 1 of 1 pairs"), "\(backward)")
    // The wrong map's cost is positive: random texture two columns off.
    let cost = backward.split(separator: " ").dropFirst(8).first.flatMap { Double($0) } ?? 0
    #expect(cost > 1, "\(backward)")
  }
}
