import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

/// `wnet eval --data FOLDER` on the layout `scripts/fetch-samples.sh` writes for Aloe
/// (`left.jpg`, `right.jpg`, `disp0GT.png` with disparity = value, 0 = unknown), here a small
/// synthetic copy: 64×32 views 10 px apart.
@Suite("wnet eval on the Aloe layout", .serialized)
struct AloeEvaluationTests {
  typealias CLI = CommandLineErrorTests

  /// Writes `folder/aloe` and returns it: ground truth 10 everywhere but row 0 (value 0).
  private func writeAloeLayout(in folder: URL) throws -> URL {
    let scene = folder.appendingPathComponent("aloe")
    try FileManager.default.createDirectory(at: scene, withIntermediateDirectories: true)
    let (width, height, shift) = (64, 32, 10)
    // right(x) = left(x + 10): left(x) = right(x − 10).
    let pair = constantShiftPair(batch: 1, height: height, width: width, shift: shift, seed: 4)
    try ImageIO.writeJPEG(Image(pair.left), to: scene.appendingPathComponent("left.jpg"))
    try ImageIO.writeJPEG(Image(pair.right), to: scene.appendingPathComponent("right.jpg"))
    var truth = Image(width: width, height: height, channels: 1, repeating: 10 / 255)
    for x in 0..<width { truth[0, x, 0] = 0 }
    try ImageIO.writePNG(truth, to: scene.appendingPathComponent("disp0GT.png"))
    return scene
  }

  private func evaluation(_ outcome: CommandLineErrorTests.Outcome) throws -> DatasetEvaluation {
    #expect(outcome.status == 0, "\(outcome.standardError)")
    return try JSONDecoder().decode(DatasetEvaluation.self, from: Data(outcome.standardOutput.utf8))
  }

  @Test("Predictions are scored against disp0GT.png (metrics computed by hand)")
  func predictions() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let scene = try writeAloeLayout(in: folder)
    // Errors: 10 pixels of row 1 by 2.5, 5 of row 2 by 4, 3 of row 3 by 0.5; row 0 is unknown.
    var estimate = Image(width: 64, height: 32, channels: 1, repeating: 10)
    for x in 0..<64 { estimate[0, x, 0] = 99 }
    for x in 0..<10 { estimate[1, x, 0] = 12.5 }
    for x in 0..<5 { estimate[2, x, 0] = 14 }
    for x in 0..<3 { estimate[3, x, 0] = 10.5 }
    let predictions = folder.appendingPathComponent("predictions")
    try FileManager.default.createDirectory(at: predictions, withIntermediateDirectories: true)
    try ImageIO.writePFM(estimate, to: predictions.appendingPathComponent("aloe.pfm"))
    let result = try evaluation(
      try CLI.run(["eval", "--data", scene.path, "--predictions", predictions.path, "--json"]))
    let all = result.all
    // n = 64 · 31 = 1984; EPE = (10 · 2.5 + 5 · 4 + 3 · 0.5) / 1984 = 46.5 / 1984.
    #expect(result.pairs.map(\.identifier) == ["aloe"])
    #expect(all.evaluatedPixels == 1984)
    #expect(abs(all.endPointError - 46.5 / 1984) < 1e-6, "EPE \(all.endPointError)")
    #expect(all.bad1Pixels == 15 && all.bad2Pixels == 15 && all.bad3Pixels == 5)
    #expect(all.bad4Pixels == 0)  // ε = 4 is not above 4
    #expect(all.d1Outliers == 5)  // ε > 3 and ε / 10 > 5 %
  }

  @Test("--method sgbm scores the pair against the plain-value ground truth")
  func semiGlobal() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let scene = try writeAloeLayout(in: folder)
    let result = try evaluation(
      try CLI.run(["eval", "--data", scene.path, "--method", "sgbm", "--json"]))
    // Read as KITTI (value / 256) the truth would be 0.04 and the error about 10 px.
    #expect(result.all.evaluatedPixels == 1984)
    #expect(result.all.endPointError < 2, "EPE \(result.all.endPointError)")
  }
}
