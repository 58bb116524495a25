import StereoNN
import StereoTensor

/// Which views' scores a network's forward pass ends in.
public enum ScoredViews: Sendable {
  /// Both: `[N, H, W, 2D]`, the left view's in channels `0..<D`, the right view's in `D..<2D`
  /// (training renders both views).
  case both
  /// The left view only, `[N, H, W, D]` (inference and export).
  case left
}

/// The vocabulary a network's forward pass is written in, once, for every consumer.
///
/// A ``StereoNetwork`` describes itself in ``StereoNetwork/build(_:views:into:)`` as calls on a
/// builder. Each consumer is a builder with its own `Value`:
///
///     TrainingGraphBuilder   Value = a lazily activated Tensor   autodiff graph (training, eval)
///     InferencePlanCompiler  Value = a register index            folded, fused inference plan
///     ONNXNetworkBuilder     Value = an ONNX value name          the exported graph
///
/// Activations are `[N, H, W, C]` (ONNX: `[N, C, H, W]`); each operation's shape rule is given
/// below. `name` is the operation's path in the network (`"encoder.0.1"`), used for ONNX node
/// names. A new architecture implements `build` once with these operations; a new operation is
/// added here and to the three builders.
public protocol NetworkBuilder {
  /// What flows between operations.
  associatedtype Value

  /// Convolution, batch norm, ReLU (``ConvBatchNormReLU``): `[N, H, W, C_in]` → `[N, H, W, C_out]`.
  mutating func convBatchNormReLU(_ x: Value, _ unit: ConvBatchNormReLU, name: String) -> Value

  /// A depthwise-separable block of two such units: `[N, H, W, a]` → `[N, H, W, b]`.
  mutating func depthwiseSeparable(_ x: Value, _ block: DepthwiseSeparableBlock, name: String)
    -> Value

  /// The 2017 unit: separable or full convolution, ReLU, then batch norm.
  mutating func separableReLUBatchNorm(_ x: Value, _ unit: SeparableReLUBatchNorm, name: String)
    -> Value

  /// A plain convolution (with its bias), keeping `outputChannels` (all when `nil`); the input
  /// may be a unit whose batch norm and ReLU are still pending (training fuses them).
  mutating func convolution(
    _ x: Value, _ layer: Conv2D, outputChannels: Range<Int>?, name: String
  ) -> Value

  /// Depthwise then pointwise convolution, no activation (``SeparableConv2D``).
  mutating func separableConvolution(_ x: Value, _ layer: SeparableConv2D, name: String) -> Value

  /// ``TransposedConv2D``: `[N, H, W, C_in]` → `[N, s·H, s·W, C_out]`.
  mutating func transposedConvolution(_ x: Value, _ layer: TransposedConv2D, name: String)
    -> Value

  /// Max pooling `size × size` with stride `size`: `[N, H, W, C]` → `[N, H/s, W/s, C]`.
  mutating func maxPool(_ x: Value, size: Int, name: String) -> Value

  /// Bilinear ×2 up-sampling (half-pixel centres) of `x`, then `skip`'s channels after its own:
  /// `[N, H, W, a]`, `[N, 2H, 2W, b]` → `[N, 2H, 2W, a + b]`.
  mutating func upsampled2xConcatenated(_ x: Value, _ skip: Value, name: String) -> Value

  /// Channel concatenation in order.
  mutating func concatenated(_ values: [Value], name: String) -> Value

  /// `x + α·y` with a learned scalar `α` (`scale`, shape `[1]`): same-shaped values →
  /// the same shape. Differentiable in `x`, `y` and `α` in training.
  mutating func scaledSum(_ x: Value, _ y: Value, scale: Parameter, name: String) -> Value

  /// Channels `range` of `x`.
  mutating func channels(_ x: Value, _ range: Range<Int>, name: String) -> Value

  /// The element-wise mean of same-shaped values, `(v₀ + v₁ + …) · (1/count)`, summed in order.
  mutating func mean(_ values: [Value], name: String) -> Value

  /// Dropout at `rate` in training; the identity otherwise.
  mutating func dropout(_ x: Value, rate: Float, name: String) -> Value

  /// Features scaled to unit root mean square over the channels:
  ///
  ///     out(x)_c = f(x)_c / sqrt(mean_c' f(x)_c'² + ε)
  ///
  /// `[N, H, W, C]` → `[N, H, W, C]`. The correlation of two such maps is their cosine similarity
  /// (for ε → 0): it no longer scales with the views' contrast.
  mutating func rmsNormalized(_ x: Value, epsilon: Float, name: String) -> Value

  /// The correlation volume of two feature maps over the `D` disparities
  /// `minimumDisparity + k`, zero outside the image (as
  /// ``StereoTensor/Tensor/correlation(left:right:minimumDisparity:candidateCount:view:)``): `[N, H, W, C]` twice → `[N, H, W, D]`, indexed by `view`.
  mutating func correlation(
    _ left: Value, _ right: Value, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView, name: String
  ) -> Value

