import Foundation
import Testing
import _StereoTestSupport

/// `benchmarks/holes.py`'s split of a bad-3 score, on one row computed by hand.
///
/// Ground truth 3 px across 8 columns, so the left band `x < d` is columns 0…2; column 5 is
/// occluded by the mask. The prediction `[∞, ∞, ∞, 9, 3, ∞, 3, 0]` (0 is unknown, as `wnet eval`
/// reads a KITTI PNG) is filled as the devkit does: the leading run takes its one neighbour, 9;
/// column 5 the smaller of 3 and 3; the trailing 0 its left neighbour, 3. So
/// `[9, 9, 9, 9, 3, 3, 3, 3]`: columns 0…3 are off by 6 px, the others exact. By hand: density
/// 3/8 (columns 3, 4, 6), kept wrong 1/3, holes 5/8 of which 3/5 wrong, total 4/8, band 3/8,
/// other occluded 0, visible 1/8 (column 3). Runs in Debian's `/usr/bin/python3` (`cv2`).
@Suite("The bad-3 split by holes and regions")
struct HolesScriptTests {
  static let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("benchmarks")

  static let check = """
    import sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    from holes import split
    gt = np.full((1, 8), 3.0)
    visible = np.ones((1, 8), bool)
    visible[0, 5] = False
    prediction = np.array([[np.inf, np.inf, np.inf, 9, 3, np.inf, 3, 0]])
    s = split(prediction, gt, visible)
    keys = ("density", "kept", "holes", "hole share", "total", "band", "occluded", "visible")
    print(" ".join("%.4f" % s[k] for k in keys))
    print(split(prediction, gt)["occluded"])
    """

  @Test(
    "The parts match the row worked by hand, and scenes without a mask leave two empty",
    .enabled(
      if: DebianPython.hasOpenCV, "/usr/bin/python3 with cv2 not found; the check is skipped"))
  func handWorkedRow() throws {
    let output = String(
      decoding: try PythonInterpreter.runScript(
        Self.check, command: [DebianPython.path], arguments: [Self.benchmarks.path]),
      as: UTF8.self
    ).split(separator: "\n").map(String.init)
    let expected: [Double] = [3.0 / 8, 1.0 / 3, 3.0 / 5, 5.0 / 8, 4.0 / 8, 3.0 / 8, 0, 1.0 / 8]
    let line = expected.map { String(format: "%.4f", $0) }.joined(separator: " ")
    #expect(output.first == line)
    #expect(output.last == "None")
  }
}
