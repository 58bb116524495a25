import Foundation
import StereoDepth
import Testing

@testable import wnet

/// `wnet train --resume`: the stored recipe comes back, the options given again replace its
/// values whichever way they are spelled, and the command that started the run is kept.
@Suite("wnet train --resume", .serialized)
struct TrainResumeTests {
  /// One pair of 32×16 per step, no validation: a run quick enough for a test.
  static let tinyRun = [
    "--batch-size", "1", "--height", "16", "--width", "32", "--validate-every", "0",
  ]

  /// Trains a new tiny run (``tinyRun``) with `arguments` into `run`, expecting success; its
  /// checkpoint.
  static func trainTinyRun(_ arguments: [String], into run: URL) throws -> URL {
    let trained = try CommandLineErrorTests.run(
      ["train"] + arguments + ["--output", run.path] + tinyRun)
    #expect(trained.status == 0, "\(trained.standardError)")
    return run.appendingPathComponent("checkpoint.safetensors")
  }

  @Test("Options parse to nil when absent, in both spellings when given")
  func parsing() throws {
    #expect(try WNetCommand.Train.parse(["--resume"]).steps == nil)
    #expect(try WNetCommand.Train.parse(["--steps=7"]).steps == 7)
    #expect(try WNetCommand.Train.parse(["--steps", "7"]).steps == 7)
    let drops = try WNetCommand.Train.parse(["--learning-rate-drops", "5", "9", "--steps=12"])
    #expect(drops.learningRateDrops == [5, 9] && drops.steps == 12)
    #expect(try WNetCommand.Train.parse(["--warmup-steps", "3"]).warmupSteps == 3)
    #expect(throws: (any Error).self) { try WNetCommand.Train.parse(["--warmup-steps", "-1"]) }
    #expect(throws: (any Error).self) { try WNetCommand.Train.parse(["--steps=0"]) }
  }

  @Test("Resuming with --steps=N and --steps N trains to N, logging each step once")
  func resumeWithMoreSteps() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let first = try CommandLineErrorTests.run([
      "train", "--steps", "2", "--batch-size", "1", "--height", "16", "--width", "32",
      "--checkpoint-every", "1", "--validate-every", "0", "--output", run.path,
    ])
    #expect(first.status == 0, "\(first.standardError)")
    #expect(first.standardOutput.contains("Trained to step 2"), "\(first.standardOutput)")