  /// The expected disparity of scores over the candidates `minimumDisparity + k`, plus `base`:
  ///
  ///     d(x) = base(x) + Σ_k softmax(logits(x))_k · (minimumDisparity + k)
  ///
  /// `[N, H, W, K]` (and `[N, H, W, 1]`) → `[N, H, W, 1]`. A constant in training (coarse
  /// estimates steer the finer scales but receive no gradient through them).
  mutating func expectedDisparity(
    _ logits: Value, minimumDisparity: Int, candidateCount: Int, base: Value?, name: String
  ) -> Value

  /// The expected disparity over the most likely candidate and its neighbours only, plus `base`:
  ///
  ///     k* = argmax_k logits_k (the first on ties),  W = {k : |k − k*| ≤ radius}
  ///     d(x) = base(x) + Σ_{k∈W} e_k · (minimumDisparity + k) / Σ_{k∈W} e_k,
  ///     e_k = exp(logits_k − max)
  ///
  /// (``DisparityConfidence/localExpectedDisparity(logits:minimumDisparity:radius:base:)``).
  /// `[N, H, W, K]` (and `[N, H, W, 1]`) → `[N, H, W, 1]`. A constant in training.
  mutating func localExpectedDisparity(
    _ logits: Value, minimumDisparity: Int, candidateCount: Int, radius: Int, base: Value?,
    name: String
  ) -> Value

  /// A disparity map carried to the next finer scale: bilinear ×2 up-sampling (half-pixel
  /// centres, as ``upsampled2xConcatenated(_:_:name:)``) times 2, `[N, H, W, 1]` →
  /// `[N, 2H, 2W, 1]`. A constant in training.
  mutating func upsampledDisparity(_ disparity: Value, name: String) -> Value

  /// A disparity map carried to the next finer scale with its neighbours' estimates as
  /// candidates where they disagree (``DisparityPropagation/handOn(_:own:other:side:threshold:window:)``,
  /// its threshold and window): `[N, h, w, 1]`, this view's and the other view's features
  /// `[N, 2h, 2w, C]` → `[N, 2h, 2w, 1]`. A constant in training.
  mutating func propagatedDisparity(
    _ disparity: Value, own: Value, other: Value, side: StereoSide, name: String
  ) -> Value

  /// Features of the other view carried onto this view's grid by a disparity map, with linear
  /// interpolation along the row and edge replication (``OffsetSelection`` with the one offset
  /// 0): `out(x) = features(x + σ·d(x))`, σ = −1 for `side` left, +1 for right.
  /// `[N, H, W, C]`, `[N, H, W, 1]` → `[N, H, W, C]`; differentiable in the features only.
  mutating func warped(_ features: Value, by disparity: Value, side: StereoSide, name: String)
    -> Value

  /// The refinement (0: the first after the coarse scale) whose right-view base a
  /// coarse-to-fine network builds with ``propagatedDisparity(_:own:other:side:name:)`` whatever
  /// its configuration's `propagation` says, or `nil` (the default): an inference plan whose
  /// right view ends early for the left-right check hands its last estimate on this way
  /// (``InferencePlan``'s `rightHandOnPropagated`).
  var rightPropagatedRefinement: Int? { get }
}

extension NetworkBuilder {
  public var rightPropagatedRefinement: Int? { nil }
}

/// One scale's scores, as a builder's values: what every consumer reads from a network.
///
/// The candidates are `minimumDisparity + k`, `k = 0..<candidateCount`, in pixels of this scale:
/// absolute disparities when there is no base, offsets around the base disparity otherwise
/// (``OffsetSelection``).
public struct ScaleScores<Value> {
  /// Input pixels per pixel of this scale (8, 4, 2, 1).
  public var factor: Int
  /// The first candidate (absolute or offset), in pixels of this scale.
  public var minimumDisparity: Int
  /// `K`, the number of candidates.
  public var candidateCount: Int
  /// The left view's scores, `[N, H/f, W/f, K]`.
  public var left: Value
  /// The right view's scores (``ScoredViews/both`` only).
  public var right: Value?
  /// The left view's base disparity `d0`, `[N, H/f, W/f, 1]`, or `nil` for absolute candidates.
  public var leftBase: Value?
  /// The right view's base disparity (``ScoredViews/both`` only).
  public var rightBase: Value?

  /// Creates a scale's scores.
  public init(
    factor: Int, minimumDisparity: Int, candidateCount: Int, left: Value, right: Value? = nil,
    leftBase: Value? = nil, rightBase: Value? = nil
  ) {
    self.factor = factor
    self.minimumDisparity = minimumDisparity
    self.candidateCount = candidateCount
    self.left = left
    self.right = right
    self.leftBase = leftBase
    self.rightBase = rightBase
  }
}
