import ArgumentParser
import Foundation
import StereoDepth
import Testing

@testable import wnet

@Suite("--propagation")
struct PropagationOptionTests {
  @Test("infer, eval, demo, export, bench and train take it; absent by default")
  func parsing() throws {
    #expect(
      try WNetCommand.Infer.parse(["l.png", "r.png", "--propagation", "3"]).modelOptions
        .propagation == 3)
    #expect(try WNetCommand.Infer.parse(["l.png", "r.png"]).modelOptions.propagation == nil)
    #expect(
      try WNetCommand.Eval.parse(["--data", "d", "--propagation", "2"]).modelOptions.propagation
        == 2)
    #expect(try WNetCommand.Demo.parse(["--propagation", "1"]).modelOptions.propagation == 1)
    #expect(
      try WNetCommand.Export.parse(["--onnx", "m.onnx", "--propagation", "3"]).propagation == 3)
    #expect(
      try WNetCommand.BenchModel.parse(["--preset", "matching", "--propagation", "2"])
        .architecture.propagation == 2)
    #expect(
      try WNetCommand.Train.parse(["--data", "d", "--propagation", "2"]).architecture.propagation
        == 2)
  }

  @Test("The bundled model runs with it, with the same weights; export --weights stores it")
  func appliedAndExported() throws {
    // The bundled model propagates at the 1/4 and 1/2 hand-ons (docs/RUNS.md); 0 turns it off.
    let (bundled, _) = try ModelOptions.load(nil)
    #expect(bundled.configuration.propagation == 2)
    let (model, metadata) = try ModelOptions.parse(["--propagation", "3"]).load()
    #expect(model.configuration.propagation == 3)
    #expect(metadata.configuration.propagation == 3)
    #expect(model.parameters.names == bundled.parameters.names)
    #expect(
      try ModelOptions.parse(["--propagation", "0"]).load().model.configuration.propagation == 0)
    let (saved, savedMetadata) = try QuarterPassesOptionTests.exportedWeights([
      "--propagation", "1",
    ])
    #expect(saved.configuration.propagation == 1)
    #expect(savedMetadata.configuration.propagation == 1)
  }

  @Test("A value it cannot take is a one-line error naming the option")
  func refused() throws {
    for value in ["-1", "4"] {
      let options = try ModelOptions.parse(["--propagation=\(value)"])
      #expect {
        _ = try options.load()
      } throws: { error in
        let message = "\(error)"
        return message.contains("--propagation \(value)") && !message.contains("\n")
      }
    }
    let realtime = try ModelOptions.parse(["--model", "realtime", "--propagation", "1"])
    #expect {
      _ = try realtime.load()
    } throws: { error in "\(error)".contains("propagation") && !"\(error)".contains("\n") }
    #expect(throws: (any Error).self) {
      try WNetCommand.Export.parse([
        "--onnx", "m.onnx", "--preset", "matching", "--propagation", "1",
      ])
    }
  }
}
