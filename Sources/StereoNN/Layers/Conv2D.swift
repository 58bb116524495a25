import StereoTensor

/// A 2-D convolution with optional bias: `[N, H, W, C_in]` → `[N, H_out, W_out, C_out]`.
///
/// `groups == C_in == C_out` makes it depthwise. "Same" padding for odd kernels at stride 1 is
/// `padding = (kernel − 1) / 2`.
public final class Conv2D: Layer {
  /// The filter, `[C_out, KH, KW, C_in/groups]`.
  public let filter: Parameter
  /// The bias, `[C_out]`, or `nil`.
  public let bias: Parameter?
  /// Stride, padding and groups.
  public let geometry: ConvolutionGeometry

  /// Creates a convolution with Glorot-uniform (or He-normal) filters and zero bias.
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int? = nil,
    groups: Int = 1, useBias: Bool = true, initializer: FilterInitialization = .glorotUniform,
    using generator: inout some RandomNumberGenerator
  ) {
    precondition(
      inputChannels > 0 && outputChannels > 0 && kernelSize > 0,
      "Conv2D needs positive sizes, got in \(inputChannels) out \(outputChannels) kernel \(kernelSize)"
    )
    precondition(
      inputChannels % groups == 0 && outputChannels % groups == 0,
      "Channels \(inputChannels)→\(outputChannels) not divisible by groups \(groups)")
    let shape = [outputChannels, kernelSize, kernelSize, inputChannels / groups]
    filter = Parameter(initializer.make(shape, groups: groups, using: &generator))
    bias = useBias ? Parameter(Tensor.zeros([outputChannels])) : nil
    geometry = ConvolutionGeometry(
      stride: stride, padding: padding ?? (kernelSize - 1) / 2, groups: groups)
  }

  /// `[N, H, W, C_in]` → `[N, H_out, W_out, C_out]`.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    input.convolved2D(with: filter.tracked, bias: bias?.tracked, geometry: geometry)
  }

  public var parameters: Parameters {
    var result = Parameters(["filter": filter])
    if let bias { result.append("bias", bias) }
    return result
  }

  /// Input channels.
  public var inputChannels: Int { filter.shape[3] * geometry.groups }
  /// Output channels.
  public var outputChannels: Int { filter.shape[0] }
}

/// How a layer draws its initial filter.
public enum FilterInitialization: String, Sendable, Codable {
  case glorotUniform, heNormal, heUniform

  /// A filter of `shape` drawn from this distribution.
  public func make(_ shape: [Int], groups: Int, using generator: inout some RandomNumberGenerator)
    -> Tensor
  {
    switch self {
    case .glorotUniform: Initializer.glorotUniform(shape, groups: groups, using: &generator)
    case .heNormal: Initializer.heNormal(shape, groups: groups, using: &generator)
    case .heUniform: Initializer.heUniform(shape, groups: groups, using: &generator)
    }
  }
}
