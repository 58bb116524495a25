import Foundation
import StereoNN
import StereoTensor

/// Training that cannot go on, with a one-line reason.
public struct TrainingError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// A batch of rectified pairs, `[N, H, W, 3]` each, in [0, 1].
public struct StereoBatchTensors: Sendable {
  public var left: Tensor
  public var right: Tensor
  /// The pairs' proxy disparities for the proxy term, `nil` when none has one.
  public var proxy: ProxyTargets?
  public init(left: Tensor, right: Tensor, proxy: ProxyTargets? = nil) {
    precondition(left.shape == right.shape, "Left \(left.shape) and right \(right.shape) differ")
    precondition(
      proxy.map { $0.count == left.shape[0] } ?? true, "Proxies and views differ in count")
    self.left = left
    self.right = right
    self.proxy = proxy
  }
}

/// Self-supervised training of a W-net: forward through both selection layers, the loss, backward,
/// and an Adam update, one batch at a time.
///
/// Every random choice of step `s` (dropout masks) derives from `(seed, s)`, and the data loader
/// derives batch `s` from the same pair, so a run resumed from the checkpoint of step `s` repeats
/// exactly what the uninterrupted run would have done.
public final class Trainer {
  /// The run's recipe (stored in every checkpoint).
  public let recipe: TrainingRecipe
  public let model: WNet
  public let optimizer: Adam
  public let loss: StereoLoss
  /// The number of steps taken.
  public private(set) var step: Int
  /// The parameters a transplanted start left seeded (``init(recipe:initialModel:source:transplant:)``);
  /// empty otherwise.
  public private(set) var freshParameters: [String] = []

  /// Starts a new run with seeded weights.
  ///
  /// - Throws: ``TrainingError`` naming the recipe's first problem.
  public init(recipe: TrainingRecipe) throws {
    if let problem = recipe.problems.first { throw TrainingError(problem) }
    self.recipe = recipe
    model = WNet(configuration: recipe.model, seed: recipe.seed)
    optimizer = Adam(learningRate: recipe.learningRate)
    loss = StereoLoss(configuration: recipe.loss, minimumDisparity: recipe.model.minimumDisparity)
    step = 0
  }

  /// Starts a new run (step 0, a fresh optimizer) from the weights and batch-norm statistics of
  /// `model` (loaded from a checkpoint or an exported model): fine-tuning, or a warm restart.
  /// `recipe.model` may differ from the model's configuration in its hand-offs only
  /// (``WNetConfiguration/hasSameParameters(as:)``): the weights then train under the recipe's.
  /// `source` names the model in errors.
  ///
  /// - Throws: ``TrainingError`` when `model` has other parameters than `recipe.model`, or when
  ///   the recipe has a problem.
  ///
  /// With `transplant`, `recipe.model` may have other parameters too (the same preset and
  /// range): the run starts from ``WNet/transplanted(into:seed:)``, the parameters of the same
  /// name and shape copied, the others seeded with the recipe's seed; ``freshParameters`` names
  /// those.
  public init(
    recipe: TrainingRecipe, initialModel model: WNet, source: String, transplant: Bool = false
  ) throws {
    if let problem = recipe.problems.first { throw TrainingError(problem) }
    let same = model.configuration.hasSameParameters(as: recipe.model)
    guard same || (transplant && model.configuration.hasSameCandidates(as: recipe.model)) else {
      throw TrainingError(
        "\(source) holds a \(Self.describe(model.configuration)) model; the run "
          + "trains \(Self.describe(recipe.model))")
    }
    self.recipe = recipe
    if same {
      self.model = model.configuration == recipe.model ? model : model.reconfigured(recipe.model)
    } else {
      (self.model, freshParameters) = model.transplanted(into: recipe.model, seed: recipe.seed)
    }
    optimizer = Adam(learningRate: recipe.learningRate)
    loss = StereoLoss(configuration: recipe.loss, minimumDisparity: recipe.model.minimumDisparity)
    step = 0
  }

