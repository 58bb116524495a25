import Foundation
import StereoTensor

/// Where training batches come from.
public protocol TrainingBatchSource: AnyObject {
  /// The batch for step `step` (counting from 0). Deterministic in the run's seed and `step`,
  /// so that a resumed run sees the same data as an uninterrupted one.
  func batch(forStep step: Int) throws -> StereoBatchTensors
}

/// What a running session reports.
public enum TrainingEvent {
  /// After each step.
  case step(step: Int, of: Int, loss: LossTerms, imagesPerSecond: Double, secondsRemaining: Double)
  /// After each held-out evaluation.
  case validation(step: Int, loss: LossTerms)
  /// After each checkpoint.
  case checkpoint(step: Int, url: URL)
}

/// A training run on disk: the loop, the held-out evaluations, the JSONL log, the SVG loss curve
/// and the checkpoints, all in one output directory:
///
///     DIR/checkpoint.safetensors   the latest state (weights, optimizer, configuration); --resume reads it
///     DIR/checkpoint.1.safetensors the one before (``CheckpointRotation``: the last K are kept)
///     DIR/log.jsonl                one record per step and per validation
///     DIR/loss.svg                 the loss curve
///
/// Checkpoints are written atomically every ``TrainingRecipe/checkpointInterval`` steps and
/// at the end, so a run killed at any moment resumes from the last one with nothing corrupt.
/// A run never overwrites good state with bad: every step checks that the weights and the
/// optimizer state are finite and stops with ``TrainingError`` otherwise, before any save. A
/// stop request (``run(stoppingWhen:_:)``, e.g. SIGTERM through ``StopSignals``) ends the run
/// between steps with a final checkpoint. With ``TrainingRecipe/batchNormRecalibration`` `N > 0`,
/// a run that reaches its last step then re-estimates the batch-norm statistics over the
/// batches of steps `steps…steps+N−1` and saves once more (the checkpoint before it stays as the
/// previous one); a resumed run that has nothing left to train does only that.
public final class TrainingSession {
  public let trainer: Trainer
  public let source: any TrainingBatchSource
  public let validation: [StereoBatchTensors]
  public let directory: URL
  public let log: TrainingLog
  /// Extra provenance stored in every checkpoint.
  public var notes: [String: String] = [:]
  /// The checkpoints kept (the last K, default 2).
  public var rotation: CheckpointRotation

  /// The checkpoint file of a run directory.
  public static func checkpointURL(in directory: URL) -> URL {
    directory.appendingPathComponent("checkpoint.safetensors")
  }

