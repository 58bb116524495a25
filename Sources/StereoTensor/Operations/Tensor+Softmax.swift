/// Softmax over the last axis (the channels of an NHWC tensor).
extension Tensor {
  /// `y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)` over the last axis.
  ///
  /// Gradient: `dx_k = y_k·(g_k − Σ_j g_j·y_j)`.
  public func softmax() -> Tensor {
    precondition(
      rank >= 1 && shape[rank - 1] > 0, "softmax needs a non-empty last axis, got \(shape)")
    let result = Backends.current.softmax(self)
    return Tensor.record(result, inputs: [self]) { g in
      [Backends.current.softmaxBackward(g, output: result.detached)]
    }
  }
}
