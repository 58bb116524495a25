import ArgumentParser
import Foundation
import StereoDepth
import Testing

@testable import wnet

@Suite("--quarter-passes")
struct QuarterPassesOptionTests {
  @Test("infer, eval, demo, export, bench and train take it; absent by default")
  func parsing() throws {
    #expect(
      try WNetCommand.Infer.parse(["l.png", "r.png", "--quarter-passes", "2"]).modelOptions
        .quarterPasses == 2)
    #expect(try WNetCommand.Infer.parse(["l.png", "r.png"]).modelOptions.quarterPasses == nil)
    #expect(
      try WNetCommand.Eval.parse(["--data", "d", "--quarter-passes", "3"]).modelOptions
        .quarterPasses == 3)
    #expect(try WNetCommand.Demo.parse(["--quarter-passes", "2"]).modelOptions.quarterPasses == 2)
    #expect(
      try WNetCommand.Export.parse(["--onnx", "m.onnx", "--quarter-passes", "2"]).quarterPasses
        == 2)
    #expect(
      try WNetCommand.BenchModel.parse(["--preset", "matching", "--quarter-passes", "2"])
        .architecture.quarterPasses == 2)
  }

  @Test("The bundled model runs with the passes asked for, with the same weights")
  func applied() throws {
    let (bundled, _) = try ModelOptions.load(nil)
    let options = try ModelOptions.parse(["--quarter-passes", "2"])
    let (model, _) = try options.load()
    #expect(model.configuration.quarterPasses == 2)
    #expect(bundled.configuration.quarterPasses == 1)
    #expect(model.parameters.names == bundled.parameters.names)
    #expect(try ModelOptions.parse([]).load().model.configuration.quarterPasses == 1)
  }

  @Test("export --weights writes the passes asked for into the checkpoint")
  func exportedWeights() throws {
    let (model, metadata) = try Self.exportedWeights(["--quarter-passes", "2"])
    #expect(model.configuration.quarterPasses == 2)
    #expect(metadata.configuration.quarterPasses == 2)
    #expect(
      try ModelOptions.parse(["--quarter-passes", "3"]).load().metadata.configuration
        .quarterPasses == 3)
  }

  /// `wnet export --weights FILE` of the bundled model with `options`, read back.
  static func exportedWeights(_ options: [String]) throws -> (WNet, CheckpointMetadata) {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("wnet-exported-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("model.safetensors")
    try WNetCommand.Export.parse(["--weights", output.path] + options).run()
    let (model, metadata, _) = try WNetCheckpoint.loadModel(output)
    return (model, metadata)
  }

  @Test("A value it cannot take is a one-line error naming the option")
  func refused() throws {
    for value in ["0", "9"] {
      let options = try ModelOptions.parse(["--quarter-passes", value])
      #expect {
        _ = try options.load()
      } throws: { error in
        let message = "\(error)"
        return message.contains("--quarter-passes \(value)") && !message.contains("\n")
      }
    }
    #expect(throws: (any Error).self) {
      try WNetCommand.Export.parse([
        "--onnx", "m.onnx", "--preset", "matching", "--quarter-passes", "2",
      ])
    }
  }
}
