import Foundation
import StereoData
import StereoTensor

/// Training batches of freshly rendered synthetic scenes: textured slanted planes and occluding
/// objects (``SyntheticStereoGenerator``), each scene new, so the data never repeats.
///
/// Scene `i` of step `s` is drawn from a generator seeded by `(seed, s, i)`, so a batch depends
/// only on the run's seed and the step: resumed runs see the same scenes.
public enum SyntheticBatchSource {
  /// The generator configuration for training at `width × height` with the model's candidates
  /// (``SyntheticSceneSettings/generatorConfiguration(width:height:model:)``).
  public static func generatorConfiguration(
    width: Int, height: Int, model: WNetConfiguration,
    settings: SyntheticSceneSettings = SyntheticSceneSettings()
  ) -> SyntheticStereoGenerator.Configuration {
    settings.generatorConfiguration(width: width, height: height, model: model)
  }

  /// The pair for scene `index` of `step`.
  public static func pair(
    seed: UInt64, step: Int, index: Int, configuration: SyntheticStereoGenerator.Configuration
  ) -> SyntheticStereoPair {
    var generator = SeededGenerator(
      seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)
        &+ 17)
    return SyntheticStereoGenerator(configuration: configuration).makePair(using: &generator)
  }

  /// A batch of `count` scenes, rendered in parallel.
  public static func batch(
    seed: UInt64, step: Int, count: Int, configuration: SyntheticStereoGenerator.Configuration
  ) -> (batch: StereoBatchTensors, pairs: [SyntheticStereoPair]) {
    let pairs = UnsafeMutableBufferPointer<SyntheticStereoPair?>.allocate(capacity: count)
    pairs.initialize(repeating: nil)
    defer {
      // Deinitialise before deallocating: the pairs own their image arrays (a missed
      // deinitialisation here once leaked ~7 MB per training step).
      pairs.deinitialize()
      pairs.deallocate()
    }
    let shared = UncheckedSendable(pairs)
    DispatchQueue.concurrentPerform(iterations: count) { index in
      shared.value[index] = pair(seed: seed, step: step, index: index, configuration: configuration)
    }
    let all = pairs.map { $0! }
    let size = configuration.width * configuration.height * 3
    var left = [Float](), right = [Float]()
    left.reserveCapacity(size * count)
    right.reserveCapacity(size * count)
    for pair in all {
      left += pair.left.pixels
      right += pair.right.pixels
    }
    let shape = [count, configuration.height, configuration.width, 3]
    return (
      StereoBatchTensors(
        left: Tensor(shape: shape, scalars: left), right: Tensor(shape: shape, scalars: right)), all
    )
  }

  /// The generator configuration of `recipe`'s scenes.
  static func generatorConfiguration(
    for recipe: TrainingRecipe
  ) -> SyntheticStereoGenerator.Configuration {
    recipe.data.synthetic.generatorConfiguration(
      width: recipe.width, height: recipe.height, model: recipe.model)
  }

  /// A prefetching source of synthetic batches for a training run.
  public static func source(for recipe: TrainingRecipe) -> PrefetchingBatchSource {
    let scenes = generatorConfiguration(for: recipe)
    let (seed, count) = (recipe.seed, recipe.batchSize)
    return PrefetchingBatchSource { step in
      batch(seed: seed, step: step, count: count, configuration: scenes).batch
    }
  }

  /// Held-out batches: scenes from a seed no training step uses.
  public static func validation(
    for recipe: TrainingRecipe, batches: Int = 2
  ) -> [StereoBatchTensors] {
    let scenes = generatorConfiguration(for: recipe)
    let seed = recipe.seed ^ 0x5EED_0F_F1CE
    return (0..<batches).map {
      batch(seed: seed, step: $0, count: recipe.batchSize, configuration: scenes).batch
    }
  }
}
