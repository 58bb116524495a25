import ArgumentParser
import Foundation
import StereoDepth

/// `--model FILE|PRESET`: a checkpoint, or the name of a bundled model, instead of the default;
/// `--quarter-passes N`: run its 1/4 scale N times (``WNetConfiguration/quarterPasses``);
/// `--propagation N`: start the first N finer scales from the neighbours' best estimate at depth
/// edges (``WNetConfiguration/propagation``); `--bounded-search`: a stated maximum bounds the
/// coarse search (``DisparityEstimator/boundsSearch``).
struct ModelOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A checkpoint (.safetensors from 'wnet train') or a bundled model's name "
        + "(\(PretrainedModel.bundledPresets.map(\.rawValue).joined(separator: ", "))); "
        + "default: the bundled \(PretrainedModel.defaultPreset.rawValue) model.",
      valueName: "file|preset"))
  var model: String?

  @Option(
    help: ArgumentHelp(
      "matching: refine at 1/4 resolution this many times, each pass around the last's "
        + "estimate with the same weights (reaches further from a wrong coarse estimate, at "
        + "the 1/4 scale's time per pass; default: the model's own, 1 for the bundled model).",
      valueName: "n"))
  var quarterPasses: Int?

  @Option(
    help: ArgumentHelp(
      "matching: at this many hand-ons between scales, coarsest first (1: to 1/4, 2: also to "
        + "1/2, 3: also to full resolution; 0: none), start the finer scale where the coarse "
        + "estimates of a pixel's neighbours disagree from the neighbour's estimate whose "
        + "features match best, not their bilinear mix (sharper depth edges; default: the "
        + "model's own, 2 for the bundled model).", valueName: "n"))
  var propagation: Int?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: keep the coarse search within the largest disparity stated (--max-disparity; "
        + "in 'eval', the dataset's bound where it gives one): candidates above it are left "
        + "out of the estimate, as SGBM searches only its range. On by default (the label-free "
        + "judges preferred it; docs/RUNS.md); --no-bounded-search searches the model's whole "
        + "range whatever the stated maximum."))
  var boundedSearch = true

  /// The first of these options given (a value other than the default), or `nil`: for the
  /// commands' checks where no network runs.
  var givenOption: String? {
    if model != nil { return "--model" }
    if quarterPasses != nil { return "--quarter-passes" }
    if propagation != nil { return "--propagation" }
    if !boundedSearch { return "--no-bounded-search" }
    return nil
  }

  /// The estimator of `model`, with `--bounded-search` (``DisparityEstimator/boundsSearch``).
  func estimator(_ model: WNet, _ metadata: CheckpointMetadata) -> DisparityEstimator {
    let estimator = DisparityEstimator(model: model, metadata: metadata)
    estimator.boundsSearch = boundedSearch
    return estimator
  }

  /// The model and its metadata, with `--quarter-passes` and `--propagation` applied.
  func load() throws -> (model: WNet, metadata: CheckpointMetadata) {
    var (model, metadata) = try Self.load(model)
    model = try Self.model(model, quarterPasses: quarterPasses, propagation: propagation)
    metadata.configuration = model.configuration
    return (model, metadata)
  }

  /// `model` running its 1/4 scale `quarterPasses` times and with `propagation` (`nil`: as it
  /// is); a problem with a value (``WNetConfiguration/problems``) is an error naming its option.
  static func model(_ model: WNet, quarterPasses: Int?, propagation: Int? = nil) throws -> WNet {
    var configuration = model.configuration
    if let quarterPasses {
      configuration.quarterPasses = quarterPasses
      if let problem = configuration.problems.first {
        throw ValidationError("'--quarter-passes \(quarterPasses)': \(problem).")
      }
    }
    if let propagation {
      configuration.propagation = propagation
      if let problem = configuration.problems.first {
        throw ValidationError("'--propagation \(propagation)': \(problem).")
      }
    }
    guard configuration != model.configuration else { return model }
    return model.reconfigured(configuration)
  }

  /// Loads `--model`'s value: a bundled preset's name (when no such file exists), a file, or
  /// (`nil`) the default bundled model.
  static func load(_ model: String?) throws -> (model: WNet, metadata: CheckpointMetadata) {
    guard let model else { return try PretrainedModel.load() }
    if let preset = WNetPreset(rawValue: model), !FileManager.default.fileExists(atPath: model) {
      return try PretrainedModel.load(preset)
    }
    let (loaded, metadata, _) = try WNetCheckpoint.loadModel(URL(fileURLWithPath: model))
    return (loaded, metadata)
  }
}
