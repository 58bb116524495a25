import Foundation
import StereoData
import StereoTensor

/// Training batches that join real pairs from a ``StereoBatchLoader`` (decoded, cropped and
/// augmented on its background threads) with freshly rendered synthetic scenes.
///
/// Step `s` takes real batch `s` of the loader's stream (the stream starts at the trainer's step,
/// so a resumed run continues where it stopped) and synthetic batch `s` of
/// ``SyntheticBatchSource``; the real pairs come first in the batch.
public final class MixedBatchSource: TrainingBatchSource {
  private let stream: StereoBatchStream?
  private let synthetic: PrefetchingBatchSource?
  /// Pairs per step from the loader.
  public let realCount: Int
  /// Pairs per step rendered.
  public let syntheticCount: Int

  /// Creates a source for `recipe`, starting at `step`.
  ///
  /// - Parameters:
  ///   - loader: The real data (its batch size is the number of real pairs per step), or `nil`
  ///     for synthetic scenes only.
  public init(recipe: TrainingRecipe, loader: StereoBatchLoader?, startingAt step: Int) {
    realCount = loader?.configuration.batchSize ?? 0
    syntheticCount = recipe.batchSize - realCount
    precondition(
      syntheticCount >= 0,
      "The loader's batch \(realCount) exceeds the training batch \(recipe.batchSize)")
    stream = loader?.trainingBatches(startingAt: step)
    if syntheticCount > 0 {
      let scenes = SyntheticBatchSource.generatorConfiguration(for: recipe)
      let (seed, count) = (recipe.seed, syntheticCount)
      synthetic = PrefetchingBatchSource { step in
        SyntheticBatchSource.batch(seed: seed, step: step, count: count, configuration: scenes)
          .batch
      }
    } else {
      synthetic = nil
    }
  }

  deinit { stream?.close() }

  public func batch(forStep step: Int) throws -> StereoBatchTensors {
    var parts: [StereoBatchTensors] = []
    var proxy: ProxyTargets?
    if let stream {
      let real = try stream.next()
      proxy = ProxyTargets(batch: real)
      parts.append(StereoBatchTensors(left: real.left, right: real.right, proxy: proxy))
    }
    if let synthetic { parts.append(try synthetic.batch(forStep: step)) }
    guard parts.count > 1 else { return parts[0] }
    // Synthetic scenes have no proxies: their pixels join with confidence 0.
    return withoutGradients {
      StereoBatchTensors(
        left: Tensor.concatenate(parts.map(\.left), axis: 0),
        right: Tensor.concatenate(parts.map(\.right), axis: 0),
        proxy: proxy?.padded(with: syntheticCount))
    }
  }
}
