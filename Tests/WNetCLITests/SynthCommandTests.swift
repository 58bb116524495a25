import Foundation
import StereoData
import Testing

@testable import wnet

@Suite("wnet synth")
struct SynthCommandTests {
  @Test("Parses every option, negative disparities included")
  func parsing() throws {
    let command = try WNetCommand.Synth.parse([
      "--count", "3", "--width", "64", "--height", "48", "--min-disparity", "-16",
      "--max-disparity", "15", "--seed", "7", "--output", "out",
    ])
    #expect(command.count == 3 && command.width == 64 && command.height == 48)
    #expect(command.minDisparity == -16 && command.maxDisparity == 15)
    #expect(command.seed == 7 && command.output == "out")
    #expect(command.generatorConfiguration.objectCount == 2...6)
  }

  @Test("Rejects an empty disparity range and a missing output")
  func validation() {
    #expect(throws: (any Error).self) {
      try WNetCommand.Synth.parse([
        "--min-disparity", "10", "--max-disparity", "5", "--output", "out",
      ])
    }
    #expect(throws: (any Error).self) { try WNetCommand.Synth.parse(["--count", "1"]) }
  }

  @Test("Writes each scene's views, disparity and mask, the same for the same seed")
  func writesScenes() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-synth-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    for run in ["a", "b"] {
      let command = try WNetCommand.Synth.parse([
        "--count", "2", "--width", "40", "--height", "24", "--max-disparity", "8", "--seed", "5",
        "--output", root.appendingPathComponent(run).path,
      ])
      try command.run()
    }
    for scene in ["scene-0000", "scene-0001"] {
      let directory = root.appendingPathComponent("a").appendingPathComponent(scene)
      let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
      #expect(files == ["disp0GT.pfm", "im0.png", "im1.png", "mask0nocc.png"])
      let disparity = try Data(contentsOf: directory.appendingPathComponent("disp0GT.pfm"))
      #expect(disparity.count == "Pf\n40 24\n-1\n".utf8.count + 4 * 40 * 24)
      let mask = try ImageIO.read(directory.appendingPathComponent("mask0nocc.png"))
      #expect(Set(mask.pixels.map { Int(($0 * 255).rounded()) }).isSubset(of: [128, 255]))
      // The folder reads back as a Middlebury-layout dataset with ground truth and mask.
      let sample = try StereoDataset(contentsOf: root.appendingPathComponent("a")).sample(at: 0)
      #expect(sample.disparity != nil && sample.nonOccludedMask != nil)
      for file in files {
        let again = root.appendingPathComponent("b").appendingPathComponent(scene)
          .appendingPathComponent(file)
        #expect(
          try Data(contentsOf: directory.appendingPathComponent(file)) == Data(contentsOf: again),
          "\(scene)/\(file) differs between runs with one seed")
      }
    }
  }
}