  /// ``init(recipe:initialModel:source:)`` with the model in the file `weights`.
  ///
  /// - Throws: ``CheckpointError`` for an unreadable file, or the errors of the model's start.
  public convenience init(recipe: TrainingRecipe, initialWeights weights: URL) throws {
    try self.init(
      recipe: recipe, initialModel: WNetCheckpoint.loadModel(weights).model, source: weights.path)
  }

  /// Continues the run saved in `checkpoint`, under `recipe` when given (the stored recipe with
  /// some fields changed: steps, schedule, data...) or else the stored one.
  ///
  /// - Throws: ``CheckpointError`` for an unreadable checkpoint; ``TrainingError`` when it holds
  ///   no training state, when `recipe` names another model than the stored one, or when the
  ///   recipe has a problem.
  public init(resumingFrom checkpoint: URL, recipe: TrainingRecipe? = nil) throws {
    let (model, metadata, tensors) = try WNetCheckpoint.loadModel(checkpoint)
    guard let stored = metadata.training else {
      throw TrainingError(
        "\(checkpoint.path) holds no training state (an exported model?); it cannot be resumed")
    }
    let recipe = recipe ?? stored
    guard recipe.model == stored.model else {
      throw TrainingError(
        "\(checkpoint.path) holds a \(Self.describe(stored.model)) model; it cannot resume as "
          + Self.describe(recipe.model))
    }
    if let problem = recipe.problems.first { throw TrainingError(problem) }
    self.recipe = recipe
    // The recipe's forward pass (a file may store other passes of the same parameters).
    self.model = model.configuration == recipe.model ? model : model.reconfigured(recipe.model)
    optimizer = Adam(learningRate: recipe.learningRate)
    let state = WNetCheckpoint.optimizerState(tensors)
    do {
      try optimizer.restore(state)
    } catch {
      throw TrainingError("\(checkpoint.path): \(error)")
    }
    guard metadata.step == optimizer.step else {
      throw TrainingError(
        "\(checkpoint.path) is inconsistent: its metadata says step \(metadata.step), its "
          + "optimizer state step \(optimizer.step)")
    }
    // Adam indexes its moments by the parameter's elements: a moment of another shape is corrupt.
    for (name, parameter) in model.parameters.trainable {
      for moment in ["adam.m.\(name)", "adam.v.\(name)"] {
        if let tensor = state[moment], tensor.shape != parameter.value.shape {
          throw TrainingError(
            "\(checkpoint.path): optimizer tensor '\(moment)' has shape \(tensor.shape), "
              + "not the parameter's \(parameter.value.shape)")
        }
      }
    }
    loss = StereoLoss(configuration: recipe.loss, minimumDisparity: recipe.model.minimumDisparity)
    step = metadata.step
  }

  /// "realtime 0…47", "matching 0…255 (cosineCorrelation)".
  private static func describe(_ model: WNetConfiguration) -> String {
    let settings = model.matchingOnlySettings
    return "\(model.preset.rawValue) \(model.minimumDisparity)…\(model.maximumDisparity)"
      + (settings.isEmpty ? "" : " (\(settings.joined(separator: ", ")))")
  }

  /// The generator for step `s`'s dropout masks.
  func generator(forStep s: Int) -> SeededGenerator {
    SeededGenerator(seed: recipe.seed &* 0x9E37_79B9 &+ UInt64(s) &* 0xD1B5_4A32_D192_ED03 &+ 1)
  }

