import ArgumentParser
import StereoDepth

/// `--adapt N` and its learning rate: test-time adaptation, shared by `infer` and `eval`.
struct AdaptationOptions: ParsableArguments {
  @Option(
    help: """
      Test-time adaptation: this many self-supervised steps on each pair before inferring \
      (progress on standard error).
      """)
  var adapt = 0

  @Option(help: "Adam's learning rate for --adapt.")
  var adaptLearningRate: Float = 5e-4

  func validate() throws {
    guard adapt >= 0 else { throw ValidationError("'--adapt' must be non-negative.") }
    guard adaptLearningRate > 0 else {
      throw ValidationError("'--adapt-learning-rate' must be positive.")
    }
  }

  /// The adaptation, or `nil` without `--adapt`; progress lines name the pair `label`.
  func adaptation(metadata: CheckpointMetadata, label: String) -> TestTimeAdaptation? {
    guard adapt > 0 else { return nil }
    return TestTimeAdaptation(
      steps: adapt, learningRate: adaptLearningRate, loss: metadata.training?.loss,
      progress: AdaptationProgress.lines(label: label))
  }
}
