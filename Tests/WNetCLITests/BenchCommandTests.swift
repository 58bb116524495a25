import Foundation
import Testing

@testable import wnet

@Suite("wnet bench ops")
struct BenchCommandTests {
  @Test("Parses every option through the root command")
  func parsing() throws {
    let parsed = try WNetCommand.parseAsRoot([
      "bench", "ops", "--json", "--runs", "3", "--warmup", "1", "--filter", "conv", "--batch", "2",
      "--height", "16", "--width", "24", "--channels", "8",
    ])
    let command = try #require(parsed as? WNetCommand.BenchOps)
    #expect(command.json && command.runs == 3 && command.warmup == 1 && command.filter == "conv")
    #expect(
      command.batch == 2 && command.height == 16 && command.width == 24 && command.channels == 8)
    #expect(!command.reference)
  }

  @Test("Rejects non-positive runs and sizes")
  func validation() {
    #expect(throws: (any Error).self) { try WNetCommand.BenchOps.parse(["--runs", "0"]) }
    #expect(throws: (any Error).self) { try WNetCommand.BenchOps.parse(["--channels", "0"]) }
  }
}

@Suite("wnet bench (model)")
struct BenchModelCommandTests {
  @Test("Parses the model benchmark's options and rejects bad sizes")
  func parse() throws {
    let command = try WNetCommand.BenchModel.parse([
      "--preset", "original", "--height", "64", "--width", "96", "--batch", "2", "--train",
      "--json", "--profile",
    ])
    #expect(
      command.preset == .original && command.height == 64 && command.width == 96
        && command.batch == 2)
    #expect(command.train && command.json && command.profile)
    #expect(throws: (any Error).self) {
      try WNetCommand.BenchModel.parse(["--preset", "original", "--height", "40"])
    }
    #expect(throws: (any Error).self) { try WNetCommand.BenchModel.parse(["--batch", "0"]) }
    #expect(try WNetCommand.BenchModel.parse(["--upscale", "small"]).upscale == "small")
    for bad in [
      ["--upscale", "x"], ["--upscale", "2", "--train"], ["--upscale", "2", "--batch", "2"],
    ] {
      #expect(throws: (any Error).self, "\(bad)") { try WNetCommand.BenchModel.parse(bad) }
    }
  }
}
