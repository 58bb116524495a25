import StereoData

/// How a training run renders synthetic scenes (``SyntheticBatchSource``): the scene
/// complexity, the anti-aliasing and how far the ground truth stays from the ends of the model's
/// candidate range.
///
/// For candidates `dmin…dmax` the scenes' disparities lie in `[dmin + m, dmax − m]` with
/// `m = min(disparityMargin, (dmax − dmin) / 8)`, so that the truth is never at the edge.
public struct SyntheticSceneSettings: Codable, Sendable, Equatable {
  /// The margin `m` kept at each end of the candidate range, in pixels (at most an eighth of it).
  public var disparityMargin: Float
  /// How many occluding objects a scene has.
  public var objectCount: ClosedRange<Int>
  /// Colour samples per pixel across. Two, not 4×2: training never reads the ground truth, and
  /// this renders a scene four times faster (about 25 ms instead of 100 at 336×192).
  public var horizontalSamples: Int
  /// Colour samples per pixel down.
  public var verticalSamples: Int
  /// Held-out batches of scenes (drawn from a seed no training step uses) evaluated at each
  /// validation when batches hold synthetic scenes.
  public var validationBatches: Int
  /// How many thin bars a scene has (``SyntheticStereoGenerator/Configuration/thinBars``;
  /// `0...0`, none, is what every run used before it was settable).
  public var thinBars: ClosedRange<Int>
  /// The probability that a scene's background is folded
  /// (``SyntheticStereoGenerator/Configuration/foldProbability``; 0, what every run used before
  /// it was settable).
  public var foldProbability: Float
  /// The probability that a surface's texture is wood-like, its grain along the rows
  /// (``SyntheticStereoGenerator/Configuration/grainProbability``; 0, what every run used before
  /// it was settable).
  public var grainProbability: Float

  /// Creates settings; the defaults are those every run used before they were settable.
  public init(
    disparityMargin: Float = 2, objectCount: ClosedRange<Int> = 2...6, horizontalSamples: Int = 2,
    verticalSamples: Int = 1, validationBatches: Int = 1, thinBars: ClosedRange<Int> = 0...0,
    foldProbability: Float = 0, grainProbability: Float = 0
  ) {
    self.disparityMargin = disparityMargin
    self.objectCount = objectCount
    self.horizontalSamples = horizontalSamples
    self.verticalSamples = verticalSamples
    self.validationBatches = validationBatches
    self.thinBars = thinBars
    self.foldProbability = foldProbability
    self.grainProbability = grainProbability
  }

  private enum CodingKeys: String, CodingKey {
    case disparityMargin, objectCount, horizontalSamples, verticalSamples, validationBatches
    case thinBars, foldProbability, grainProbability
  }

  /// Decodes settings; files written before thin bars, folds and grain existed have none.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    disparityMargin = try container.decode(Float.self, forKey: .disparityMargin)
    objectCount = try container.decode(ClosedRange<Int>.self, forKey: .objectCount)
    horizontalSamples = try container.decode(Int.self, forKey: .horizontalSamples)
    verticalSamples = try container.decode(Int.self, forKey: .verticalSamples)
    validationBatches = try container.decode(Int.self, forKey: .validationBatches)
    thinBars = try container.decodeIfPresent(ClosedRange<Int>.self, forKey: .thinBars) ?? 0...0
    foldProbability =
      try container.decodeIfPresent(Float.self, forKey: .foldProbability) ?? 0
    grainProbability =
      try container.decodeIfPresent(Float.self, forKey: .grainProbability) ?? 0
  }

  /// Encodes the settings; thin bars, folds and grain only when there are some, so that files
  /// without them stay as they were.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(disparityMargin, forKey: .disparityMargin)
    try container.encode(objectCount, forKey: .objectCount)
    try container.encode(horizontalSamples, forKey: .horizontalSamples)
    try container.encode(verticalSamples, forKey: .verticalSamples)
    try container.encode(validationBatches, forKey: .validationBatches)
    if thinBars != 0...0 { try container.encode(thinBars, forKey: .thinBars) }
    if foldProbability != 0 { try container.encode(foldProbability, forKey: .foldProbability) }
    if grainProbability != 0 {
      try container.encode(grainProbability, forKey: .grainProbability)
    }
  }

  /// The problems with these settings, as one-line messages (empty when valid).
  public var problems: [String] {
    var problems: [String] = []
    if !(disparityMargin >= 0) {
      problems.append("the synthetic disparity margin must not be negative, got \(disparityMargin)")
    }
    if objectCount.lowerBound < 0 {
      problems.append("the synthetic object count must not be negative, got \(objectCount)")
    }
    if thinBars.lowerBound < 0 {
      problems.append("the synthetic thin-bar count must not be negative, got \(thinBars)")
    }
    if !(0...1).contains(foldProbability) {
      problems.append("the synthetic fold probability must lie in [0, 1], got \(foldProbability)")
    }
    if !(0...1).contains(grainProbability) {
      problems.append(
        "the synthetic grain probability must lie in [0, 1], got \(grainProbability)")
    }
    if horizontalSamples < 1 || verticalSamples < 1 {
      problems.append(
        "synthetic scenes need at least one sample per pixel, got "
          + "\(horizontalSamples)x\(verticalSamples)")
    }
    if validationBatches < 0 {
      problems.append("the synthetic held-out batch count must not be negative")
    }
    return problems
  }

  /// The generator configuration for `width × height` scenes for `model`'s candidates.
  public func generatorConfiguration(
    width: Int, height: Int, model: WNetConfiguration
  ) -> SyntheticStereoGenerator.Configuration {
    let low = Float(model.minimumDisparity), high = Float(model.maximumDisparity)
    let margin = min(disparityMargin, (high - low) / 8)
    return SyntheticStereoGenerator.Configuration(
      width: width, height: height, minimumDisparity: low + margin, maximumDisparity: high - margin,
      objectCount: objectCount, horizontalSamples: horizontalSamples,
      verticalSamples: verticalSamples, thinBars: thinBars, foldProbability: foldProbability,
      grainProbability: grainProbability)
  }
}
