import Foundation
import StereoData
import StereoTensor
import Testing

/// `wnet infer --upscale` as a user runs it: `auto` prints the factors tried with their
/// errors, the files keep the input's size, an enlargement that would not fit in memory is
/// skipped rather than failing the pair, and the default (`small`) enlarges only small pairs.
@Suite("wnet infer --upscale", .serialized)
struct UpscaleCommandTests {
  /// A 48×32 pair whose right view is the left shifted by 4 pixels.
  static func pair(in folder: URL) throws -> (left: URL, right: URL) {
    var generator = SeededGenerator(seed: 21)
    let (width, height, shift) = (48, 32, 4)
    let texture = (0..<(height * (width + shift) * 3)).map { _ in
      Float(generator.next() % 1000) / 1000
    }
    func view(_ offset: Int) -> Image {
      var pixels: [Float] = []
      for y in 0..<height {
        let row = (y * (width + shift) + offset) * 3
        pixels += texture[row..<(row + width * 3)]
      }
      return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
    let left = folder.appendingPathComponent("left.png")
    let right = folder.appendingPathComponent("right.png")
    try ImageIO.writePNG(view(0), to: left)
    try ImageIO.writePNG(view(shift), to: right)
    return (left, right)
  }

  @Test("'auto' prints its trials and writes maps of the input's size")
  func automatic() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (left, right) = try Self.pair(in: folder)
    let output = folder.appendingPathComponent("out")
    let outcome = try CommandLineErrorTests.run([
      "infer", left.path, right.path, "--upscale", "auto", "-o", output.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    #expect(outcome.standardOutput.contains("Upscale: ×1 0."), "\(outcome.standardOutput)")
    #expect(outcome.standardOutput.contains("×1.5 0.") && outcome.standardOutput.contains("×2 0."))
    let disparity = try ImageIO.read(output.appendingPathComponent("disparity.pfm"))
    #expect(disparity.width == 48 && disparity.height == 32)
  }

  @Test("By default a pair smaller than 640x480 runs enlarged, one of 640x480 at its own size")
  func smallByDefault() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (left, right) = try Self.pair(in: folder)
    func disparity(_ l: URL, _ r: URL, _ options: [String], _ name: String) throws -> Data {
      let output = folder.appendingPathComponent(name)
      let outcome = try CommandLineErrorTests.run(
        ["infer", l.path, r.path, "-o", output.path] + options)
      #expect(outcome.status == 0, "\(outcome.standardError)")
      return try Data(contentsOf: output.appendingPathComponent("disparity.pfm"))
    }
    let enlarged = try disparity(left, right, [], "default")
    #expect(try enlarged != disparity(left, right, ["--upscale", "1"], "own"))
    #expect(try enlarged == disparity(left, right, ["--upscale", "1.5"], "fixed"))
    let map = try ImageIO.read(folder.appendingPathComponent("default/disparity.pfm"))
    #expect(map.width == 48 && map.height == 32)
    // Too little memory for ×1.5: the default runs the pair at its own size (a fixed factor
    // is an error, below).
    let limited = try CommandLineErrorTests.run(
      ["infer", left.path, right.path, "-o", folder.appendingPathComponent("limited").path],
      environment: ["WNET_MEMORY_LIMIT": "251000000"])
    #expect(limited.status == 0, "\(limited.standardError)")
    #expect(
      try Data(contentsOf: folder.appendingPathComponent("limited/disparity.pfm"))
        == Data(contentsOf: folder.appendingPathComponent("own/disparity.pfm")))
    // 640x480: the same bytes with or without the default.
    var generator = SeededGenerator(seed: 5)
    let big = Image(
      width: 640, height: 480, channels: 3,
      pixels: (0..<(640 * 480 * 3)).map { _ in Float(generator.next() % 256) / 255 })
    let (bigLeft, bigRight) = (
      folder.appendingPathComponent("bl.png"), folder.appendingPathComponent("br.png")
    )
    try ImageIO.writePNG(big, to: bigLeft)
    try ImageIO.writePNG(big, to: bigRight)
    #expect(
      try disparity(bigLeft, bigRight, [], "big")
        == disparity(bigLeft, bigRight, ["--upscale", "1"], "big1"))
  }

  @Test("An enlargement beyond WNET_MEMORY_LIMIT is skipped; the pair's own size stands")
  func memory() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (left, right) = try Self.pair(in: folder)
    // InferenceMemory: 250 MB + 300 B per working pixel + 100 B per input pixel. ×1 needs
    // 250.61 MB, ×1.5 251.19 MB: a limit of 251 MB lets only the pair's own size run.
    let outcome = try CommandLineErrorTests.run(
      [
        "infer", left.path, right.path, "--upscale", "auto", "-o",
        folder.appendingPathComponent("o").path,
      ],
      environment: ["WNET_MEMORY_LIMIT": "251000000"])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    #expect(
      outcome.standardOutput.contains("×1.5 none, ×2 none; kept ×1."), "\(outcome.standardOutput)")
    // A fixed factor that does not fit is an error, in one line.
    let fixed = try CommandLineErrorTests.run(
      [
        "infer", left.path, right.path, "--upscale", "2", "-o",
        folder.appendingPathComponent("f").path,
      ],
      environment: ["WNET_MEMORY_LIMIT": "251000000"])
    #expect(fixed.status == 1)
    #expect(fixed.standardError.split(separator: "\n").count == 1, "\(fixed.standardError)")
  }

  @Test("eval names the default enlargement in its method, with --adapt too, not with --upscale 1")
  func evalMethod() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CommandLineErrorTests.synthesizeScenes(in: folder)
    for (arguments, expected) in [
      ([String](), true), (["--upscale", "1"], false), (["--adapt", "1"], true),
    ] {
      let outcome = try CommandLineErrorTests.run(
        ["eval", "--data", data.path, "--json"] + arguments)
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let parsed = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
      let method = try #require((parsed as? [String: Any])?["method"] as? String)
      #expect(method.contains("small pairs enlarged") == expected, "\(arguments): \(method)")
    }
  }
}