  /// Prepares a session; the log keeps records up to the trainer's current step.
  public init(
    trainer: Trainer, source: any TrainingBatchSource, validation: [StereoBatchTensors],
    directory: URL
  ) throws {
    self.trainer = trainer
    self.source = source
    self.validation = validation
    self.directory = directory
    rotation = CheckpointRotation(directory: directory)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw AtomicFile.WriteError(path: directory.path, reason: "cannot create the folder")
    }
    log = try TrainingLog(
      url: directory.appendingPathComponent("log.jsonl"), keepingUpTo: trainer.step)
  }

  /// The mean loss over the held-out batches (batch norm in inference mode).
  public func validate() -> LossTerms? {
    guard !validation.isEmpty else { return nil }
    var sum = LossTerms(total: 0, reconstruction: 0, smoothness: 0, consistency: 0)
    for batch in validation {
      let terms = trainer.evaluate(on: batch)
      sum.total += terms.total
      sum.reconstruction += terms.reconstruction
      sum.smoothness += terms.smoothness
      sum.consistency += terms.consistency
      sum.proxy += terms.proxy
      sum.secondOrderSmoothness += terms.secondOrderSmoothness
    }
    let count = Float(validation.count)
    return LossTerms(
      total: sum.total / count, reconstruction: sum.reconstruction / count,
      smoothness: sum.smoothness / count, consistency: sum.consistency / count,
      proxy: sum.proxy / count, secondOrderSmoothness: sum.secondOrderSmoothness / count)
  }

  /// How a run ended.
  public enum Outcome: Equatable, Sendable {
    /// It reached the recipe's step count.
    case finished
    /// `stop` asked it to end; the state of the last step is saved.
    case stopped(step: Int)
  }

  /// Trains until the configured step count, or until `stop` returns true (checked between
  /// steps), reporting as it goes. Either way the last state is saved.
  ///
  /// - Throws: ``TrainingError`` when the loss, a gradient, a weight or the optimizer state
  ///   becomes non-finite (the checkpoints on disk are left as they were); write errors.
  @discardableResult
  public func run(
    stoppingWhen stop: () -> Bool = { false }, _ report: (TrainingEvent) -> Void = { _ in }
  ) throws -> Outcome {
    let recipe = trainer.recipe
    // The step of the newest checkpoint on disk (a resumed run starts from one).
    var savedStep: Int? = trainer.step > 0 ? trainer.step : nil
    func stopped(_ problem: String) -> TrainingError {
      TrainingError(
        "\(problem); the run stops, "
          + (savedStep.map { "and the checkpoint of step \($0) is kept" }
            ?? "before any checkpoint was written"))
    }
    let start = Date()
    var windowStart = Date()
    var windowSteps = 0
    var rate = 0.0
    while trainer.step < recipe.steps {
      if stop() {
        if trainer.step != (savedStep ?? 0) { try save(report) }
        return .stopped(step: trainer.step)
      }
      let batch = try source.batch(forStep: trainer.step)
      let loss: LossTerms
      do {
        loss = try trainer.train(on: batch)
      } catch let error as TrainingError {
        throw stopped(error.description)
      }
      if let name = trainer.firstNonFiniteTensor() {
        throw stopped(
          "'\(name)' became NaN or infinite at step \(trainer.step) (try a lower learning rate)")
      }
      windowSteps += 1
      let now = Date()
      let windowSeconds = now.timeIntervalSince(windowStart)
      if windowSeconds > 2 || windowSteps >= 20 || rate == 0 {
        rate = Double(windowSteps * recipe.batchSize) / max(windowSeconds, 1e-9)
        windowStart = now
        windowSteps = 0
      }
      let step = trainer.step
      try log.append(
        TrainingRecord(
          kind: "train", step: step, loss: loss, imagesPerSecond: rate,
          elapsedSeconds: now.timeIntervalSince(start)))
      let remaining = Double((recipe.steps - step) * recipe.batchSize) / max(rate, 1e-9)
      report(
        .step(
          step: step, of: recipe.steps, loss: loss, imagesPerSecond: rate,
          secondsRemaining: remaining))
      let atEnd = step == recipe.steps
      if recipe.validationInterval > 0 && step % recipe.validationInterval == 0 || atEnd {
        if let held = validate() {
          try log.append(
            TrainingRecord(
              kind: "validation", step: step, loss: held, imagesPerSecond: nil,
              elapsedSeconds: Date().timeIntervalSince(start)))
          report(.validation(step: step, loss: held))
        }
      }
      if step % recipe.checkpointInterval == 0 || atEnd {
        try save(report)
        savedStep = step
      }
    }
    if recipe.batchNormRecalibration > 0 {
      if stop() { return .stopped(step: trainer.step) }
      let end = trainer.step
      try trainer.recalibrateBatchNorm(count: recipe.batchNormRecalibration) {
        try source.batch(forStep: end + $0)
      }
      if let name = trainer.firstNonFiniteTensor() {
        throw stopped("'\(name)' became NaN or infinite in the batch-norm recalibration")
      }
      try save(report)
    }
    return .finished
  }

  /// Saves a checkpoint through the rotation, and the loss curve.
  private func save(_ report: (TrainingEvent) -> Void) throws {
    try rotation.save { url in try trainer.saveCheckpoint(to: url, notes: notes) }
    try AtomicFile.write(
      Data(LossCurve.svg(log.records).utf8), to: directory.appendingPathComponent("loss.svg"))
    report(.checkpoint(step: trainer.step, url: rotation.url(age: 0)))
  }
}
