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
  public init(left: Tensor, right: Tensor) {
    precondition(left.shape == right.shape, "Left \(left.shape) and right \(right.shape) differ")
    self.left = left
    self.right = right
  }
}

/// Self-supervised training of a W-net: forward through both selection layers, the loss, backward,
/// and an Adam update, one batch at a time.
///
/// Every random choice of step `s` (dropout masks) derives from `(seed, s)`, and the data loader
/// derives batch `s` from the same pair, so a run resumed from the checkpoint of step `s` repeats
/// exactly what the uninterrupted run would have done.
public final class Trainer {
  public let configuration: TrainingConfiguration
  public let model: WNet
  public let optimizer: Adam
  public let loss: StereoLoss
  /// The number of steps taken.
  public private(set) var step: Int

  /// Starts a new run with seeded weights.
  public init(configuration: TrainingConfiguration) throws {
    if let problem = configuration.problems.first { throw TrainingError(problem) }
    self.configuration = configuration
    model = WNet(configuration: configuration.model, seed: configuration.seed)
    optimizer = Adam(learningRate: configuration.learningRate)
    loss = StereoLoss(configuration: configuration.loss, minimumDisparity: configuration.model.minimumDisparity)
    step = 0
  }

  /// Continues the run saved in `checkpoint`; `steps` and `schedule` (if given) replace the saved ones.
  public init(resumingFrom checkpoint: URL, steps: Int? = nil, schedule: LearningRateSchedule? = nil) throws {
    let (model, metadata, tensors) = try WNetCheckpoint.loadModel(checkpoint)
    guard var configuration = metadata.training else {
      throw TrainingError("\(checkpoint.path) holds no training state (an exported model?); it cannot be resumed")
    }
    if let steps { configuration.steps = steps }
    if let schedule { configuration.schedule = schedule }
    self.configuration = configuration
    self.model = model
    optimizer = Adam(learningRate: configuration.learningRate)
    try optimizer.restore(WNetCheckpoint.optimizerState(tensors))
    loss = StereoLoss(configuration: configuration.loss, minimumDisparity: configuration.model.minimumDisparity)
    step = metadata.step
  }

  /// The generator for step `s`'s dropout masks.
  func generator(forStep s: Int) -> SeededGenerator {
    SeededGenerator(seed: configuration.seed &* 0x9E37_79B9 &+ UInt64(s) &* 0xD1B5_4A32_D192_ED03 &+ 1)
  }

  /// One optimisation step.
  ///
  /// - Throws: ``TrainingError`` when the loss or a gradient is NaN or infinite; the weights are
  ///   left as they were before the step.
  @discardableResult
  public func train(on batch: StereoBatchTensors) throws -> LossTerms {
    let parameters = model.parameters
    parameters.zeroGradients()
    optimizer.learningRate = configuration.schedule.rate(atStep: step, base: configuration.learningRate)
    var context = ForwardContext(isTraining: true, generator: generator(forStep: step))
    let output = model(left: batch.left, right: batch.right, context: &context, warpingDisparities: loss.configuration.consistencyWeight > 0)
    let (total, terms) = loss(output, left: batch.left, right: batch.right)
    guard terms.total.isFinite else {
      throw TrainingError("the loss became \(terms.total) at step \(step + 1); the weights were not updated (try a lower learning rate, or check the input images)")
    }
    total.backward()
    for (name, parameter) in parameters.trainable {
      guard let gradient = parameter.gradient else { continue }
      let finite = gradient.withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } }
      guard finite else {
        throw TrainingError("the gradient of '\(name)' became non-finite at step \(step + 1); the weights were not updated")
      }
    }
    optimizer.update(parameters)
    parameters.zeroGradients()
    step += 1
    return terms
  }

  /// The loss on a batch with batch norm in inference mode and no update.
  public func evaluate(on batch: StereoBatchTensors) -> LossTerms {
    withoutGradients {
      var context = ForwardContext.inference
      let output = model(left: batch.left, right: batch.right, context: &context, warpingDisparities: loss.configuration.consistencyWeight > 0)
      return loss(output, left: batch.left, right: batch.right).terms
    }
  }

  /// Writes a checkpoint of the current state (weights, optimizer, configuration) atomically.
  public func saveCheckpoint(to url: URL, notes: [String: String] = [:]) throws {
    let metadata = CheckpointMetadata(configuration: configuration.model, step: step, training: configuration, notes: notes)
    try WNetCheckpoint.save(model, optimizer: optimizer, metadata: metadata, to: url)
  }
}
