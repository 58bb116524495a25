import Foundation
import StereoNN
import StereoTensor

/// Test-time self-supervised adaptation: a few optimisation steps of the training loss (rendering
/// each view from the other) on the very pair to be inferred, starting from a trained model.
///
/// The model is copied first, so the original stays as it was. Batch norm stays in inference mode
/// (its statistics frozen), which keeps one pair from dragging the running averages; convolution
/// weights and batch norm's γ and β adapt. No ground truth is used.
public struct TestTimeAdaptation: Sendable {
  /// Called after each adaptation step with the step (1…total), the step count and that step's
  /// loss (before its update).
  public typealias Progress = @Sendable (_ step: Int, _ total: Int, _ loss: Float) -> Void

  /// Optimisation steps.
  public var steps: Int
  /// Adam's learning rate.
  public var learningRate: Float
  /// The objective (the model's own training loss by default).
  public var loss: LossConfiguration?
  /// Reports each step as it is taken (`nil`: silent).
  public var progress: Progress?

  public init(
    steps: Int, learningRate: Float = 5e-4, loss: LossConfiguration? = nil,
    progress: Progress? = nil
  ) {
    precondition(
      steps >= 0 && learningRate > 0,
      "Adaptation needs non-negative steps and a positive rate, got \(steps), \(learningRate)")
    self.steps = steps
    self.learningRate = learningRate
    self.loss = loss
    self.progress = progress
  }

  /// A copy of `model` adapted to the pair `left`, `right` (`[N, h, w, 3]`, at the network's
  /// working resolution): ``steps`` training steps (``TrainingStep``) with Adam, batch norm in
  /// inference mode.
  ///
  /// - Returns: the adapted copy and the loss before and after adapting.
  /// - Throws: ``InferenceError`` when the loss or a gradient stops being finite.
  public func adapted(_ model: WNet, left: Tensor, right: Tensor) throws -> (
    model: WNet, before: Float, after: Float
  ) {
    let copy = model.copy()
    let objective = StereoLoss(
      configuration: loss ?? LossConfiguration.preset(model.configuration.preset),
      minimumDisparity: model.configuration.minimumDisparity)
    let update = TrainingStep(
      model: copy, loss: objective, optimizer: Adam(learningRate: learningRate))
    func evaluate() -> Float {
      withoutGradients {
        var context = ForwardContext.inference
        return objective(
          copy(left: left, right: right, context: &context), left: left, right: right
        ).terms.total
      }
    }
    let before = evaluate()
    for step in 0..<steps {
      var context = ForwardContext.inference
      do {
        let terms = try update(left: left, right: right, context: &context)
        progress?(step + 1, steps, terms.total)
      } catch .nonFiniteLoss(let value) {
        throw InferenceError(
          "test-time adaptation diverged at step \(step + 1) (loss \(value)); try a lower "
            + "--adapt-learning-rate")
      } catch .nonFiniteGradient(let name) {
        throw InferenceError(
          "test-time adaptation diverged at step \(step + 1) (the gradient of '\(name)' is not "
            + "finite); try a lower --adapt-learning-rate")
      }
    }
    return (copy, before, evaluate())
  }
}

extension WNet {
  /// An independent copy with the same configuration and parameter values.
  public func copy() -> WNet {
    let copy = WNet(configuration: configuration)
    for ((_, source), (_, target)) in zip(parameters.entries, copy.parameters.entries) {
      target.value = source.value
    }
    return copy
  }
}
