import Foundation
import StereoData
import Testing

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
    let extracted = try CLI.run([
      "infer", folder.appendingPathComponent("x").path, "-o",
      folder.appendingPathComponent("e").path,
    ])
    #expect(extracted.status == 0, "\(extracted.standardError)")
    try Data(
      "x/left/000001.png x/right/000001.png second\n".utf8
    ).write(to: folder.appendingPathComponent("list.txt"))
    let listed = try CLI.run([
      "infer", "--list", folder.appendingPathComponent("list.txt").path, "--output",
      folder.appendingPathComponent("l").path,
    ])
    #expect(listed.status == 0, "\(listed.standardError)")
    let single = try CLI.run([
      "infer", folder.appendingPathComponent("x/left/000001.png").path,
      folder.appendingPathComponent("x/right/000001.png").path, "-o",
      folder.appendingPathComponent("s").path,
    ])
    #expect(single.status == 0, "\(single.standardError)")
    let reference = try ImageIO.read(folder.appendingPathComponent("s/disparity.pfm"))
    #expect(try ImageIO.read(folder.appendingPathComponent("e/000001/disparity.pfm")) == reference)
    #expect(try ImageIO.read(folder.appendingPathComponent("l/second/disparity.pfm")) == reference)
    #expect(
      FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("e/000000/disparity.pfm").path))
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
}
