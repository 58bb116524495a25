import StereoNN
import StereoTensor

/// The inference path at the network's own resolution: `[N, H, W, 3]` pairs to the left view's
/// disparity `[N, H, W, 1]`, batch norm in inference mode, no autodiff graph.
public final class InferencePipeline {
  public let model: WNet

  public init(model: WNet) {
    self.model = model
  }

  /// The left view's expected disparity.
  public func disparity(left: Tensor, right: Tensor) -> Tensor {
    withoutGradients {
      var context = ForwardContext.inference
      let input = Tensor.concatenate([left, right], axis: 3)
      let logits = model.network.logits(input, context: &context).left
      return model.leftSelection(logits: logits, source: right).disparity
    }
  }
}
