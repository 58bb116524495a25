import Foundation
import StereoDepth
import Testing

/// `wnet train --max-scale S --min-coverage C` (and `--min-contrast`, `--vertical-flip`): stored
/// in the recipe's augmentation, checked,
/// and refused without `--data`; training pairs with ground truth are named in a note;
/// `--census` reaches the stored loss; a new matching run has cosine correlation by default.
@Suite("wnet train: random-scale options", .serialized)
struct TrainAugmentationCommandTests {
  typealias CLI = CommandLineErrorTests

  @Test(
    "--max-scale, --min-coverage, --min-contrast and --vertical-flip reach the stored recipe; bad values are refused"
  )
  func scaleOptions() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let run = folder.appendingPathComponent("run")
    let outcome = try CLI.run([
      "train", "--data", data.path, "--synthetic-share", "0", "--max-scale", "2.5",
      "--min-coverage", "0.05", "--min-contrast", "0.4", "--vertical-flip", "0.5", "--census",
      "--steps", "1", "--batch-size",
      "1", "--height", "16",
      "--width",
      "32", "--validate-every", "0", "--output", run.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    let augmentation = try WNetCheckpoint.read(checkpoint).metadata.training?.data.augmentation
    #expect(augmentation?.maximumScale == 2.5 && augmentation?.minimumCoverage == 0.05)
    #expect(augmentation?.contrast == 0.4...1.2 && augmentation?.verticalFlipProbability == 0.5)
    #expect(try WNetCheckpoint.read(checkpoint).metadata.training?.loss.census == true)
    // A new matching run correlates by cosine and hands on local estimates unless told
    // otherwise (the bundled model's architecture); `--no-cosine-correlation` turns it off.
    let model = try WNetCheckpoint.read(checkpoint).metadata.configuration
    #expect(model.cosineCorrelation && model.localCoarseEstimate && model.localRefinementEstimates)
    let bundledFile = try #require(PretrainedModel.url(for: .matching))
    var bundled = try WNetCheckpoint.read(bundledFile).metadata.configuration
    // The bundled model was trained with the bilinear hand-ons and runs with propagation at two
    // of them (a forward-pass setting its file stores); new runs train as it was trained. Its
    // full-resolution scale was pruned to 4 channels only in its last fine-tunes (`--transplant
    // --slim-full-scale`, session 47), and its coarse context branch added only there too
    // (`--coarse-context`, session 55): a new run trains the form its first runs had.
    #expect(bundled.propagation == 2 && model.propagation == 0)
    #expect(bundled.slimFullScale && !model.slimFullScale)
    #expect(bundled.coarseContext && !model.coarseContext)
    bundled.propagation = 0
    bundled.slimFullScale = false
    bundled.coarseContext = false
    #expect(model == bundled)
    let plain = folder.appendingPathComponent("plain")
    let plainOutcome = try CLI.run([
      "train", "--data", data.path, "--synthetic-share", "0", "--no-cosine-correlation",
      "--steps", "1", "--batch-size", "1", "--height", "16", "--width", "32", "--validate-every",
      "0", "--output", plain.path,
    ])
    #expect(plainOutcome.status == 0, "\(plainOutcome.standardError)")
    let plainModel = try WNetCheckpoint.read(plain.appendingPathComponent("checkpoint.safetensors"))
      .metadata.configuration
    #expect(plainModel.preset == .matching && !plainModel.cosineCorrelation)
    // `wnet synth` scenes carry disp0GT.pfm: allowed, with a note.
    #expect(outcome.standardError.contains("training pairs have ground truth"))

    for (arguments, option) in [
      (["--max-scale", "2"], "--max-scale"),
      (["--data", data.path, "--max-scale", "0"], "--max-scale"),
      (["--data", data.path, "--min-coverage", "1.5"], "--min-coverage"),
      (["--data", data.path, "--min-coverage", "0"], "--min-coverage"),
      (["--min-contrast", "0.5"], "--min-contrast"),
      (["--data", data.path, "--min-contrast", "0"], "--min-contrast"),
      (["--vertical-flip", "0.5"], "--vertical-flip"),
      (["--data", data.path, "--vertical-flip", "1.5"], "--vertical-flip"),
    ] {
      let refused = try CLI.run(
        ["train"] + arguments + ["--output", folder.appendingPathComponent("other").path])
      #expect(refused.status != 0, "\(arguments)")
      #expect(refused.standardError.contains(option), "\(arguments): \(refused.standardError)")
    }
  }
}
