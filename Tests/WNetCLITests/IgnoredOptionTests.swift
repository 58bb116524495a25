import Foundation
import StereoData
import StereoTensor
import Testing

/// Options that a mode would not read are refused with one line naming them, large numbers are
/// one-line errors, and pair names never collide (session 62's audit of `wnet infer` and
/// `wnet eval`: each of these was accepted and silently ignored, or trapped).
@Suite("wnet: no option silently ignored", .serialized)
struct IgnoredOptionTests {
  typealias CLI = CommandLineErrorTests

  @Test("An option the mode does not read is a one-line error naming it")
  func ignoredOptions() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let small = folder.appendingPathComponent("small.png")
    try ImageIO.writePNG(Image(width: 16, height: 8, channels: 3, repeating: 0.5), to: small)
    let pair = ["infer", small.path, small.path]
    let video = ["infer", "--video", small.path, "--layout", "sbs"]
    // A Middlebury calib.txt describes both cameras: a right camera's file has no place.
    let calibration = folder.appendingPathComponent("calib.txt")
    try Data(
      "cam0=[20 0 8; 0 20 4; 0 0 1]\ncam1=[20 0 8; 0 20 4; 0 0 1]\ndoffs=0\nbaseline=100\nwidth=16\nheight=8\n"
        .utf8
    ).write(to: calibration)
    let stream = ["infer", "--stream", "--frame-size", "16x8", "--layout", "sbs"]
    let cases: [([String], String)] = [
      (pair + ["--dense", "--lr-threshold", "2"], "--lr-threshold"),
      (pair + ["--dense", "--min-confidence", "0.5"], "--min-confidence"),
      (video + ["--median", "off"], "--median"),
      (stream + ["--speckle-size", "5"], "--speckle-size"),
      (pair + ["--method", "sgbm", "--median", "off"], "--median"),
      (pair + ["--method", "sgbm", "--model", "realtime"], "--model"),
      (pair + ["--method", "sgbm", "--precision", "float32"], "--precision"),
      (pair + ["--block-size", "5"], "--block-size"),
      (pair + ["--sgbm-mode", "hh"], "--sgbm-mode"),
      (pair + ["--layout", "sbs"], "--layout"),
      (pair + ["--fps", "5"], "--fps"),
      (pair + ["--depth-png"], "--depth-png"),
      (pair + ["--max-depth", "5"], "--max-depth"),
      (pair + ["--doffs", "3"], "--doffs"),
      (pair + ["--adapt-learning-rate", "0.1"], "--adapt-learning-rate"),
      (pair + ["--adapt-proxy-mode", "3way"], "--adapt-proxy-mode"),
      // A model that adapts without a proxy term has no proxies for the mode to make.
      (
        pair + ["--model", "realtime", "--adapt", "1", "--adapt-proxy-mode", "3way"],
        "--adapt-proxy-mode"
      ),
      (
        pair + ["--adapt", "1", "--adapt-proxy-weight", "0", "--adapt-proxy-mode", "hh"],
        "--adapt-proxy-mode"
      ),
      (stream + ["--focal", "100", "--baseline", "0.1"], "--focal"),
      (stream + ["--npy"], "--npy"),
      (video + ["--npy"], "--frames-output"),
      (video + ["--calibration", calibration.path], "--frames-output"),
      (["eval", "--data", folder.path, "--block-size", "5"], "--block-size"),
      (["eval", "--data", folder.path, "--hold-out", "x"], "--hold-out"),
      (["eval", "--data", folder.path, "--predictions", folder.path, "--model", "x"], "--model"),
      (["bench", "--border-padding", "8"], "--border-padding"),
      (["bench", "--median", "off"], "--median"),
      (
        pair + ["--calibration", calibration.path, "--right-calibration", "nope.yaml"], "nope.yaml"
      ),
    ]
    for (arguments, option) in cases {
      try CLI().expectOneLineError(arguments, mentioning: option)
    }
  }

  @Test("Numbers too large for a mode are one-line errors, not traps")
  func largeNumbers() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let small = folder.appendingPathComponent("small.png")
    try ImageIO.writePNG(Image(width: 16, height: 8, channels: 3, repeating: 0.5), to: small)
    let pair = ["infer", small.path, small.path, "-o", folder.appendingPathComponent("o").path]
    let huge = "9223372036854775807"
    let cases: [([String], String)] = [
      (pair + ["--method", "sgbm", "--max-disparity", "1e30"], "2047"),
      (pair + ["--method", "sgbm", "--max-disparity", "3e9"], "2047"),
      (pair + ["--method", "sgbm", "--min-disparity", "3000000000"], "2047"),
      (pair + ["--method", "sgbm", "--p1", "3000000000", "--p2", "4000000000"], "P1"),
      (pair + ["--method", "sgbm", "--uniqueness-ratio", "3000000000"], "uniquenessRatio"),
      (pair + ["--block-size", "4000000001", "--method", "sgbm"], "blockSize"),
      (pair + ["--border-padding", huge], "--border-padding"),
      (pair + ["--row-padding", huge], "--row-padding"),
      (pair + ["--speckle-size", huge], "--speckle-size"),
      (pair + ["--adapt", huge], "--adapt"),
      (
        ["infer", "--stream", "--frame-size", "9999999999x9999999999", "--layout", "sbs"],
        "--frame-size"
      ),
      (["bench", "--warmup=-5"], "--warmup"),
      (["bench", "--height", "65536", "--width", "65536"], "8192"),
      (["synth", "--width", "100000", "--height", "100000", "-o", folder.path], "8192"),
      (["dataset", "--data", folder.path, "--height", "100000"], "8192"),
    ]
    for (arguments, fragment) in cases {
      try CLI().expectOneLineError(arguments, mentioning: fragment)
    }
  }

  /// A learning rate of 1e30 turns the weights non-finite in one step: the adaptation must be
  /// reported as diverged (exit 1), not written as an empty map, and not run again at the
  /// pair's own size by the default enlargement (which only gives way to memory).
  @Test("A diverged adaptation is an error, also when the pair is enlarged")
  func divergedAdaptation() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var random = SeededGenerator(seed: 3)
    var left = Image(width: 48, height: 32, channels: 3)
    left.pixels = left.pixels.map { _ in Float.random(in: 0..<1, using: &random) }
    let views = try CLI.writeViews(left, left, in: folder)
    let outcome = try CLI.run([
      "infer", views.left.path, views.right.path, "--adapt", "1", "--adapt-learning-rate", "1e30",
      "-o", folder.appendingPathComponent("o").path,
    ])
    #expect(outcome.status == 1, "\(outcome.standardOutput)\(outcome.standardError)")
    #expect(outcome.standardError.contains("diverged"), "\(outcome.standardError)")
    let restarts = outcome.standardError.components(separatedBy: "step 1/1").count - 1
    #expect(restarts <= 1, "adapted again after diverging: \(outcome.standardError)")
    #expect(
      !FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("o/disparity.pfm").path))
  }

  @Test("Two pairs never share an output folder: lists and folders with colliding names fail")
  func collidingNames() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let view = Image(width: 16, height: 8, channels: 3, repeating: 0.5)
    for name in ["l.png", "r.png", "m.png", "s.png"] {
      try ImageIO.writePNG(view, to: folder.appendingPathComponent(name))
    }
    // The first pair is named 'l' from its file; the second is given the name 'l'.
    let list = folder.appendingPathComponent("pairs.txt")
    try Data("l.png r.png\nm.png s.png l\n".utf8).write(to: list)
    try CLI().expectOneLineError(
      ["infer", "--list", list.path, "-o", folder.appendingPathComponent("o").path],
      mentioning: "'l'")
    // a.png and a.jpg in one folder: which one pairs with the other folder's 'a' is ambiguous.
    let leftFolder = folder.appendingPathComponent("L")
    let rightFolder = folder.appendingPathComponent("R")
    for directory in [leftFolder, rightFolder] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try ImageIO.writePNG(view, to: directory.appendingPathComponent("a.png"))
    }
    try ImageIO.writeJPEG(view, to: leftFolder.appendingPathComponent("a.jpg"))
    try ImageIO.writeJPEG(view, to: rightFolder.appendingPathComponent("a.jpg"))
    try CLI().expectOneLineError(
      ["infer", leftFolder.path, rightFolder.path, "-o", folder.appendingPathComponent("p").path],
      mentioning: "same name")
  }
}
