/// Everything that defines a training run; stored in its checkpoints so `--resume` can continue it.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
  /// The model to train.
  public var model: WNetConfiguration
  /// The objective.
  public var loss: LossConfiguration
  /// Pairs per step (W-net: 6).
  public var batchSize: Int
  /// Crop height (W-net: 192).
  public var height: Int
  /// Crop width (W-net: 336).
  public var width: Int
  /// Adam's learning rate (W-net: 1e-4).
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
  /// Where the training data came from and how it was split (for the record and for resuming).
  public var data: [String: String]

  /// Creates a configuration with W-net's defaults.
  public init(
    model: WNetConfiguration, loss: LossConfiguration? = nil, batchSize: Int = 6, height: Int = 192,
    width: Int = 336, learningRate: Float = 1e-4, schedule: LearningRateSchedule = LearningRateSchedule(),
    steps: Int = 10_000, checkpointInterval: Int = 500,
    validationInterval: Int = 500, seed: UInt64 = 0, data: [String: String] = [:]
  ) {
    self.model = model
    self.loss = loss ?? LossConfiguration.preset(model.preset)
    self.batchSize = batchSize
    self.height = height
    self.width = width
    self.learningRate = learningRate
    self.schedule = schedule
    self.steps = steps
    self.checkpointInterval = checkpointInterval
    self.validationInterval = validationInterval
    self.seed = seed
    self.data = data
  }

  /// The problems with this configuration, as one-line messages (empty when valid).
  public var problems: [String] {
    var problems: [String] = []
    if batchSize < 1 { problems.append("the batch size must be at least 1, got \(batchSize)") }
    let multiple = model.sizeMultiple
    if height < multiple || height % multiple != 0 || width < multiple || width % multiple != 0 {
      problems.append("the training size must be a positive multiple of \(multiple) for the \(model.preset.rawValue) preset, got \(width)x\(height)")
    }
    if !(learningRate > 0) { problems.append("the learning rate must be positive, got \(learningRate)") }
    if steps < 1 { problems.append("the step count must be positive, got \(steps)") }
    if checkpointInterval < 1 { problems.append("the checkpoint interval must be positive, got \(checkpointInterval)") }
    return problems
  }

  private enum CodingKeys: String, CodingKey {
    case model, loss, batchSize, height, width, learningRate, schedule, steps, checkpointInterval
    case validationInterval, seed, data
  }

  /// Decodes a configuration; fields added after a checkpoint was written take their defaults, so
  /// older checkpoints keep loading.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    model = try container.decode(WNetConfiguration.self, forKey: .model)
    loss = try container.decode(LossConfiguration.self, forKey: .loss)
    batchSize = try container.decode(Int.self, forKey: .batchSize)
    height = try container.decode(Int.self, forKey: .height)
    width = try container.decode(Int.self, forKey: .width)
    learningRate = try container.decode(Float.self, forKey: .learningRate)
    schedule = try container.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? LearningRateSchedule()
    steps = try container.decode(Int.self, forKey: .steps)
    checkpointInterval = try container.decode(Int.self, forKey: .checkpointInterval)
    validationInterval = try container.decode(Int.self, forKey: .validationInterval)
    seed = try container.decode(UInt64.self, forKey: .seed)
    data = try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:]
  }
}
