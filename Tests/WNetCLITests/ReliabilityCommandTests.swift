import Foundation
import StereoDepth
import StereoNN
import Testing

/// The campaign of issue 15 through the real binary: each finding is a one-line error with
/// exit status 1, and training keeps its last good state through divergence and signals.
@Suite("wnet reliability", .serialized)
struct ReliabilityCommandTests {
  typealias CLI = CommandLineErrorTests

  static let tiny = ["--batch-size", "1", "--height", "16", "--width", "32"]

  @Test("Empty values, infinite disparity bounds and unwritable folders are one-line errors")
  func badValues() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("file")
    try Data("x".utf8).write(to: file)
    let checks = CLI()
    try checks.expectOneLineError(
      ["infer", "a.png", "b.png", "--output", ""], mentioning: "'--output' needs a value")
    try checks.expectOneLineError(
      ["infer", "a.png", "b.png", "--output="], mentioning: "'--output' needs a value")
    for value in ["inf", "nan"] {
      try checks.expectOneLineError(
        ["infer", "a.png", "b.png", "--max-disparity", value], mentioning: "--max-disparity")
    }
    try checks.expectOneLineError(
      ["train", "--steps", "1", "--output", file.appendingPathComponent("run").path],
      mentioning: file.path)
    try checks.expectOneLineError(
      ["synth", "--count", "1", "--output", file.appendingPathComponent("s").path],
      mentioning: file.path)
  }

  @Test("A diverging run stops with one line and leaves only finite checkpoints")
  func divergence() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let outcome = try CLI.run(
      ["train", "--steps", "30", "--learning-rate", "1e10", "--checkpoint-every", "1"]
        + Self.tiny + ["--output", run.path])
    #expect(outcome.status == 1, "\(outcome.standardError)")
    let last = outcome.standardError.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.contains("the run stops"), "\(outcome.standardError)")
    // Whatever was saved decodes, and decoding refuses non-finite tensors.
    let rotation = CheckpointRotation(directory: run)
    for age in 0..<2 where FileManager.default.fileExists(atPath: rotation.url(age: age).path) {
      _ = try WNetCheckpoint.read(rotation.url(age: age))
    }
  }

  @Test("On resume, options that define the run are errors; a live lock refuses a second run")
  func resumeConflictsAndLock() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let first = try CLI.run(["train", "--steps", "1"] + Self.tiny + ["--output", run.path])
    #expect(first.status == 0, "\(first.standardError)")
    let checks = CLI()
    for (option, value) in [
      ("--batch-size", "2"), ("--seed", "9"), ("--height", "24"), ("--smoothness-weight", "0.5"),
      ("--second-order-smoothness", "0.5"),
    ] {
      try checks.expectOneLineError(
        ["train", "--resume", "--steps", "2", option, value, "--output", run.path],
        mentioning: "'\(option) \(value)'")
    }
    try checks.expectOneLineError(
      ["train", "--second-order-smoothness=-1", "--output", run.path + "-other"],
      mentioning: "--second-order-smoothness")
    for value in ["inf", "nan"] {
      try checks.expectOneLineError(
        ["train", "--smoothness-weight", value, "--output", run.path + "-other"],
        mentioning: "'--smoothness-weight' must be non-negative and finite")
    }
    // A size the options' own check passes (2^62 is a multiple of 8) but the recipe's limit
    // refuses: no folder is left behind.
    try checks.expectOneLineError(
      ["train", "--height", "4611686018427387904", "--width", "8", "--output", run.path + "-big"],
      mentioning: "at most 8192")
    #expect(!FileManager.default.fileExists(atPath: run.path + "-big"))

    try Data("1\n".utf8).write(to: TrainingLock.url(in: run))
    try checks.expectOneLineError(
      ["train", "--resume", "--steps", "2", "--output", run.path], mentioning: "process 1")
    // A lock left by a killed run (its process is gone) is taken over.
    try Data("4194400\n".utf8).write(to: TrainingLock.url(in: run))
    let resumed = try CLI.run(["train", "--resume", "--steps", "2", "--output", run.path])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(resumed.standardError.contains("Took over the lock of process 4194400"))
    #expect(!FileManager.default.fileExists(atPath: TrainingLock.url(in: run).path))
    // The run is at step 2: fewer steps are an error naming --steps; as many train nothing.
    try checks.expectOneLineError(
      ["train", "--resume", "--steps", "1", "--output", run.path], mentioning: "'--steps 1'")
    let finished = try CLI.run(["train", "--resume", "--steps", "2", "--output", run.path])
    #expect(finished.status == 0, "\(finished.standardError)")
    #expect(finished.standardOutput.contains("Trained to step 2"), "\(finished.standardOutput)")
  }

  @Test(
    "SIGTERM, SIGINT and SIGHUP save a final checkpoint, and the run resumes from it",
    arguments: [SIGTERM, SIGINT, SIGHUP])
  func signals(signal: Int32) throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let binary = try #require(CLI.binary)
    let process = Process()
    process.executableURL = binary
    process.arguments =
      ["train", "--steps", "100000", "--checkpoint-every", "100000", "--validate-every", "0"]
      + Self.tiny + ["--output", run.path]
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "1"
    process.environment = environment
    let errorFile = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    process.standardError = try FileHandle(forWritingTo: errorFile)
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    // Wait for a few logged steps (at most 60 s).
    let log = run.appendingPathComponent("log.jsonl")
    for _ in 0..<600 {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      if text.split(separator: "\n").count >= 3 { break }
      usleep(100_000)
    }
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    let message = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
    #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(message)")
    #expect(message.contains("stopped by"), "\(message)")
    let saved = try WNetCheckpoint.read(CheckpointRotation(directory: run).url(age: 0))
    #expect(saved.metadata.step >= 3)
    #expect(!FileManager.default.fileExists(atPath: TrainingLock.url(in: run).path))
    let resumed = try CLI.run(
      ["train", "--resume", "--steps", "\(saved.metadata.step + 1)", "--output", run.path])
    #expect(resumed.status == 0, "\(resumed.standardError)")
  }
}
