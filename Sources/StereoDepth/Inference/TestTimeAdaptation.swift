import Foundation
import StereoClassic
import StereoData
import StereoNN
import StereoTensor

/// Test-time self-supervised adaptation: a few optimisation steps of the training loss (rendering
/// each view from the other) on the very pair to be inferred, starting from a trained model.
///
/// The model is copied first, so the original stays as it was. Batch norm stays in inference mode
/// (its statistics frozen), which keeps one pair from dragging the running averages; convolution
/// weights and batch norm's γ and β adapt. No ground truth is used.
///
/// With a proxy weight `λ > 0` (``proxyWeight``, else the loss configuration's
/// ``LossConfiguration/proxyWeight``) the objective also pulls the disparity towards OpenCV
/// SGBM's proxy disparities of the very pair being adapted
/// (``StereoProxy/semiGlobal(left:right:configuration:maximumDisparity:)``, both views,
/// cross-checked, computed once at the working resolution, searched up to the model's largest
/// candidate), the ``ProxyLoss`` term `λ · Σ c·|d − p| / Σ c` of training. The matcher is
/// ``proxyConfiguration``: training's (5-path) by default.
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
  /// `λ` of the SGBM proxy term; `nil` keeps the objective's own (0 unless the checkpoint was
  /// trained with one).
  public var proxyWeight: Float?
  /// How the proxy term's SGBM disparities are made (``ProxyDisparityConfiguration/standard``,
  /// training's, by default).
  public var proxyConfiguration: ProxyDisparityConfiguration

  public init(
    steps: Int, learningRate: Float = 5e-4, loss: LossConfiguration? = nil,
    progress: Progress? = nil, proxyWeight: Float? = nil,
    proxyConfiguration: ProxyDisparityConfiguration = .standard
  ) {
    precondition(
      steps >= 0 && learningRate > 0,
      "Adaptation needs non-negative steps and a positive rate, got \(steps), \(learningRate)")
    self.steps = steps
    self.learningRate = learningRate
    self.loss = loss
    self.progress = progress
    self.proxyWeight = proxyWeight
    self.proxyConfiguration = proxyConfiguration
  }

  /// The objective used for `model`: ``loss`` (or the preset's), with ``proxyWeight`` if set.
  public func objective(for model: WNet) -> LossConfiguration {
    objective(for: model.configuration)
  }

  /// The objective used for a model of `configuration`: ``loss`` (or its preset's), with
  /// ``proxyWeight`` if set.
  ///
  /// A proxy weight of 0 means ``proxyConfiguration`` is not used.
  public func objective(for configuration: WNetConfiguration) -> LossConfiguration {
    var objective = loss ?? LossConfiguration.preset(configuration.preset)
    if let proxyWeight { objective.proxyWeight = proxyWeight }
    return objective
  }

  /// SGBM's proxy targets for the pairs `left`, `right` (`[N, h, w, 3]`), made as
  /// `configuration` says and searched up to the model's largest candidate (at most `w − 1`).
  ///
  /// - Throws: ``InferenceError`` when OpenCV fails.
  public static func proxyTargets(
    _ model: WNet, left: Tensor, right: Tensor,
    configuration: ProxyDisparityConfiguration = .standard
  ) throws -> ProxyTargets {
    let (n, _, w, _) = left.nhwc("TestTimeAdaptation proxy")
    let maximum = Float(max(1, min(model.configuration.maximumDisparity, w - 1)))
    var proxies: [StereoProxy] = []
    for index in 0..<n {
      do {
        proxies.append(
          try StereoProxy.semiGlobal(
            left: Image(left, batchIndex: index), right: Image(right, batchIndex: index),
            configuration: configuration, maximumDisparity: maximum))
      } catch {
        throw InferenceError("the SGBM proxy for adaptation failed: \(error)")
      }
    }
    func stacked(_ map: (StereoProxy) -> Image) -> Tensor {
      Tensor.concatenate(proxies.map { map($0).tensor }, axis: 0)
    }
    return ProxyTargets(
      leftDisparity: stacked(\.leftDisparity), leftConfidence: stacked(\.leftConfidence),
      rightDisparity: stacked(\.rightDisparity), rightConfidence: stacked(\.rightConfidence))
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
    let configuration = objective(for: model)
    let objective = StereoLoss(
      configuration: configuration, minimumDisparity: model.configuration.minimumDisparity)
    let proxy =
      configuration.proxyWeight > 0
      ? try Self.proxyTargets(
        model, left: left, right: right, configuration: proxyConfiguration) : nil
    let update = TrainingStep(
      model: copy, loss: objective, optimizer: Adam(learningRate: learningRate))
    func evaluate() -> Float {
      withoutGradients {
        var context = ForwardContext.inference
        return objective(
          copy(left: left, right: right, context: &context), left: left, right: right,
          proxy: proxy
        ).terms.total
      }
    }
    let before = evaluate()
    for step in 0..<steps {
      var context = ForwardContext.inference
      do {
        let terms = try update(left: left, right: right, proxy: proxy, context: &context)
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
    // The last step's update is only seen here: weights that turned non-finite give a
    // non-finite loss, and the adapted model must not be used.
    let after = evaluate()
    guard after.isFinite else {
      throw InferenceError(
        "test-time adaptation diverged at step \(steps) (loss \(after) after it); try a lower "
          + "--adapt-learning-rate")
    }
    return (copy, before, after)
  }
}
