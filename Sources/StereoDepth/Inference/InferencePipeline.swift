import StereoNN
import StereoTensor

/// The inference path at the network's own resolution: `[N, H, W, 3]` pairs to the left view's
/// disparity `[N, H, W, 1]`, batch norm in inference mode, no autodiff graph. `realtime` models run
/// the ``RealtimeInferencePlan``; others the graph in inference mode.
public final class InferencePipeline {
  public let model: WNet
  /// The compiled plan, for `realtime` models.
  public let plan: RealtimeInferencePlan?

  public init(model: WNet) {
    self.model = model
    plan = (model.network as? RealtimeWNet).map { RealtimeInferencePlan($0) }
  }

  /// The left view's expected disparity.
  public func disparity(left: Tensor, right: Tensor) -> Tensor {
    if let plan {
      let input = Profiler.measure("input concat") { Tensor.concatenate([left, right], axis: 3) }
      return plan(input).disparity
    }
    return withoutGradients {
      var context = ForwardContext.inference
      let input = Tensor.concatenate([left, right], axis: 3)
      let logits = model.network.logits(input, context: &context).left
      return model.leftSelection(logits: logits, source: right).disparity
    }
  }
}
