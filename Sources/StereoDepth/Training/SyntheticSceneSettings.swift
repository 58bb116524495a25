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

  /// Creates settings; the defaults are those every run used before they were settable.
  public init(
    disparityMargin: Float = 2, objectCount: ClosedRange<Int> = 2...6, horizontalSamples: Int = 2,
    verticalSamples: Int = 1, validationBatches: Int = 1
  ) {
    self.disparityMargin = disparityMargin
    self.objectCount = objectCount
    self.horizontalSamples = horizontalSamples
    self.verticalSamples = verticalSamples
    self.validationBatches = validationBatches
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
      verticalSamples: verticalSamples)
  }
}
