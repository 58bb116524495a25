import Foundation
import Testing
import _StereoTestSupport

/// The temporal judge's script on a sequence whose motion and depth are known by construction.
///
/// `benchmarks/temporal_judge.py` compares two maps of a moving stereo camera's frames by how well
/// each rebuilds the later frames (`benchmarks/judges.sh temporal`). The sequence: a random
/// texture `T`, frames `I_t(x) = T(x + 12 − 6t)` (20×48, three frames), a camera of `f = 100`,
/// baseline 0.5 m, moving 0.6 m a frame along x (the cached poses, so no pose is estimated). A
/// plane at 10 m has disparity `f·B/Z = 5` and lands `f·0.6k/Z = 6k` px to the right in frame
/// `t + k`, exactly where `I_{t+k}` holds the same texture: census and grey cost 0. A map of 6
/// (8.33 m) lands 7.2k px away, a positive cost. Runs in Debian's `/usr/bin/python3` (`cv2`).
@Suite("The temporal judge")
struct TemporalJudgeTests {
  static let interpreter = DebianPython.path
  static let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("benchmarks")
  static let script = benchmarks.appendingPathComponent("temporal_judge.py")

  /// Writes `DATA/sequence1` (calib.txt, left/), the poses' cache `POSES/sequence1.npz` and maps
  /// of 5 and 6 px (columns 3…29, `inf` elsewhere) for frames 0 and 1 into `true/` and `wrong/`.
  static let setup = """
    import sys, os
    import numpy as np, cv2
    root = sys.argv[1]
    h, w, step = 20, 48, 6
    texture = np.random.default_rng(5).integers(0, 256, (h, w + 2 * step)).astype(np.uint8)
    sequence = root + "/data/sequence1"
    os.makedirs(sequence + "/left")
    with open(sequence + "/calib.txt", "w") as f:
        f.write("100 0 24 0 0 100 10 0 0 0 1 0\\n100 0 24 -50 0 100 10 0 0 0 1 0\\n")
    for t in range(3):
        cv2.imwrite(sequence + "/left/%06d.png" % t, texture[:, 2 * step - step * t:][:, :w])
    pairs = [(0, 1), (1, 2), (0, 2)]
    os.makedirs(root + "/poses")
    np.savez(root + "/poses/sequence1.npz", first=[a for a, _ in pairs],
             second=[b for _, b in pairs], rotations=[np.eye(3)] * 3,
             translations=[[0.6 * (b - a), 0, 0] for a, b in pairs])
    for name, value in (("true", 5.0), ("wrong", 6.0)):
        for t in range(2):
            d = np.full((h, w), np.inf, np.float32)
            d[:, 3:w - 18] = value
            folder = root + "/%s/sequence1/%06d" % (name, t)
            os.makedirs(folder)
            with open(folder + "/disparity.pfm", "wb") as f:
                f.write(b"Pf\\n%d %d\\n-1.0\\n" % (w, h))
                f.write(np.flipud(d).astype("<f4").tobytes())
    """

  /// The script's summary for maps `first` against `second`.
  func summary(_ folder: TemporaryFolder, _ first: String, _ second: String, visible: Bool)
    throws -> String
  {
    let root = folder.url.path
    let result = try PythonInterpreter.run(
      command: [Self.interpreter],
      arguments: [
        Self.script.path, "\(root)/\(first)", "\(root)/\(second)", "--data", "\(root)/data",
        "--poses", "\(root)/poses",
      ] + (visible ? ["--visible"] : []))
    #expect(result.status == 0, "\(result.error)")
    return String(decoding: result.output, as: UTF8.self)
  }

  @Test(
    "The true depth costs nothing and wins in every frame pair, masked or not",
    .enabled(
      if: DebianPython.hasOpenCV, "/usr/bin/python3 with cv2 not found; the check is skipped"))
  func trueDepthWins() throws {
    let folder = try TemporaryFolder()
    _ = try PythonInterpreter.runScript(
      Self.setup, command: [Self.interpreter], arguments: [folder.url.path])
    // Three frame pairs × rows 2…17 (16) × columns 3…29 (27): every landing inside.
    for visible in [false, true] {
      let forward = try summary(folder, "true", "wrong", visible: visible)
      #expect(
        forward.hasPrefix("sequence1: 1296 changed pixels in 3 frame pairs: census cost 0.000 (A)"),
        "\(forward)")
      #expect(forward.contains("grey cost 0.00 against"), "\(forward)")
      #expect(forward.contains("B lower in 0 of 3"), "\(forward)")
      let backward = try summary(folder, "wrong", "true", visible: visible)
      #expect(backward.contains("against 0.000 (B)"), "\(backward)")
      #expect(backward.contains("B lower in 3 of 3"), "\(backward)")
      let cost = backward.split(separator: " ").dropFirst(10).first.flatMap { Double($0) } ?? 0
      #expect(cost > 1, "\(backward)")
    }
  }

  @Test(
    "A background hidden by a nearer square in the next frame is masked, and only it",
    .enabled(
      if: DebianPython.hasOpenCV, "/usr/bin/python3 with cv2 not found; the check is skipped"))
  func hiddenBackground() throws {
    // Background at 10 m (d = 5), a 10×10 square at 2 m (d = 25) at rows 20…29, columns 40…49;
    // moving 0.5 m along x shifts the background 5 px and the square 25 px, onto the background
    // pixels 60…69 of the same rows, which the square then hides.
    let check = """
      import sys
      sys.path.insert(0, sys.argv[1])
      import numpy as np
      from temporal_judge import hidden
      k = np.array([[100.0, 0, 50], [0, 100.0, 25], [0, 0, 1]])
      d = np.full((50, 100), 5.0, np.float32)
      d[20:30, 40:50] = 25.0
      mask = hidden(d, k, 0.5, np.eye(3), np.array([0.5, 0, 0]))
      rows, columns = np.nonzero(mask)
      print(mask.sum(), rows.min(), rows.max(), columns.min(), columns.max())
      """
    let output = String(
      decoding: try PythonInterpreter.runScript(
        check, command: [Self.interpreter], arguments: [Self.benchmarks.path]),
      as: UTF8.self
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(output == "100 20 29 60 69", "\(output)")
  }
}
