import ArgumentParser
import StereoClassic
import StereoDepth

/// `--adapt N` and its learning rate: test-time adaptation, shared by `infer` and `eval`.
struct AdaptationOptions: ParsableArguments {
  @Option(
    help: """
      Test-time adaptation: this many self-supervised steps on each pair before inferring \
      (progress on standard error); with --video or --stream on each frame, each from the \
      model's own weights.
      """)
  var adapt = 0

  @Option(help: "Adam's learning rate for --adapt.")
  var adaptLearningRate: Float = Self.defaultLearningRate

  /// `--adapt-learning-rate`'s default.
  static let defaultLearningRate: Float = 5e-4

  @Option(
    help: """
      With --adapt: the weight of a proxy term pulling the disparity towards OpenCV SGBM's \
      (cross-checked) disparities of the pair being adapted, as 'wnet train --proxy-weight' \
      (default: the checkpoint's training recipe's: 1 for the bundled matching model, 0 for \
      realtime; 0 turns it off).
      """)
  var adaptProxyWeight: Float?

  @Option(
    help: """
      With --adapt: the aggregation mode of the SGBM that makes the proxy term's disparities: \
      sgbm (5 paths, training's), hh (8 paths), 3way or hh4; block 5 and training's other proxy \
      settings either way.
      """)
  var adaptProxyMode: SemiGlobalMatcher.Mode?

  func validate() throws {
    guard (0...1_000_000).contains(adapt) else {
      throw ValidationError("'--adapt' must lie in 0...1000000.")
    }
    if adapt == 0 {
      if adaptLearningRate != Self.defaultLearningRate {
        throw ValidationError("'--adapt-learning-rate' goes with '--adapt N'.")
      }
      if adaptProxyWeight != nil {
        throw ValidationError("'--adapt-proxy-weight' goes with '--adapt N'.")
      }
      if adaptProxyMode != nil {
        throw ValidationError("'--adapt-proxy-mode' goes with '--adapt N'.")
      }
    }
    guard adaptLearningRate > 0 && adaptLearningRate.isFinite else {
      throw ValidationError("'--adapt-learning-rate' must be positive and finite.")
    }
    if let adaptProxyWeight, !(adaptProxyWeight >= 0 && adaptProxyWeight.isFinite) {
      throw ValidationError("'--adapt-proxy-weight' must be non-negative and finite.")
    }
  }

  /// The adaptation, or `nil` without `--adapt`; progress lines name the pair `label`.
  ///
  /// - Throws: `ValidationError` when `--adapt-proxy-mode` is given and the objective has no
  ///   proxy term (the checkpoint's proxy weight or `--adapt-proxy-weight` is 0).
  func adaptation(metadata: CheckpointMetadata, label: String) throws -> TestTimeAdaptation? {
    guard adapt > 0 else { return nil }
    let adaptation = TestTimeAdaptation(
      steps: adapt, learningRate: adaptLearningRate, loss: metadata.training?.loss,
      progress: AdaptationProgress.lines(label: label), proxyWeight: adaptProxyWeight,
      proxyConfiguration: proxyConfiguration)
    if adaptProxyMode != nil, adaptation.objective(for: metadata.configuration).proxyWeight == 0 {
      throw ValidationError(
        "'--adapt-proxy-mode' has no proxy term to make: this model adapts with proxy weight 0 "
          + "(give '--adapt-proxy-weight W' above 0).")
    }
    return adaptation
  }

  /// The proxy term's SGBM settings: training's, with `--adapt-proxy-mode`'s mode if given.
  var proxyConfiguration: ProxyDisparityConfiguration {
    var configuration = ProxyDisparityConfiguration.standard
    if let adaptProxyMode { configuration.matcher.mode = adaptProxyMode }
    return configuration
  }
}
