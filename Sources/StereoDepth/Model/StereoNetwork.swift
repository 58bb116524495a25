import StereoNN
import StereoTensor

/// A network that maps a stacked stereo pair to per-pixel disparity scores for both views.
public protocol StereoNetwork: Layer {
  /// The architecture and candidate disparities.
  var configuration: WNetConfiguration { get }

  /// The scores before the softmax.
  ///
  /// - Parameter input: `[N, H, W, 6]`: left RGB then right RGB, in [0, 1]; `H` and `W`
  ///   multiples of ``WNetConfiguration/sizeMultiple``.
  /// - Returns: logits `[N, H, W, D]` for the left view and for the right view.
  func logits(_ input: Tensor, context: inout ForwardContext) -> (left: Tensor, right: Tensor)

  /// Both views' scores in one tensor, `[N, H, W, 2D]`: the left view's in channels `0..<D`, the
  /// right view's in `D..<2D`.
  func stackedLogits(_ input: Tensor, context: inout ForwardContext) -> Tensor
}

extension StereoNetwork {
  /// By default the two views' logits, concatenated.
  public func stackedLogits(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    let (left, right) = logits(input, context: &context)
    return Tensor.concatenate([left, right], axis: 3)
  }
}

extension StereoNetwork {
  /// Checks an input's shape, with a message naming the problem.
  public func validateInput(_ input: Tensor) {
    let (_, h, w, c) = input.nhwc("W-net input")
    precondition(c == 6, "W-net input needs 6 channels (left RGB, right RGB), got \(input.shape)")
    let multiple = configuration.sizeMultiple
    precondition(
      h % multiple == 0 && w % multiple == 0 && h > 0 && w > 0,
      "W-net (\(configuration.preset.rawValue)) input height and width must be positive multiples of \(multiple), got \(h)x\(w)")
  }
}

/// Creates the network of a configuration with seeded initial weights.
public func makeNetwork(
  _ configuration: WNetConfiguration, using generator: inout some RandomNumberGenerator
) -> any StereoNetwork {
  switch configuration.preset {
  case .realtime: RealtimeWNet(configuration: configuration, using: &generator)
  case .original: OriginalWNet(configuration: configuration, using: &generator)
  }
}
