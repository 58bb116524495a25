import Foundation
import StereoData
import StereoDepth

/// The data of a training run: built from the command line for a new run, and rebuilt from the
/// record in the checkpoint (paths, layout, split, synthetic share) when resuming, so a resumed
/// run sees the same sources on the same side of the split.
struct TrainingData {
  let source: any TrainingBatchSource
  let validation: [StereoBatchTensors]
  let summary: String

  /// The `TrainingConfiguration.data` record for these options.
  static func record(options: DataOptions, syntheticShare: Double, split: DatasetSplit?) throws -> [String: String] {
    var record: [String: String] = [
      "kind": options.paths.isEmpty ? "synthetic" : (syntheticShare > 0 ? "mixed" : "real"),
      "syntheticShare": String(syntheticShare),
    ]
    if !options.paths.isEmpty {
      // Absolute, so that --resume works from any directory.
      let absolute = options.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      record["paths"] = String(decoding: try JSONEncoder().encode(absolute), as: UTF8.self)
      record["format"] = options.format.rawValue
      record["fps"] = String(options.framesPerSecond)
      if let layout = options.layout { record["layout"] = layout.rawValue }
      if let segment = options.segmentDuration { record["segmentSeconds"] = String(segment) }
      if let split { record["split"] = String(decoding: try split.jsonData(), as: UTF8.self) }
    }
    return record
  }

  /// The options a record describes (for resuming).
  static func options(from record: [String: String]) throws -> DataOptions {
    var arguments: [String] = []
    if let paths = record["paths"], let list = try? JSONDecoder().decode([String].self, from: Data(paths.utf8)) {
      for path in list { arguments += ["--data", path] }
    }
    if let format = record["format"] { arguments += ["--format", format] }
    if let fps = record["fps"] { arguments += ["--fps", fps] }
    if let layout = record["layout"] { arguments += ["--layout", layout] }
    if let segment = record["segmentSeconds"] { arguments += ["--segment-seconds", segment] }
    return try DataOptions.parse(arguments)
  }

  /// The split to store for a new run.
  static func split(options: DataOptions) throws -> (dataset: StereoDataset, split: DatasetSplit)? {
    guard !options.paths.isEmpty else { return nil }
    let dataset = try options.loadDataset()
    let (_, _, split) = try dataset.split(options.splitPolicy)
    return (dataset, split)
  }

  /// Builds the batch source and held-out set for `configuration`, starting at `step`.
  init(configuration: TrainingConfiguration, startingAt step: Int) throws {
    let share = Double(configuration.data["syntheticShare"] ?? "1") ?? 1
    var loader: StereoBatchLoader?
    var validation: [StereoBatchTensors] = []
    var summary = "synthetic scenes"
    if configuration.data["paths"] != nil {
      let options = try Self.options(from: configuration.data)
      let dataset = try options.loadDataset()
      var training = dataset, held = StereoDataset(root: dataset.root, samples: [])
      if let json = configuration.data["split"] {
        (training, held) = dataset.applying(try DatasetSplit(jsonData: Data(json.utf8)))
      }
      guard !training.isEmpty else { throw CLIError("the training side of the split is empty") }
      let realCount = max(1, Int((Double(configuration.batchSize) * (1 - share)).rounded()))
      let loaderConfiguration = StereoLoaderConfiguration(
        batchSize: min(realCount, configuration.batchSize), height: configuration.height, width: configuration.width,
        seed: configuration.seed)
      loader = try StereoBatchLoader(dataset: training, configuration: loaderConfiguration)
      if !held.isEmpty {
        let heldLoader = try StereoBatchLoader(dataset: held, configuration: StereoLoaderConfiguration(
          batchSize: configuration.batchSize, height: configuration.height, width: configuration.width, augmentation: .cropOnly))
        validation += try heldLoader.validationBatches(maximumSamples: 24).map { StereoBatchTensors(left: $0.left, right: $0.right) }
      }
      summary = "\(training.samples.count) real pairs from \(training.sources.count) sources (\(held.sources.count) held out)"
        + (loaderConfiguration.batchSize < configuration.batchSize ? " + synthetic scenes, \(loaderConfiguration.batchSize) real per batch" : "")
    }
    if loader == nil || loader!.configuration.batchSize < configuration.batchSize {
      validation += SyntheticBatchSource.validation(for: configuration, batches: 1)
    }
    self.source = MixedBatchSource(configuration: configuration, loader: loader, startingAt: step)
    self.validation = validation
    self.summary = summary
  }
}
