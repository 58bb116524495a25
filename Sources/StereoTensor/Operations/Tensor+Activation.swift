/// Activations with dedicated kernels.
extension Tensor {
  /// Applies `activation` element-wise; the gradient is computed from the output.
  ///
  /// The corresponding oneDNN primitive is `dnnl_eltwise_forward` (`relu` / `elu`, and the
  /// `use_dst_for_bwd` variants backward).
  public func activated(_ activation: Activation) -> Tensor {
    let result = Backends.current.activation(activation, self)
    return Tensor.record(result, inputs: [self]) { g in
      [Backends.current.activationBackward(activation, g, output: result.detached)]
    }
  }

  /// `max(x, 0)`.
  public func relu() -> Tensor { activated(.relu) }

  /// `x` for `x > 0`, else `eˣ − 1`.
  public func elu() -> Tensor { activated(.elu) }
}
