import ArgumentParser
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
  var adaptLearningRate: Float = 5e-4

  @Option(
    help: """
      With --adapt: the weight of a proxy term pulling the disparity towards OpenCV SGBM's \
      (cross-checked) disparities of the pair being adapted, as 'wnet train --proxy-weight' \
      (default: the checkpoint's training recipe's: 1 for the bundled matching model, 0 for \
      realtime; 0 turns it off).
      """)
  var adaptProxyWeight: Float?

  func validate() throws {
    guard adapt >= 0 else { throw ValidationError("'--adapt' must be non-negative.") }
    guard adaptLearningRate > 0 else {
      throw ValidationError("'--adapt-learning-rate' must be positive.")
    }
    if let adaptProxyWeight, !(adaptProxyWeight >= 0 && adaptProxyWeight.isFinite) {
      throw ValidationError("'--adapt-proxy-weight' must be non-negative and finite.")
    }
  }

  /// The adaptation, or `nil` without `--adapt`; progress lines name the pair `label`.
  func adaptation(metadata: CheckpointMetadata, label: String) -> TestTimeAdaptation? {
    guard adapt > 0 else { return nil }
    return TestTimeAdaptation(
      steps: adapt, learningRate: adaptLearningRate, loss: metadata.training?.loss,
      progress: AdaptationProgress.lines(label: label), proxyWeight: adaptProxyWeight)
  }
}
