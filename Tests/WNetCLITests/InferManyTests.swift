import Foundation
import StereoData
import StereoTensor
import Testing

@testable import wnet

/// `wnet infer` on many pairs in one process: folders, `left/` + `right/`, `--list`, a failing
/// pair skipped with exit status 1.
@Suite("wnet infer: many pairs", .serialized)
struct InferManyTests {
  typealias CLI = CommandLineErrorTests

  static func writePair(_ folder: URL, left: String, right: String, seed: Float) throws {
    var image = Image(width: 64, height: 40, channels: 3)
    for index in image.pixels.indices {
      image.pixels[index] = Float((index * 7 + Int(seed * 13)) % 29) / 28
    }
    for path in [left, right] {
      let url = folder.appendingPathComponent(path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try ImageIO.writePNG(image, to: url)
    }
  }

  @Test("Two folders with one corrupt pair: the others written, the bad one named, status 1")
  func foldersWithFailure() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for (index, name) in ["a", "b", "c"].enumerated() {
      try Self.writePair(
        folder, left: "L/\(name).png", right: "R/\(name).png", seed: Float(index))
    }
    try Data("not a png".utf8).write(to: folder.appendingPathComponent("L/b.png"))
    let output = folder.appendingPathComponent("out")
    let outcome = try CLI.run([
      "infer", folder.appendingPathComponent("L").path, folder.appendingPathComponent("R").path,
      "-o", output.path, "--npy",
    ])
    #expect(outcome.status == 1, "\(outcome.standardError)")
    #expect(outcome.standardError.contains("b: skipped"), "\(outcome.standardError)")
    #expect(outcome.standardError.contains("1 of 3 pairs failed"))
    #expect(outcome.standardOutput.contains("3 pairs in"))
    for name in ["a", "c"] {
      for file in ["disparity.pfm", "disparity.npy", "confidence.png"] {
        let path = output.appendingPathComponent(name).appendingPathComponent(file).path
        #expect(FileManager.default.fileExists(atPath: path), "\(path) missing")
      }
    }
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("b").path))
  }

  @Test("A folder with left/ and right/, and a list file, give the same disparities as one pair")
  func extractedAndList() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.writePair(folder, left: "x/left/000000.png", right: "x/right/000000.png", seed: 1)
    try Self.writePair(folder, left: "x/left/000001.png", right: "x/right/000001.png", seed: 2)
    // One precision for all three: by default a single pair runs in float32 where oneDNN has AMX
    // and many pairs in bfloat16 (`Backends.defaultInferencePrecision(singlePair:)`).
    let precision = ["--precision", "float32"]
    let extracted = try CLI.run(
      [
        "infer", folder.appendingPathComponent("x").path, "-o",
        folder.appendingPathComponent("e").path,
      ] + precision)
    #expect(extracted.status == 0, "\(extracted.standardError)")
    try Data(
      "x/left/000001.png x/right/000001.png second\n".utf8
    ).write(to: folder.appendingPathComponent("list.txt"))
    let listed = try CLI.run(
      [
        "infer", "--list", folder.appendingPathComponent("list.txt").path, "--output",
        folder.appendingPathComponent("l").path,
      ] + precision)
    #expect(listed.status == 0, "\(listed.standardError)")
    let single = try CLI.run(
      [
        "infer", folder.appendingPathComponent("x/left/000001.png").path,
        folder.appendingPathComponent("x/right/000001.png").path, "-o",
        folder.appendingPathComponent("s").path,
      ] + precision)
    #expect(single.status == 0, "\(single.standardError)")
    let reference = try ImageIO.read(folder.appendingPathComponent("s/disparity.pfm"))
    #expect(try ImageIO.read(folder.appendingPathComponent("e/000001/disparity.pfm")) == reference)
    #expect(try ImageIO.read(folder.appendingPathComponent("l/second/disparity.pfm")) == reference)
    #expect(
      FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("e/000000/disparity.pfm").path))
  }

  /// The restart is seen in its note; the maps are the same either way.
  @Test(
    "Many pairs restart with OMP_WAIT_POLICY=passive unless a policy is set; the same maps")
  func waitPolicy() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for (index, name) in ["a", "b"].enumerated() {
      try Self.writePair(
        folder, left: "L/\(name).png", right: "R/\(name).png", seed: Float(index + 3))
    }
    var maps: [Image] = []
    // Unset here unless the tests themselves run with a policy (then kept, so no restart).
    let inherited = ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"] != nil
    for (policy, restarts) in [("", !inherited), ("active", false)] {
      let output = folder.appendingPathComponent("out-\(policy)")
      let outcome = try CLI.run(
        [
          "infer", folder.appendingPathComponent("L").path,
          folder.appendingPathComponent("R").path, "-o", output.path,
        ],
        environment: policy.isEmpty ? [:] : ["OMP_WAIT_POLICY": policy])
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let restarted = outcome.standardError.contains("(OMP_WAIT_POLICY=passive for many pairs)")
      #expect(restarted == restarts, "\(policy): \(outcome.standardError)")
      maps.append(try ImageIO.read(output.appendingPathComponent("b/disparity.pfm")))
    }
    #expect(maps[0] == maps[1], "the wait policy changes no value")
    #expect(OpenMPWaitPolicy.restartsPassive(pairCount: 2, environment: [:]))
    #expect(!OpenMPWaitPolicy.restartsPassive(pairCount: 1, environment: [:]))
    #expect(
      !OpenMPWaitPolicy.restartsPassive(pairCount: 5, environment: ["OMP_WAIT_POLICY": "active"]))
  }

  @Test("Bad batch inputs: a folder without left/ and right/, a folder beside a file")
  func badInputs() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.writePair(folder, left: "a.png", right: "b.png", seed: 0)
    let one = try CLI.run(["infer", folder.path])
    #expect(one.status == 1 && one.standardError.contains("left/ and right/"))
    let mixed = try CLI.run(["infer", folder.path, folder.appendingPathComponent("a.png").path])
    #expect(mixed.status == 1 && mixed.standardError.contains("is a folder"))
    let sgbm = try CLI.run(["infer", folder.path, folder.path, "--method", "sgbm"])
    #expect(sgbm.status == 1 && sgbm.standardError.contains("two image files"))
  }

  @Test(
    "The marked map's holes are filled by default; --no-fill-holes leaves them, kept pixels equal; --fill-sigma sets the colour weight"
  )
  func holeFillByDefault() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    // Blocks of 16×16 pixels of one random colour each (so that neighbours share colours and vote
    // for each other), shifted by 5 px, with noise in the right view so that some interior
    // pixels fail the left-right check.
    var generator = SeededGenerator(seed: 31)
    let (width, height) = (96, 64)
    let colours = (0..<(width * height / 256 * 3)).map { _ in
      Float.random(in: 0...1, using: &generator)
    }
    var left = Image(width: width, height: height, channels: 3)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<3 {
          let block = (y / 16) * (width / 16) + x / 16
          left.pixels[(y * width + x) * 3 + c] = colours[block * 3 + c]
        }
      }
    }
    var right = Image(width: width, height: height, channels: 3)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<3 {
          let source = left.pixels[(y * width + min(x + 5, width - 1)) * 3 + c]
          let noisy: Float = source + Float.random(in: -0.1...0.1, using: &generator)
          right.pixels[(y * width + x) * 3 + c] = min(1, max(0, noisy))
        }
      }
    }
    try ImageIO.writePNG(left, to: folder.appendingPathComponent("l.png"))
    try ImageIO.writePNG(right, to: folder.appendingPathComponent("r.png"))
    var maps: [[Float]] = []
    let variants = [[], ["--no-fill-holes"], ["--fill-sigma", "0.2"], ["--fill-sigma", "0.01"]]
    for (index, flags) in variants.enumerated() {
      let out = folder.appendingPathComponent("out\(index)")
      let outcome = try CLI.run(
        [
          "infer", folder.appendingPathComponent("l.png").path,
          folder.appendingPathComponent("r.png").path, "-o", out.path,
        ] + flags)
      #expect(outcome.status == 0, "\(outcome.standardError)")
      maps.append(try ImageIO.read(out.appendingPathComponent("disparity.pfm")).pixels)
    }
    let (filled, unfilled) = (maps[0], maps[1])
    #expect(zip(filled, unfilled).allSatisfy { !$1.isFinite || $0 == $1 })
    let (known, knownUnfilled) = (
      filled.filter(\.isFinite).count, unfilled.filter(\.isFinite).count
    )
    #expect(knownUnfilled < filled.count, "the check rejects some pixels")
    #expect(known > knownUnfilled, "the fill fills some: \(known) against \(knownUnfilled)")
    // σ = 0.2 is the default; a narrow colour weight (0.01) fills other pixels or values.
    #expect(maps[2] == filled)
    #expect(maps[3] != filled, "the colour weight changes the fill")
    #expect(zip(maps[3], unfilled).allSatisfy { !$1.isFinite || $0 == $1 })
  }
}