  /// One optimisation step (``TrainingStep``) in training mode, at the schedule's learning rate.
  ///
  /// - Throws: ``TrainingError`` when the loss or a gradient is NaN or infinite; the weights are
  ///   left as they were before the step.
  @discardableResult
  public func train(on batch: StereoBatchTensors) throws -> LossTerms {
    optimizer.learningRate = recipe.schedule.rate(atStep: step, base: recipe.learningRate)
    var context = ForwardContext(isTraining: true, generator: generator(forStep: step))
    let update = TrainingStep(model: model, loss: loss, optimizer: optimizer)
    let terms: LossTerms
    do {
      terms = try update(
        left: batch.left, right: batch.right, proxy: batch.proxy, context: &context)
    } catch .nonFiniteLoss(let value) {
      throw TrainingError(
        "the loss became \(value) at step \(step + 1); the weights were not updated (try a lower "
          + "learning rate, or check the input images)")
    } catch .nonFiniteGradient(let name) {
      throw TrainingError(
        "the gradient of '\(name)' became non-finite at step \(step + 1); the weights were not "
          + "updated")
    }
    step += 1
    return terms
  }

  /// Re-estimates every batch norm's running statistics as the plain average of its batch
  /// statistics over `count` forward passes of the network in training mode (both views' scores
  /// only: no rendering, no loss, no gradient, no weight change):
  /// pass `t` blends its statistics with weight `1/(t + 1)`
  /// (``StereoNN/ForwardContext/batchNormMomentum``), so after `T` passes
  ///
  ///     running mean = (1/T) Σ_t μ_t,   running variance = (1/T) Σ_t σ²_t (unbiased)
  ///
  /// instead of the exponential average of the last few training batches (momentum 0.1), which
  /// moves a checkpoint's scores as much as its weights do (docs/RUNS.md). Since training-mode
  /// batch norm normalizes with the batch's own statistics, the passes do not depend on the
  /// running ones: the result is the same whatever they were.
  ///
  /// - Parameters:
  ///   - count: The number of passes, positive.
  ///   - batch: The batch of pass `t`.
  public func recalibrateBatchNorm(
    count: Int, batch: (Int) throws -> StereoBatchTensors
  ) rethrows {
    precondition(count > 0, "Batch-norm recalibration needs at least one pass, got \(count)")
    for pass in 0..<count {
      let tensors = try batch(pass)
      withoutGradients {
        var context = ForwardContext(isTraining: true, generator: generator(forStep: step + pass))
        context.batchNormMomentum = 1 / Float(pass + 1)
        _ = model.network.stackedLogits(
          Tensor.concatenate([tensors.left, tensors.right], axis: 3), context: &context)
      }
    }
  }

  /// The loss on a batch with batch norm in inference mode and no update.
  public func evaluate(on batch: StereoBatchTensors) -> LossTerms {
    withoutGradients {
      var context = ForwardContext.inference
      let output = model(
        left: batch.left, right: batch.right, context: &context,
        warpingDisparities: loss.configuration.consistencyWeight > 0)
      return loss(output, left: batch.left, right: batch.right, proxy: batch.proxy).terms
    }
  }

  /// The name of the first weight, running statistic or optimizer tensor holding a NaN or an
  /// infinity, or nil when all are finite.
  public func firstNonFiniteTensor() -> String? {
    func finite(_ tensor: Tensor) -> Bool {
      tensor.withUnsafeBufferPointer { buffer in
        // A sum is non-finite when any term is (or when finite terms overflow, also a fault).
        var sum: Float = 0
        for value in buffer { sum += value * 0 }
        return sum == 0
      }
    }
    for (name, tensor) in model.parameters.namedTensors where !finite(tensor) { return name }
    for (name, tensor) in optimizer.state where !finite(tensor) { return "optimizer.\(name)" }
    return nil
  }

  /// Writes a checkpoint of the current state (weights, optimizer, recipe) atomically.
  public func saveCheckpoint(to url: URL, notes: [String: String] = [:]) throws {
    let metadata = CheckpointMetadata(
      configuration: recipe.model, step: step, training: recipe, notes: notes)
    try WNetCheckpoint.save(model, optimizer: optimizer, metadata: metadata, to: url)
  }
}