    let equals = try CommandLineErrorTests.run([
      "train", "--resume", "--steps=4", "--output", run.path,
    ])
    #expect(equals.status == 0, "\(equals.standardError)")
    #expect(equals.standardOutput.contains("Trained to step 4"), "\(equals.standardOutput)")
    #expect(
      equals.standardError.contains("Changed on resume: steps 2 → 4"), "\(equals.standardError)")

    let spaced = try CommandLineErrorTests.run([
      "train", "--resume", "--steps", "6", "--learning-rate-drops", "5", "--warmup-steps", "2",
      "--output", run.path,
    ])
    #expect(spaced.status == 0, "\(spaced.standardError)")
    #expect(spaced.standardOutput.contains("Trained to step 6"), "\(spaced.standardOutput)")

    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    let metadata = try WNetCheckpoint.read(checkpoint).metadata
    #expect(metadata.step == 6)
    #expect(metadata.training?.steps == 6)
    #expect(metadata.training?.schedule.milestones == [5])
    #expect(metadata.training?.schedule.warmup == 2)
    #expect(spaced.standardError.contains("learning-rate warm-up 0 → 2"), "\(spaced.standardError)")
    #expect(metadata.training?.batchSize == 1 && metadata.training?.width == 32)
    // Provenance: the command that started the run stays; the last resume is added.
    let started = metadata.notes["command"] ?? ""
    let resumed = metadata.notes["resumed"] ?? ""
    #expect(
      started.hasSuffix(
        "train --steps 2 --batch-size 1 --height 16 --width 32 "
          + "--checkpoint-every 1 --validate-every 0 --output \(run.path)"), "\(started)")
    #expect(
      resumed.hasSuffix(
        "train --resume --steps 6 --learning-rate-drops 5 --warmup-steps 2 --output "
          + run.path), "\(resumed)")
    let log = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)
    let steps = log.split(separator: "\n").filter { $0.contains("\"kind\":\"train\"") }.count
    #expect(steps == 6, "the log holds \(steps) training records, expected 6")

    // The model cannot change, and data settings need data: one-line errors.
    for arguments in [["--preset", "original"], ["--max-disparity", "31"], ["--fps", "2"]] {
      let refused = try CommandLineErrorTests.run(
        ["train", "--resume", "--steps", "8", "--output", run.path] + arguments)
      #expect(refused.status == 1, "\(arguments): \(refused.standardError)")
      let lines = refused.standardError.split(separator: "\n")
      #expect(lines.count == 1 && lines[0].hasPrefix("Error:"), "\(refused.standardError)")
    }
    #expect(try WNetCheckpoint.read(checkpoint).metadata.step == 6)
  }

  @Test("Resuming past a damaged latest checkpoint keeps the readable one as the previous")
  func resumePastDamagedLatest() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    _ = try Self.trainTinyRun(["--steps", "2", "--checkpoint-every", "1"], into: run)
    let rotation = CheckpointRotation(directory: run)
    var damaged = try Data(contentsOf: rotation.url(age: 0))
    damaged[damaged.count / 2] ^= 0x01
    try damaged.write(to: rotation.url(age: 0))
    // Resumes step 1 and saves once, at step 2.
    let resumed = try CommandLineErrorTests.run([
      "train", "--resume", "--steps", "2", "--output", run.path,
    ])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(
      resumed.standardError.contains(
        "Kept the damaged checkpoint as "
          + "checkpoint.damaged.safetensors"), "\(resumed.standardError)")
    #expect(try WNetCheckpoint.read(rotation.url(age: 0)).metadata.step == 2)
    #expect(try WNetCheckpoint.read(rotation.url(age: 1)).metadata.step == 1)
    #expect(try Data(contentsOf: rotation.damagedURL(age: 0)) == damaged)
  }

  @Test("--init-from starts a new run from a model's weights; its architecture cannot change")
  func initFrom() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let size = Self.tinyRun
    let source = try Self.trainTinyRun(
      ["--preset", "realtime", "--steps", "2"], into: folder.appendingPathComponent("first"))

    let second = folder.appendingPathComponent("second")
    let started = try CommandLineErrorTests.run(
      ["train", "--init-from", source.path, "--steps", "1", "--seed", "5", "--output", second.path]
        + size)
    #expect(started.status == 0, "\(started.standardError)")
    #expect(started.standardOutput.contains("Trained to step 1"), "\(started.standardOutput)")
    let stored = try WNetCheckpoint.read(second.appendingPathComponent("checkpoint.safetensors"))
    #expect(stored.metadata.step == 1)
    let original = try WNetCheckpoint.read(source).metadata.configuration
    #expect(stored.metadata.configuration == original)
    #expect(stored.metadata.training?.seed == 5)
    #expect(
      stored.metadata.notes["initial weights"] == source.standardizedFileURL.path + " (step 2)")
    let trainedBy = try WNetCheckpoint.read(source).metadata.notes["command"]
    #expect(trainedBy != nil && stored.metadata.notes["initial weights command"] == trainedBy)

    // Another model, with --resume, or a missing file: one-line errors, nothing written.
    for (arguments, phrase) in [
      (["--preset", "matching"], "holds a realtime model"),
      (["--max-disparity", "31"], "holds a realtime model"),
      (["--resume"], "'--init-from' starts a new run"),
    ] {
      let refused = try CommandLineErrorTests.run(
        [
          "train", "--init-from", source.path, "--steps", "1", "--output",
          folder.appendingPathComponent("refused").path,
        ] + size + arguments)
      #expect(refused.status == 1, "\(arguments): \(refused.standardError)")
      let lines = refused.standardError.split(separator: "\n")
      #expect(lines.count == 1 && lines[0].contains(phrase), "\(refused.standardError)")
    }
    let missing = try CommandLineErrorTests.run(
      [
        "train", "--init-from", folder.appendingPathComponent("none.safetensors").path,
        "--output", folder.appendingPathComponent("missing").path,
      ] + size)
    #expect(missing.status == 1 && missing.standardError.contains("none.safetensors"))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("refused").path))
  }

  @Test("--init-from may change a matching model's hand-offs, which have no parameters, only")
  func initFromHandOffs() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let size = Self.tinyRun
    let source = try Self.trainTinyRun(
      ["--preset", "matching", "--steps", "1"], into: folder.appendingPathComponent("first"))
    let original = try WNetCheckpoint.loadModel(source)

    // Zero steps are not allowed, so one step at a negligible rate: the weights must come
    // through (Adam moves each by at most about the rate).
    let second = folder.appendingPathComponent("second")
    let started = try CommandLineErrorTests.run(
      [
        "train", "--init-from", source.path, "--local-coarse-estimate",
        "--local-refinement-estimates", "--steps", "1", "--learning-rate", "1e-9", "--output",
        second.path,
      ] + size)
    #expect(started.status == 0, "\(started.standardError)")
    let stored = try WNetCheckpoint.loadModel(
      second.appendingPathComponent("checkpoint.safetensors"))
    var expected = original.metadata.configuration
    expected.localCoarseEstimate = true
    expected.localRefinementEstimates = true
    #expect(stored.metadata.configuration == expected)
    #expect(stored.metadata.training?.model == expected)
    for (name, parameter) in original.model.parameters.trainable {
      let copied = try #require(stored.model.parameters[name]).value.scalars
      let largest = zip(copied, parameter.value.scalars).map { abs($0 - $1) }.max() ?? 0
      #expect(largest < 1e-6, "\(name): \(largest)")
    }

    // A setting with parameters of its own is still refused, in one line.
    let refused = try CommandLineErrorTests.run(
      [
        "train", "--init-from", source.path, "--deep-features", "--steps", "1", "--output",
        folder.appendingPathComponent("refused").path,
      ] + size)
    #expect(refused.status == 1, "\(refused.standardError)")
    let lines = refused.standardError.split(separator: "\n")
    #expect(
      lines.count == 1 && lines[0].contains("holds a matching model"), "\(refused.standardError)")
    // ... unless --transplant says so: the parameters of the same name and shape come through.
    let third = folder.appendingPathComponent("third")
    let transplanted = try CommandLineErrorTests.run(
      [
        "train", "--init-from", source.path, "--quarter-coarse", "--transplant", "--steps", "1",
        "--learning-rate", "1e-9", "--output", third.path,
      ] + size)
    #expect(transplanted.status == 0, "\(transplanted.standardError)")
    #expect(transplanted.standardError.contains("coarse.head.filter"))
    let quarter = try WNetCheckpoint.loadModel(
      third.appendingPathComponent("checkpoint.safetensors"))
    #expect(quarter.metadata.configuration.quarterCoarse)
    let carried = try #require(quarter.model.parameters["refine.2.head.filter"]).value.scalars
    let before = try #require(original.model.parameters["refine.2.head.filter"]).value.scalars
    #expect(zip(carried, before).map { abs($0 - $1) }.max() ?? 1 < 1e-6)
    let alone = try CommandLineErrorTests.run(
      ["train", "--transplant", "--steps", "1", "--output", third.path + "-b"] + size)
    #expect(alone.status == 1 && alone.standardError.contains("'--transplant' needs '--init-from'"))
  }

  @Test("--batch-norm-recalibration re-estimates the statistics after the last step, weights kept")
  func batchNormRecalibration() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let size = Self.tinyRun
    let run = folder.appendingPathComponent("run")
    _ = try Self.trainTinyRun(
      ["--preset", "matching", "--steps", "1", "--batch-norm-recalibration", "2"], into: run)
    // The checkpoint before the recalibration stays as the previous one: same step and
    // weights, other statistics.
    let after = try WNetCheckpoint.loadModel(run.appendingPathComponent("checkpoint.safetensors"))
    let before = try WNetCheckpoint.loadModel(
      run.appendingPathComponent("checkpoint.1.safetensors"))
    #expect(after.metadata.step == 1 && before.metadata.step == 1)
    #expect(after.metadata.training?.batchNormRecalibration == 2)
    var statisticsChanged = false
    for (name, parameter) in before.model.parameters.entries {
      let other = try #require(after.model.parameters[name]).value.scalars
      if parameter.isTrainable {
        #expect(other == parameter.value.scalars, "\(name)")
      } else if other != parameter.value.scalars {
        statisticsChanged = true
      }
    }
    #expect(statisticsChanged)

    let refused = try CommandLineErrorTests.run(
      [
        "train", "--batch-norm-recalibration=-1", "--output",
        folder.appendingPathComponent("refused").path,
      ] + size)
    #expect(refused.status == 1)
    let lines = refused.standardError.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].contains("--batch-norm-recalibration"), "\(lines)")
  }
}
