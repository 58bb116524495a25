import Foundation
import StereoDepth
import Testing

/// `wnet train --evaluation-data DIR`: training pairs that are DIR's pictures are left out and
/// named, the folder is stored in the run, and the option needs `--data`.
@Suite("wnet train: --evaluation-data", .serialized)
struct TrainEvaluationDataTests {
  typealias CLI = CommandLineErrorTests

  @Test("A training pair whose left view is an evaluation pair's is left out, with a note")
  func leavesOutDuplicates() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let scenes = try FileManager.default.contentsOfDirectory(atPath: data.path)
      .filter { !$0.hasPrefix(".") }.sorted()
    #expect(scenes.count == 2, "\(scenes)")
    // The evaluation set holds a copy of the first scene.
    let evaluation = folder.appendingPathComponent("evaluation")
    try FileManager.default.createDirectory(at: evaluation, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: data.appendingPathComponent(scenes[0]),
      to: evaluation.appendingPathComponent(scenes[0]))
    let run = folder.appendingPathComponent("run")
    let outcome = try CLI.run([
      "train", "--data", data.path, "--evaluation-data", evaluation.path, "--synthetic-share",
      "0", "--steps", "1", "--batch-size", "1", "--height", "16", "--width", "32",
      "--validate-every", "0", "--output", run.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let all = outcome.standardOutput + outcome.standardError
    #expect(all.contains("left out 1 training pair(s)"), "\(all)")
    #expect(all.contains("1 real pairs from 1 sources"), "\(all)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    let stored = try WNetCheckpoint.read(checkpoint).metadata.training?.data
    #expect(stored?.evaluationSources == [evaluation.standardizedFileURL.path])
    #expect(stored?.split?.trainingSources == [scenes[1]])

    let alone = try CLI.run([
      "train", "--evaluation-data", evaluation.path, "--output",
      folder.appendingPathComponent("alone").path,
    ])
    #expect(alone.status == 1, "\(alone.standardError)")
    #expect(alone.standardError.contains("'--evaluation-data' needs '--data'"))
    #expect(alone.standardError.split(separator: "\n").count == 1, "\(alone.standardError)")
  }
}
