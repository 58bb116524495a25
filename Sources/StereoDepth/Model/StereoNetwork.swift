import StereoNN
import StereoTensor

/// A network that maps a stacked stereo pair to per-pixel disparity scores for both views.
///
/// Its forward pass is written once, in ``build(_:views:into:)``, against a ``NetworkBuilder``:
/// training (``TrainingGraphBuilder``), the fused inference plan (``InferencePlan``) and the ONNX
/// exporter all read that one definition.
public protocol StereoNetwork: Layer {
  /// The architecture and candidate disparities.
  var configuration: WNetConfiguration { get }

  /// The forward pass up to the scores before the softmax, written against `builder`.
  ///
  /// - Parameters:
  ///   - input: `[N, H, W, 6]`: left RGB then right RGB, in [0, 1]; `H` and `W` multiples of
  ///     ``WNetConfiguration/sizeMultiple``.
  /// - views: Both views' scores, `[N, H, W, 2D]` (left in `0..<D`), or the left's, `[N, H, W, D]`.
  func build<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> Builder.Value

  /// The forward pass with every scale's scores, coarse to fine (the finest, at the input's
  /// resolution, last). A single-scale network's default is one scale of absolute candidates:
  /// ``build(_:views:into:)``'s scores (split into the two views for ``ScoredViews/both``).
  func buildScales<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> [ScaleScores<Builder.Value>]
}

extension StereoNetwork {
  public func buildScales<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> [ScaleScores<Builder.Value>] {
    let scores = build(input, views: views, into: &builder)
    let d = configuration.candidateCount
    var scale = ScaleScores(
      factor: 1, minimumDisparity: configuration.minimumDisparity, candidateCount: d,
      left: scores)
    if views == .both {
      scale.left = builder.channels(scores, 0..<d, name: "scores.left")
      scale.right = builder.channels(scores, d..<(2 * d), name: "scores.right")
    }
    return [scale]
  }
}

extension StereoNetwork {
  /// Both views' scores in one tensor, `[N, H, W, 2D]`: the left view's in channels `0..<D`, the
  /// right view's in `D..<2D`, as an autodiff graph in `context`'s mode.
  public func stackedLogits(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    validateInput(input)
    var builder = TrainingGraphBuilder(context: context)
    let scores = build(TrainingGraphBuilder.Value(input), views: .both, into: &builder)
    context = builder.context
    return builder.tensor(scores)
  }

  /// The scores before the softmax: logits `[N, H, W, D]` for the left view and for the right
  /// (a coarse-to-fine network's finest scale: `D` offsets).
  public func logits(_ input: Tensor, context: inout ForwardContext) -> (
    left: Tensor, right: Tensor
  ) {
    let scores = stackedLogits(input, context: &context)
    let d = scores.shape[3] / 2
    return (scores.slice(axis: 3, 0..<d), scores.slice(axis: 3, d..<(2 * d)))
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
      "W-net (\(configuration.preset.rawValue)) input height and width must be positive multiples of \(multiple), got \(h)x\(w)"
    )
  }
}

/// Creates the network of a configuration with seeded initial weights.
public func makeNetwork(
  _ configuration: WNetConfiguration, using generator: inout some RandomNumberGenerator
) -> any StereoNetwork {
  switch configuration.preset {
  case .realtime: RealtimeWNet(configuration: configuration, using: &generator)
  case .original: OriginalWNet(configuration: configuration, using: &generator)
  case .matching: MatchingWNet(configuration: configuration, using: &generator)
  }
}
