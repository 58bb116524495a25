import ArgumentParser
import Foundation
import StereoData
import Testing

@testable import wnet

/// Parsing of the data commands, and their failure on malformed input.
@Suite("Data commands") struct DataCommandTests {
  @Test("extract parses its options")
  func parseExtract() throws {
    let command = try WNetCommand.Extract.parse([
      "movie.mkv", "--layout", "half-sbs", "--fps", "2", "--output", "frames", "--max-frames", "10",
    ])
    #expect(command.video == "movie.mkv" && command.layout == .halfSideBySide)
    #expect(command.framesPerSecond == 2 && command.output == "frames" && command.maxFrames == 10)
    #expect(throws: (any Error).self) {
      try WNetCommand.Extract.parse(["movie.mkv", "--layout", "sideways", "-o", "x"])
    }
    #expect(throws: (any Error).self) {
      try WNetCommand.Extract.parse(["movie.mkv", "--layout", "sbs", "-o", "x", "--fps", "0"])
    }
  }

  @Test("Data options give a dataset configuration and a split policy")
  func parseDataOptions() throws {
    let options = try DataOptions.parse([
      "--data", "movie.mkv", "--layout", "sbs", "--fps", "0.5", "--segment-seconds", "60",
      "--hold-out", "a,b", "--hold-out", "c", "--validation-fraction", "0.1", "--split-seed", "3",
    ])
    let configuration = try #require(options.datasetConfigurations.first)
    #expect(configuration.path == "movie.mkv" && configuration.videoLayout == .sideBySide)
    #expect(configuration.framesPerSecond == 0.5 && configuration.segmentDuration == 60)
    #expect(
      options.splitPolicy
        == SplitPolicy(heldOutSources: ["a", "b", "c"], validationFraction: 0.1, seed: 3))
    #expect(throws: (any Error).self) {
      try DataOptions.parse(["--data", "x", "--validation-fraction", "1"])
    }
    #expect(throws: (any Error).self) {
      try DataOptions.parse(["--data", "x", "--format", "video"])
    }
  }

  @Test("Malformed input makes the commands throw a one-line data error")
  func malformedInput() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-cli-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("scene"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("scene/left.png"))
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("scene/right.png"))
    var check = try WNetCommand.Dataset.parse(["--data", folder.path, "--check"])
    #expect(throws: ExitCode.failure) { try check.run() }
    check = try WNetCommand.Dataset.parse(["--data", folder.appendingPathComponent("absent").path])
    #expect(throws: StereoDataError.self) { try check.run() }
    let extract = try WNetCommand.Extract.parse([
      folder.appendingPathComponent("absent.mkv").path, "--layout", "sbs", "-o", folder.path,
    ])
    #expect(throws: StereoDataError.self) { try extract.run() }
  }
}
