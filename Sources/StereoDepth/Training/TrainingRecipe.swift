/// Everything that defines a training run: the model, the objective, the data and the schedule.
///
/// `wnet train` parses its options into a recipe; the trainer, the data sources
/// (``TrainingData``) and the checkpoints all read it. Each checkpoint stores it as JSON (under
/// ``CheckpointMetadata/training``), so `--resume` continues a run from the stored recipe, with
/// the options given again applied on top.
///
/// A step takes `batchSize` pairs cropped to `height × width`; its learning rate is
/// `schedule.rate(atStep:base: learningRate)`; the run stops at step `steps`.
public struct TrainingRecipe: Codable, Sendable, Equatable {
  /// The model to train.
  public var model: WNetConfiguration
  /// The objective.
  public var loss: LossConfiguration
  /// Where the pairs come from, how they are split and augmented.
  public var data: TrainingDataRecipe
  /// Pairs per step (W-net: 6).
  public var batchSize: Int
  /// Crop height (W-net: 192).
  public var height: Int
  /// Crop width (W-net: 336).
  public var width: Int
  /// Adam's learning rate (W-net: 1e-4; `matching`: 1e-3, ``defaultLearningRate(for:)``).
  public var learningRate: Float
  /// Tenfold drops of the learning rate.
  public var schedule: LearningRateSchedule
  /// The step count to stop at.
  public var steps: Int
  /// Save a checkpoint every this many steps (and at the end).
  public var checkpointInterval: Int
  /// Evaluate the held-out set every this many steps (0: only at the end).
  public var validationInterval: Int
  /// The seed of everything random: initial weights, data order, augmentation, dropout.
  public var seed: UInt64
  /// After the last step, re-estimate the batch-norm statistics over this many training
  /// batches (``Trainer/recalibrateBatchNorm(count:batch:)``); 0: keep the running averages.
  public var batchNormRecalibration: Int

  /// Creates a recipe with the preset's defaults (W-net's batch and size; the preset's loss,
  /// learning rate and augmentation), on synthetic scenes unless `data` says otherwise.
  public init(
    model: WNetConfiguration, loss: LossConfiguration? = nil,
    data: TrainingDataRecipe? = nil, batchSize: Int = 6, height: Int = 192,
    width: Int = 336, learningRate: Float? = nil,
    schedule: LearningRateSchedule = LearningRateSchedule(), steps: Int = 10_000,
    checkpointInterval: Int = 500, validationInterval: Int = 500, seed: UInt64 = 0,
    batchNormRecalibration: Int = 0
  ) {
    self.model = model
    self.loss = loss ?? LossConfiguration.preset(model.preset)
    self.data =
      data ?? TrainingDataRecipe(augmentation: TrainingDataRecipe.augmentation(for: model.preset))
    self.batchSize = batchSize
    self.height = height
    self.width = width
    self.learningRate = learningRate ?? Self.defaultLearningRate(for: model.preset)
    self.schedule = schedule
    self.steps = steps
    self.checkpointInterval = checkpointInterval
    self.validationInterval = validationInterval
    self.seed = seed
    self.batchNormRecalibration = batchNormRecalibration
  }

  /// A preset's default learning rate: W-net's 1e-4, and 1e-3 for `matching` (its shipped run;
  /// at 1e-4 it had not learned to match after 1000 steps).
  public static func defaultLearningRate(for preset: WNetPreset) -> Float {
    preset == .matching ? 1e-3 : 1e-4
  }

  /// The largest batch a recipe may ask for (a larger one is a typo or a corrupt checkpoint).
  public static let batchSizeLimit = 1024
  /// The largest crop side a recipe may ask for, in pixels.
  public static let sizeLimit = 8192

