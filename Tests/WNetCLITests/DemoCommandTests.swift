import Foundation
import StereoData
import Testing

/// `wnet demo` on the synthetic scene alone (no samples): it shows the default output, the marked
/// map of the enlarged pair, with its density, and writes its pictures.
@Suite("wnet demo", .serialized)
struct DemoCommandTests {
  typealias CLI = CommandLineErrorTests

  @Test("The synthetic scene's row: the enlarged network size, errors and density; pictures")
  func syntheticScene() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("demo")
    let outcome = try CLI.run(
      ["demo", "-o", output.path],
      environment: ["WNET_SAMPLES": folder.appendingPathComponent("none").path])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let row = try #require(
      outcome.standardOutput.split(separator: "\n").first { $0.hasPrefix("synthetic") })
    let cells = row.split(separator: " ").map(String.init)
    // scene, size, network, time and EPE (two words each), bad-2, bad-3, density, pictures.
    #expect(cells.count == 11, "\(row)")
    #expect(cells[1] == "384x256" && cells[2] == "576x384", "\(row)")
    let density = try #require(Double(cells[9].dropLast()), "\(row)")
    #expect(density > 50 && density < 100, "\(row)")
    let picture = try ImageIO.read(output.appendingPathComponent("synthetic/disparity-color.png"))
    #expect(picture.width == 384 && picture.height == 256)
    // The marked map's unknown pixels are black in the picture.
    let black = stride(from: 0, to: picture.pixels.count, by: 3).filter { index in
      picture.pixels[index] == 0 && picture.pixels[index + 1] == 0 && picture.pixels[index + 2] == 0
    }
    #expect(!black.isEmpty)
  }

  /// A model whose range is narrower than the synthetic scene's margins (0...3 px) used to trap
  /// in the scene's generator; the demo runs it on its whole range.
  @Test("--model with a narrow range runs the synthetic scene")
  func narrowRange() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try CLI.smallModel(in: folder, arguments: ["--max-disparity", "3"])
    let outcome = try CLI.run(
      [
        "demo", "--model", model.path, "-o", folder.appendingPathComponent("demo").path,
      ], environment: ["WNET_SAMPLES": folder.appendingPathComponent("none").path])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    #expect(outcome.standardOutput.contains("synthetic"), "\(outcome.standardOutput)")
  }
}
