import StereoTensor

/// A transposed convolution with kernel = stride (no overlap), as Keras `Conv2DTranspose` with
/// `padding='same'` and `kernel == strides`: `[N, H, W, C_in]` → `[N, s·H, s·W, C_out]`.
public final class TransposedConv2D: Layer {
  /// The filter, `[C_out, s, s, C_in]`.
  public let filter: Parameter
  /// The bias, `[C_out]`.
  public let bias: Parameter?
  /// The stride, equal to the kernel size.
  public let stride: Int

  /// Creates a transposed convolution with Glorot-uniform filters and zero bias.
  public init(
    inputChannels: Int, outputChannels: Int, stride: Int, useBias: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) {
    precondition(
      inputChannels > 0 && outputChannels > 0 && stride > 0, "TransposedConv2D needs positive sizes"
    )
    let shape = [outputChannels, stride, stride, inputChannels]
    // Keras computes the fans of a transposed kernel with in and out swapped; the Glorot limit is
    // symmetric in them, so the draw is the same.
    filter = Parameter(Initializer.glorotUniform(shape, using: &generator))
    bias = useBias ? Parameter(Tensor.zeros([outputChannels])) : nil
    self.stride = stride
  }

  /// `[N, H, W, C_in]` → `[N, s·H, s·W, C_out]`.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    input.transposedConvolved2D(with: filter.tracked, bias: bias?.tracked, stride: stride)
  }

  public var parameters: Parameters {
    var result = Parameters(["filter": filter])
    if let bias { result.append("bias", bias) }
    return result
  }
}
