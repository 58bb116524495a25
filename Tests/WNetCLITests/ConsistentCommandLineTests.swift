import Foundation
import StereoData
import Testing

@testable import wnet

/// The same names for the same things across commands, help examples, and the small bugs of
/// issue 14, each run as a user would.
@Suite("wnet: a consistent command line", .serialized)
struct ConsistentCommandLineTests {
  typealias CLI = CommandLineErrorTests

  @Test("-o is --output in every command that writes files")
  func shortOutput() throws {
    #expect(try WNetCommand.Infer.parse(["a", "b", "-o", "x"]).output == "x")
    #expect(try WNetCommand.Eval.parse(["--data", "d", "-o", "x"]).output == "x")
    #expect(try WNetCommand.Train.parse(["-o", "x"]).output == "x")
    #expect(try WNetCommand.Synth.parse(["-o", "x"]).output == "x")
    #expect(
      try WNetCommand.Rectify.parse(["a", "b", "--calibration", "c", "-o", "x"]).output == "x")
    #expect(try WNetCommand.Demo.parse(["-o", "x"]).output == "x")
    #expect(
      try WNetCommand.Extract.parse(["v.mp4", "--layout", "sbs", "-o", "x"]).output == "x")
  }

  @Test("--batch-size everywhere; bench's old --batch is a hidden alias")
  func batchSize() throws {
    #expect(try WNetCommand.BenchOps.parse(["--batch-size", "3"]).batch == 3)
    #expect(try WNetCommand.BenchOps.parse(["--batch", "4"]).batch == 4)
    #expect(try WNetCommand.BenchModel.parse(["--batch-size", "2"]).batch == 2)
    #expect(!WNetCommand.BenchOps.helpMessage().contains("--batch <"))
    #expect(WNetCommand.BenchOps.helpMessage().contains("--batch-size"))
  }

  @Test(
    "Every command's help ends with two or three examples",
    arguments: [
      "train", "infer", "rectify", "demo", "eval", "synth", "extract", "dataset", "export",
      "bench", "bench model", "bench ops", "version",
    ])
  func examples(command: String) throws {
    let outcome = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
    #expect(outcome.status == 0)
    let help = outcome.standardOutput
    let range = try #require(help.range(of: "Examples:"), "no examples in '\(command) --help'")
    let examples = help[range.upperBound...].split(separator: "\n")
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .prefix { $0.hasPrefix("wnet ") }
    #expect((2...3).contains(examples.count), "\(command): \(examples)")
  }

  @Test("eval --output DIR creates each scene's folder; --json prints JSON on standard output")
  func evalOutputAndJSON() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let output = folder.appendingPathComponent("out/nested")
    let outcome = try CLI.run(["eval", "--data", data.path, "-o", output.path, "--json"])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    for scene in ["scene-0000", "scene-0001"] {
      let file = output.appendingPathComponent(scene).appendingPathComponent("disparity.pfm")
      #expect(FileManager.default.fileExists(atPath: file.path), "\(file.path) missing")
    }
    let parsed = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
    #expect((parsed as? [String: Any])?["method"] != nil, "\(outcome.standardOutput)")
    #expect(outcome.standardError.contains("Method:"), "the table goes to standard error")
    // --json-file - is --json; --json-file FILE writes the same document.
    let dash = try CLI.run(["eval", "--data", data.path, "--json-file", "-"], in: folder)
    #expect(dash.status == 0)
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("-").path))
    #expect(try JSONSerialization.jsonObject(with: Data(dash.standardOutput.utf8)) is [String: Any])
    let file = folder.appendingPathComponent("r.json")
    let written = try CLI.run(["eval", "--data", data.path, "--json-file", file.path])
    #expect(written.standardOutput.contains("Method:"), "without --json the table is printed")
    #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) is [String: Any])
  }

  /// `eval --predictions` scores a map alike from its PFM and its KITTI PNG.
  ///
  /// The map has zeros and holes; the KITTI PNG that `wnet infer` writes holds 0 for unknown.
  /// Before session 62 the PFM's zeros (OpenCV SGBM writes them) counted as estimates of 0.
  @Test("eval --predictions scores a map alike from its PFM and its KITTI PNG, zeros missing")
  func predictionsFormatsAgree() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let pfm = folder.appendingPathComponent("pfm"), png = folder.appendingPathComponent("png")
    for directory in [pfm, png] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    for scene in ["scene-0000", "scene-0001"] {
      let truth = try ImageIO.read(
        data.appendingPathComponent(scene).appendingPathComponent("disp0GT.pfm"))
      var estimate = truth
      // On the PNG's grid (1/256 px), a zero every 5th pixel and a hole every 7th.
      estimate.pixels = truth.pixels.enumerated().map { index, value in
        index % 5 == 0
          ? 0 : index % 7 == 0 ? .infinity : ((value.isFinite ? value : 1) * 256).rounded() / 256
      }
      try ImageIO.writePFM(estimate, to: pfm.appendingPathComponent(scene + ".pfm"))
      try ImageIO.writeKITTIDisparity(estimate, to: png.appendingPathComponent(scene + ".png"))
    }
    func scores(_ predictions: URL) throws -> [String: Any] {
      let outcome = try CLI.run([
        "eval", "--data", data.path, "--predictions", predictions.path, "--json",
      ])
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let parsed = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
      return try #require((parsed as? [String: Any])?["all"] as? [String: Any])
    }
    let fromPFM = try scores(pfm), fromPNG = try scores(png)
    for key in ["estimatedPixels", "evaluatedPixels", "bad1Pixels", "bad3Pixels", "d1Outliers"] {
      #expect((fromPFM[key] as? Int) == (fromPNG[key] as? Int), "\(key): \(fromPFM) \(fromPNG)")
    }
    let estimated = try #require(fromPFM["estimatedPixels"] as? Int)
    let evaluated = try #require(fromPFM["evaluatedPixels"] as? Int)
    #expect(Double(estimated) < 0.8 * Double(evaluated), "the zeros are missing")
  }

  @Test(
    "infer --video without --output writes wnet-output.mp4; --frames-output writes frames; --adapt on every frame"
  )
  func videoDefaultOutput() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let video = folder.appendingPathComponent("sbs.mkv")
    let ffmpeg = Process()
    ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    ffmpeg.arguments = [
      "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=128x32:rate=5", "-frames:v",
      "3", "-c:v", "ffv1", video.path,
    ]
    try ffmpeg.run()
    ffmpeg.waitUntilExit()
    try #require(ffmpeg.terminationStatus == 0, "ffmpeg could not make the test video")
    let outcome = try CLI.run(
      ["infer", "--video", video.path, "--layout", "sbs", "--frames-output", "frames", "--npy"],
      in: folder)
    #expect(outcome.status == 0, "\(outcome.standardError)")
    #expect(
      FileManager.default.fileExists(atPath: folder.appendingPathComponent("wnet-output.mp4").path))
    for frame in ["000000", "000001", "000002"] {
      let file = folder.appendingPathComponent("frames/\(frame)/disparity.npy")
      #expect(FileManager.default.fileExists(atPath: file.path), "\(file.path) missing")
    }
    // A calibration gives each frame's files depth (Z = f·B/d) and points, as a pair's.
    let calibrated = try CLI.run(
      [
        "infer", "--video", video.path, "--layout", "sbs", "--frames-output", "calibrated",
        "--focal", "100", "--baseline", "0.1", "--ply", "--depth-png", "-o", "calibrated.mp4",
      ], in: folder)
    #expect(calibrated.status == 0, "\(calibrated.standardError)")
    let frame = folder.appendingPathComponent("calibrated/000001")
    for file in ["depth.pfm", "depth.png", "points.ply"] {
      let path = frame.appendingPathComponent(file).path
      #expect(FileManager.default.fileExists(atPath: path), "\(path) missing")
    }
    let disparity = try ImageIO.read(frame.appendingPathComponent("disparity.pfm"))
    let depth = try ImageIO.read(frame.appendingPathComponent("depth.pfm"))
    var worst: Float = 0
    for (d, z) in zip(disparity.pixels, depth.pixels) where d > 0.5 {
      let expected: Float = 100 * 0.1 / d
      worst = max(worst, abs(z - expected) / expected)
    }
    #expect(worst < 1e-5, "depth is not f·B/d: relative error \(worst)")
    // --adapt: on every frame, each from the model's own weights.
    let adapted = try CLI.run(
      [
        "infer", "--video", video.path, "--layout", "sbs", "--frames-output", "adapted", "--npy",
        "--adapt", "2", "-o", "adapted.mp4",
      ], in: folder)
    #expect(adapted.status == 0, "\(adapted.standardError)")
    let steps = adapted.standardError.components(separatedBy: "adapting frame ").count - 1
    #expect(steps == 6, "two steps on each of three frames: \(adapted.standardError)")
    let last = try Data(contentsOf: folder.appendingPathComponent("frames/000002/disparity.npy"))
    let lastAdapted = try Data(
      contentsOf: folder.appendingPathComponent("adapted/000002/disparity.npy"))
    #expect(last != lastAdapted, "the last frame was not adapted")
  }

  @Test("--adapt prints its progress on standard error, step by step")
  func adaptProgress() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let image = folder.appendingPathComponent("p.png")
    var picture = Image(width: 48, height: 32, channels: 3)
    for index in picture.pixels.indices { picture.pixels[index] = Float(index % 17) / 16 }
    try ImageIO.writePNG(picture, to: image)
    let outcome = try CLI.run([
      "infer", image.path, image.path, "--adapt", "3", "-o",
      folder.appendingPathComponent("o").path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    for step in 1...3 {
      #expect(outcome.standardError.contains("step \(step)/3, loss"), "\(outcome.standardError)")
    }
    #expect(!outcome.standardOutput.contains("step 1/3"))
  }
}
