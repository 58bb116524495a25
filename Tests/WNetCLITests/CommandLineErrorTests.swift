import Foundation
import StereoData
import Testing

/// Runs the built `wnet` binary as a user would and checks what bad input does: a one-line error
/// on standard error and a non-zero exit, never a crash.
@Suite("wnet command-line errors", .serialized)
struct CommandLineErrorTests {
  /// The `wnet` executable next to the test bundle (`.build/<configuration>/wnet`).
  static var binary: URL? {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
      let candidate = directory.appendingPathComponent("wnet")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory.deleteLastPathComponent()
    }
    return nil
  }

  struct Outcome {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  /// Two small synthetic scenes (48×32, disparities up to 6) written by `wnet synth` into
  /// `folder/scenes`; returns that folder.
  static func synthesizeScenes(in folder: URL) throws -> URL {
    let data = folder.appendingPathComponent("scenes")
    let synth = try run([
      "synth", "--count", "2", "--width", "48", "--height", "32", "--max-disparity", "6", "-o",
      data.path,
    ])
    #expect(synth.status == 0, "\(synth.standardError)")
    return data
  }

  static func run(
    _ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:],
    binary chosen: URL? = nil
  ) throws -> Outcome {
    let binary = try #require(
      chosen ?? Self.binary, "the wnet executable was not built next to the tests")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "1"
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }

  /// Writes two views as `folder/PREFIXleft.png` and `folder/PREFIXright.png`; returns their URLs.
  static func writeViews(_ left: Image, _ right: Image, in folder: URL, prefix: String = "") throws
    -> (left: URL, right: URL)
  {
    let urls = (
      left: folder.appendingPathComponent("\(prefix)left.png"),
      right: folder.appendingPathComponent("\(prefix)right.png")
    )
    try ImageIO.writePNG(left, to: urls.left)
    try ImageIO.writePNG(right, to: urls.right)
    return urls
  }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-cli-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Expects exit status 1 and exactly one line on standard error that mentions `fragment`.
  func expectOneLineError(
    _ arguments: [String], mentioning fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let outcome = try Self.run(arguments)
    #expect(
      outcome.status == 1, "exit status \(outcome.status) for \(arguments)",
      sourceLocation: sourceLocation)
    let lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(
      lines.count == 1, "expected one line, got: \(outcome.standardError)",
      sourceLocation: sourceLocation)
    #expect(
      outcome.standardError.contains(fragment), "'\(fragment)' not in: \(outcome.standardError)",
      sourceLocation: sourceLocation)
  }

  @Test("Missing, empty, corrupt and mismatched images")
  func badImages() throws {
    let folder = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let small = folder.appendingPathComponent("small.png"),
      large = folder.appendingPathComponent("large.png")
    try ImageIO.writePNG(Image(width: 8, height: 8, channels: 3, repeating: 0.5), to: small)
    try ImageIO.writePNG(Image(width: 16, height: 8, channels: 3, repeating: 0.5), to: large)
    let empty = folder.appendingPathComponent("empty.png")
    try Data().write(to: empty)
    let corrupt = folder.appendingPathComponent("corrupt.jpg")
    try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3]).write(to: corrupt)
    let model = ["--model", try Self.smallModel(in: folder).path]
    try expectOneLineError(
      ["infer", folder.appendingPathComponent("nope.png").path, small.path] + model,
      mentioning: "nope.png")
    try expectOneLineError(["infer", empty.path, small.path] + model, mentioning: "empty.png")
    try expectOneLineError(["infer", corrupt.path, small.path] + model, mentioning: "corrupt.jpg")
    try expectOneLineError(["infer", small.path, large.path] + model, mentioning: "same size")
    try expectOneLineError(
      ["infer", small.path, small.path, "--speckle-size=-1"] + model, mentioning: "--speckle-size")
    try expectOneLineError(
      ["infer", small.path, small.path, "--speckle-difference", "nan"] + model,
      mentioning: "--speckle-difference")
    try expectOneLineError(
      ["infer", small.path, small.path, "--weighted-median", "--dense"] + model,
      mentioning: "--weighted-median")
    try expectOneLineError(
      ["infer", small.path, small.path, "--median", "full", "--dense"] + model,
      mentioning: "--median full")
    try expectOneLineError(
      ["infer", small.path, small.path, "--median", "most"] + model, mentioning: "--median")
    try expectOneLineError(
      ["infer", small.path, small.path, "--fill-holes", "--dense"] + model,
      mentioning: "--fill-holes")
    try expectOneLineError(
      ["infer", "--video", small.path, "--layout", "sbs", "--fill-holes"] + model,
      mentioning: "--fill-holes")
    try expectOneLineError(
      ["infer", small.path, small.path, "--method", "sgbm", "--fill-holes"],
      mentioning: "--fill-holes")
    try expectOneLineError(
      ["eval", "--data", folder.path, "--method", "sgbm", "--fill-holes"],
      mentioning: "--fill-holes")
    for sigma in ["0", "-1", "inf", "nan"] {
      try expectOneLineError(
        ["infer", small.path, small.path, "--fill-sigma", sigma] + model,
        mentioning: "--fill-sigma")
    }
    try expectOneLineError(
      ["infer", small.path, small.path, "--fill-sigma", "0.1", "--dense"] + model,
      mentioning: "--fill-sigma")
    try expectOneLineError(
      ["infer", small.path, small.path, "--fill-sigma", "0.1", "--no-fill-holes"] + model,
      mentioning: "--fill-sigma")
    try expectOneLineError(
      ["infer", small.path, small.path, "--method", "sgbm", "--fill-sigma", "0.1"],
      mentioning: "--fill-sigma")
    try expectOneLineError(
      ["eval", "--data", folder.path, "--method", "sgbm", "--fill-sigma", "0.1"],
      mentioning: "--fill-sigma")
    try expectOneLineError(
      ["infer", small.path, small.path, "--lr-right-drop=-1"] + model,
      mentioning: "--lr-right-drop")
    // Both paddings: negative, with --dense, with a video, with SGBM, and in bench.
    for padding in ["--border-padding", "--row-padding"] {
      try expectOneLineError(
        ["infer", small.path, small.path, "\(padding)=-1"] + model, mentioning: padding)
      try expectOneLineError(
        ["infer", small.path, small.path, padding, "8", "--dense"] + model, mentioning: padding)
      try expectOneLineError(
        ["infer", "--video", small.path, "--layout", "sbs", padding, "8"] + model,
        mentioning: padding)
      try expectOneLineError(
        ["eval", "--data", folder.path, "--method", "sgbm", padding, "8"], mentioning: padding)
      try expectOneLineError(
        ["bench", "--preset", "matching", "--marked", "\(padding)=-2"], mentioning: padding)
    }
    try expectOneLineError(
      ["bench", "--preset", "matching", "--weighted-median"], mentioning: "--marked")
    try expectOneLineError(
      ["bench", "--preset", "matching", "--fill-holes"], mentioning: "--marked")
    try expectOneLineError(
      ["bench", "--preset", "matching", "--marked", "--left", small.path],
      mentioning: "--right")
    try expectOneLineError(
      ["bench", "--preset", "matching", "--left", empty.path, "--right", small.path],
      mentioning: "empty.png")
    try expectOneLineError(
      ["bench", "--preset", "matching", "--weights", small.path], mentioning: "--left")
    try expectOneLineError(
      [
        "bench", "--preset", "matching", "--left", small.path, "--right", small.path,
        "--weights", folder.appendingPathComponent("missing.safetensors").path,
      ],
      mentioning: "missing.safetensors")
    // The resolution options: `--upscale` and `--finest-scale` (infer's pair, then eval's data).
    let pair = ["infer", small.path, small.path]
    let data = ["eval", "--data", folder.path]
    let resolution: [(arguments: [String], mentioning: String)] = [
      (pair + ["--upscale", "5"] + model, "--upscale"),
      (pair + ["--upscale", "auto", "--model", "realtime"], "coarse-to-fine"),
      (pair + ["--upscale", "auto", "--adapt", "2"], "--upscale"),
      (pair + ["--upscale", "2", "--method", "sgbm"], "--upscale"),
      (data + ["--upscale", "auto", "--method", "sgbm"], "--upscale"),
      (pair + ["--finest-scale", "quarter"] + model, "--finest-scale"),
      (pair + ["--finest-scale", "half", "--method", "sgbm"], "--finest-scale"),
      (pair + ["--finest-scale", "half", "--model", "realtime"], "--finest-scale half"),
      (data + ["--finest-scale", "half", "--method", "sgbm"], "--finest-scale"),
    ]
    for (arguments, mentioning) in resolution {
      try expectOneLineError(arguments, mentioning: mentioning)
    }
  }

  @Test("Unreadable or mismatched checkpoints")
  func badCheckpoints() throws {
    let folder = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let image = folder.appendingPathComponent("image.png")
    try ImageIO.writePNG(Image(width: 8, height: 8, channels: 3, repeating: 0.5), to: image)
    let garbage = folder.appendingPathComponent("garbage.safetensors")
    try Data("definitely not a checkpoint".utf8).write(to: garbage)
    try expectOneLineError(
      ["infer", image.path, image.path, "--model", garbage.path], mentioning: "garbage.safetensors")
    let model = try Self.smallModel(in: folder)
    let data = try Data(contentsOf: model)
    let truncated = folder.appendingPathComponent("truncated.safetensors")
    try data.prefix(data.count - 100).write(to: truncated)
    try expectOneLineError(
      ["infer", image.path, image.path, "--model", truncated.path], mentioning: "truncated")
    try expectOneLineError(
      [
        "export", "--onnx", folder.appendingPathComponent("m.onnx").path, "--model", truncated.path,
      ], mentioning: "truncated")
  }

  @Test("Empty datasets and impossible resumes")
  func badTrainingInput() throws {
    let folder = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let empty = folder.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    try expectOneLineError(
      ["train", "--data", empty.path, "--output", folder.appendingPathComponent("run").path],
      mentioning: "empty")
    try expectOneLineError(["eval", "--data", empty.path], mentioning: "empty")
    try expectOneLineError(
      ["train", "--resume", "--output", folder.appendingPathComponent("none").path],
      mentioning: "no checkpoint")
    // A reversed range is refused by validation, with or without the architecture options
    // (it once reached WNetConfiguration's precondition first).
    let options = [
      "--coarse-context", "--cosine-correlation", "--deep-features", "--local-coarse-estimate",
      "--local-refinement-estimates", "--correlation-skip", "--wide-refinement",
      "--quarter-coarse",
    ]
    for option in [[]] + options.map({ [$0] }) {
      try expectOneLineError(
        ["train", "--min-disparity", "9", "--max-disparity", "3"] + option
          + ["--output", folder.appendingPathComponent("reversed").path],
        mentioning: "9…3")
    }
    try expectOneLineError(
      [
        "train", "--preset", "matching", "--quarter-coarse", "--wide-refinement", "--output",
        folder.appendingPathComponent("both").path,
      ], mentioning: "quarterCoarse")

    // The architecture options exist only in the matching preset.
    for option in options {
      try expectOneLineError(
        [
          "train", "--preset", "realtime", option, "--output",
          folder.appendingPathComponent("realtime").path,
        ],
        mentioning: option)
    }
  }

  @Test("A NaN in training stops with a clear error and leaves the last checkpoint intact")
  func nanInTraining() throws {
    let folder = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    // An absurd learning rate makes the weights, then the loss, non-finite within a few steps.
    let outcome = try Self.run([
      "train", "--steps", "40", "--batch-size", "1", "--height", "16", "--width", "32",
      "--learning-rate", "1e30",
      "--checkpoint-every", "1", "--output", run.path,
    ])
    #expect(outcome.status == 1)
    #expect(
      outcome.standardError.contains("non-finite") || outcome.standardError.contains("nan")
        || outcome.standardError.contains("inf"), "\(outcome.standardError)")
    let last = outcome.standardError.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix("Error:"), "last line: \(last)")
  }

  @Test("SIGKILL during training, then --resume: same final step, no corrupt file")
  func killAndResume() throws {
    let folder = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let arguments = [
      "train", "--steps", "30", "--batch-size", "1", "--height", "16", "--width", "32",
      "--learning-rate", "1e-3", "--checkpoint-every", "3", "--validate-every", "0", "--output",
      run.path,
    ]
    let binary = try #require(Self.binary)
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    // Wait until at least one checkpoint exists, then kill without warning.
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline
      && process.isRunning
    {
      Thread.sleep(forTimeInterval: 0.05)
    }
    Thread.sleep(forTimeInterval: 0.3)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal || process.terminationStatus == 0)
    // No temporary files left visible as checkpoints, and the checkpoint reads.
    let resumed = try Self.run(["train", "--resume", "--output", run.path])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(resumed.standardOutput.contains("Trained to step 30"), "\(resumed.standardOutput)")
    let log = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)
    let steps = log.split(separator: "\n").filter { $0.contains("\"kind\":\"train\"") }.count
    #expect(steps == 30, "the log holds \(steps) training records, expected 30 (no step twice)")
  }

  /// A tiny checkpoint trained for one step, for commands that need a model.
  static func smallModel(in folder: URL, arguments extra: [String] = []) throws -> URL {
    let directory = folder.appendingPathComponent("model-run")
    let outcome = try run(
      [
        "train", "--steps", "1", "--batch-size", "1", "--height", "16", "--width", "32",
        "--output", directory.path,
      ] + extra)
    #expect(outcome.status == 0, "\(outcome.standardError)")
    return directory.appendingPathComponent("checkpoint.safetensors")
  }
}