  /// The problems with this recipe, as one-line messages (empty when valid).
  public var problems: [String] {
    var problems: [String] = []
    if !(1...Self.batchSizeLimit).contains(batchSize) {
      problems.append(
        "the batch size must lie in 1...\(Self.batchSizeLimit), got \(batchSize)")
    }
    let multiple = model.sizeMultiple
    if height < multiple || height % multiple != 0 || width < multiple || width % multiple != 0
      || height > Self.sizeLimit || width > Self.sizeLimit
    {
      problems.append(
        "the training size must be a positive multiple of \(multiple) for the "
          + "\(model.preset.rawValue) preset, at most \(Self.sizeLimit), "
          + "got \(width)x\(height)")
    }
    if !(learningRate > 0 && learningRate.isFinite) {
      problems.append("the learning rate must be positive and finite, got \(learningRate)")
    }
    if steps < 1 { problems.append("the step count must be positive, got \(steps)") }
    if batchNormRecalibration < 0 {
      problems.append(
        "the batch-norm recalibration must not be negative, got \(batchNormRecalibration)")
    }
    if validationInterval < 0 {
      problems.append("the validation interval must not be negative, got \(validationInterval)")
    }
    problems += model.problems
    if checkpointInterval < 1 {
      problems.append("the checkpoint interval must be positive, got \(checkpointInterval)")
    }
    return problems + data.problems
  }

  /// What differs from `other`, one short line per changed field (`steps 30 → 40`), in field
  /// order; empty when the recipes are equal. `wnet train --resume` logs these.
  public func changes(from other: TrainingRecipe) -> [String] {
    var changes: [String] = []
    func note<T: Equatable>(_ name: String, _ old: T, _ new: T) {
      if old != new { changes.append("\(name) \(old) → \(new)") }
    }
    note("model", other.model, model)
    note("loss", other.loss, loss)
    if other.data != data { changes += data.changes(from: other.data) }
    note("batch size", other.batchSize, batchSize)
    note("size", "\(other.width)x\(other.height)", "\(width)x\(height)")
    note("learning rate", other.learningRate, learningRate)
    note("learning-rate drops", other.schedule.milestones, schedule.milestones)
    note("learning-rate warm-up", other.schedule.warmup, schedule.warmup)
    note("steps", other.steps, steps)
    note("checkpoint interval", other.checkpointInterval, checkpointInterval)
    note("validation interval", other.validationInterval, validationInterval)
    note("seed", other.seed, seed)
    note("batch-norm recalibration", other.batchNormRecalibration, batchNormRecalibration)
    return changes
  }

  private enum CodingKeys: String, CodingKey {
    case model, loss, data, batchSize, height, width, learningRate, schedule, steps
    case checkpointInterval, validationInterval, seed, batchNormRecalibration
  }

  /// Decodes a recipe. Fields added after a checkpoint was written take their defaults, and the
  /// data record of checkpoints written before the recipe was typed (a `[String: String]`) is
  /// converted (``TrainingDataRecipe/init(legacyRecord:)``), so older checkpoints keep loading
  /// and resuming.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    model = try container.decode(WNetConfiguration.self, forKey: .model)
    loss = try container.decode(LossConfiguration.self, forKey: .loss)
    if !container.contains(.data) {
      data = TrainingDataRecipe()
    } else if let typed = try? container.decode(TrainingDataRecipe.self, forKey: .data) {
      data = typed
    } else {
      let record = try container.decode([String: String].self, forKey: .data)
      data = try TrainingDataRecipe(legacyRecord: record)
    }
    batchSize = try container.decode(Int.self, forKey: .batchSize)
    height = try container.decode(Int.self, forKey: .height)
    width = try container.decode(Int.self, forKey: .width)
    learningRate = try container.decode(Float.self, forKey: .learningRate)
    schedule =
      try container.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule)
      ?? LearningRateSchedule()
    steps = try container.decode(Int.self, forKey: .steps)
    checkpointInterval = try container.decode(Int.self, forKey: .checkpointInterval)
    validationInterval = try container.decode(Int.self, forKey: .validationInterval)
    seed = try container.decode(UInt64.self, forKey: .seed)
    batchNormRecalibration =
      try container.decodeIfPresent(Int.self, forKey: .batchNormRecalibration) ?? 0
  }
}
