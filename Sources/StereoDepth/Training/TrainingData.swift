import Foundation
import StereoClassic
import StereoData

/// The batches and the held-out set of a training run, built from its recipe.
///
/// Real pairs come from a ``StereoBatchLoader`` over the training side of the recipe's split
/// (cropped to the training size, augmented with the recipe's augmentation, in an order seeded by
/// the run's seed), synthetic scenes from ``SyntheticBatchSource``; ``MixedBatchSource`` joins
/// them. The held-out set is up to ``TrainingDataRecipe/validationSamples`` real pairs of the
/// split's validation side (only cropped), plus ``SyntheticSceneSettings/validationBatches``
/// synthetic batches when batches hold synthetic scenes.
public struct TrainingData {
  /// The batch of each step, starting at the step given.
  public let source: any TrainingBatchSource
  /// The held-out batches.
  public let validation: [StereoBatchTensors]
  /// What the data is, in words ("36 real pairs from 36 sources (4 held out) + synthetic …").
  public let summary: String
  /// Warnings about the data, one line each (training pairs that carry ground truth, pairs left
  /// out as duplicates of evaluation pairs).
  ///
  /// Training never reads ground truth, so such pairs are allowed (`wnet synth` scenes are), but
  /// an evaluation set (Middlebury 2001-2003, Aloe) named by mistake stops being held out, and
  /// these lines say so.
  public let notes: [String]

  /// Builds the batch source and the held-out set for `recipe`, starting at `step`.
  ///
  /// Without a stored split, one is drawn from the recipe's policy. When the loss has a proxy
  /// term (``LossConfiguration/proxyWeight`` > 0) and there are real pairs, their batches carry
  /// proxies from a ``ProxyDisparityCache`` with ``TrainingDataRecipe/proxies`` in
  /// `runDirectory/proxies` (held-out batches do not).
  ///
  /// - Parameters:
  ///   - recipe: The run's recipe.
  ///   - step: The first step's number.
  ///   - runDirectory: The run's folder; needed only for proxies.
  /// - Throws: ``StereoDataError`` when a source cannot be read; ``TrainingError`` when the
  ///   recipe has a problem, the training side of the split is empty, or proxies are needed
  ///   without a run folder.
  public init(recipe: TrainingRecipe, startingAt step: Int, runDirectory: URL? = nil) throws {
    if let problem = recipe.problems.first { throw TrainingError(problem) }
    let data = recipe.data
    var loader: StereoBatchLoader?
    var validation: [StereoBatchTensors] = []
    var summary = "synthetic scenes"
    var notes: [String] = []
    if data.hasRealPairs {
      let (dataset, duplicates) = try data.loadScreenedDataset()
      if let first = duplicates.first {
        notes.append(
          "left out \(duplicates.count) training pair(s) whose left view is an evaluation pair's "
            + "(\(duplicates.map(\.source).joined(separator: ", "))): \(first.left.path), ...")
      }
      var training = dataset
      var held = StereoDataset(root: dataset.root, samples: [])
      if let split = data.split {
        (training, held) = dataset.applying(split)
      } else {
        (training, held, _) = try dataset.split(data.splitPolicy)
      }
      guard !training.isEmpty else {
        throw TrainingError("the training side of the split is empty")
      }
      let labelled = training.samples.filter { $0.disparity != nil }
      if let first = labelled.first {
        notes.append(
          "\(labelled.count) of the \(training.samples.count) training pairs have ground truth "
            + "(\(first.identifier) in \(training.root.path), ...): training ignores it, but an "
            + "evaluation set trained on is no longer held out")
      }
      let realCount = max(1, Int((Double(recipe.batchSize) * (1 - data.syntheticShare)).rounded()))
      let loaderConfiguration = StereoLoaderConfiguration(
        batchSize: min(realCount, recipe.batchSize), height: recipe.height, width: recipe.width,
        augmentation: data.augmentation, seed: recipe.seed)
      var proxyProvider: (any StereoProxyProvider)?
      if recipe.loss.proxyWeight > 0 {
        guard let runDirectory else {
          throw TrainingError("the proxy term needs a run folder to cache its proxies in")
        }
        let folder = runDirectory.appendingPathComponent("proxies", isDirectory: true)
        if let teacher = data.proxyTeacher {
          let cache = try TeacherProxyCache(
            teacher: URL(fileURLWithPath: teacher), folder: folder,
            median: data.proxyTeacherMedian ? .standard : nil,
            adaptationSteps: data.proxyTeacherAdaptation)
          switch data.proxyHoles {
          case .empty: proxyProvider = cache
          case .sgbm, .sgbmConflicts:
            proxyProvider = FilledProxyProvider(
              primary: cache,
              fallback: ProxyDisparityCache(configuration: data.proxies, folder: folder),
              conflicts: data.proxyHoles.conflicts)
          }
        } else {
          proxyProvider = ProxyDisparityCache(configuration: data.proxies, folder: folder)
        }
      }
      loader = try StereoBatchLoader(
        dataset: training, configuration: loaderConfiguration, proxyProvider: proxyProvider)
      if !held.isEmpty && data.validationSamples > 0 {
        let heldLoader = try StereoBatchLoader(
          dataset: held,
          configuration: StereoLoaderConfiguration(
            batchSize: recipe.batchSize, height: recipe.height, width: recipe.width,
            augmentation: .cropOnly))
        validation += try heldLoader.validationBatches(maximumSamples: data.validationSamples)
          .map { StereoBatchTensors(left: $0.left, right: $0.right) }
      }
      summary =
        "\(training.samples.count) real pairs from \(training.sources.count) sources "
        + "(\(held.sources.count) held out)"
      if loaderConfiguration.batchSize < recipe.batchSize {
        summary += " + synthetic scenes, \(loaderConfiguration.batchSize) real per batch"
      }
    }
    if (loader?.configuration.batchSize ?? 0) < recipe.batchSize {
      validation += SyntheticBatchSource.validation(
        for: recipe, batches: data.synthetic.validationBatches)
    }
    self.source = MixedBatchSource(recipe: recipe, loader: loader, startingAt: step)
    self.validation = validation
    self.summary = summary
    self.notes = notes
  }
}
