import Foundation
import StereoDepth
import Testing

@testable import wnet

/// `wnet train` with no model options trains `matching` with its shipped run's recipe (the
/// README's command, whose options are spelled out here); `--no-ssim` and `--no-occlusion-mask`
/// turn those levers off, and `realtime` keeps W-net's defaults.
@Suite("wnet train: each preset's defaults")
struct TrainDefaultsTests {
  @Test("The default run is matching with the shipped recipe's objective, rate and scaling")
  func matchingDefaults() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CommandLineErrorTests.synthesizeScenes(in: folder)
    let implicit = try WNetCommand.Train.parse(["--data", data.path]).newRecipe()
    let explicit = try WNetCommand.Train.parse([
      "--data", data.path, "--preset", "matching", "--learning-rate", "1e-3", "--ssim",
      "--smoothness-weight", "0.01", "--occlusion-mask", "--proxy-weight", "1",
      "--max-scale", "2.5", "--min-coverage", "0.03",
    ]).newRecipe()
    #expect(implicit.model == explicit.model && implicit.model.preset == .matching)
    #expect(implicit.loss == explicit.loss)
    #expect(implicit.learningRate == explicit.learningRate)
    #expect(implicit.data.augmentation == explicit.data.augmentation)

    let off = try WNetCommand.Train.parse([
      "--data", data.path, "--no-ssim", "--no-occlusion-mask", "--proxy-weight", "0",
    ]).newRecipe()
    #expect(off.loss.ssimWeight == 0 && !off.loss.occlusionMask && off.loss.proxyWeight == 0)

    let realtime = try WNetCommand.Train.parse(["--data", data.path, "--preset", "realtime"])
      .newRecipe()
    #expect(realtime.learningRate == 1e-4 && realtime.loss.ssimWeight == 0)
    #expect(!realtime.loss.occlusionMask && realtime.loss.proxyWeight == 0)
    #expect(realtime.data.augmentation.maximumScale == 1)
  }
}
