import StereoNN
import StereoTensor

/// A network's forward pass as an autodiff graph, in training or inference mode (the context's).
///
/// Values are activations whose last batch norm and ReLU may still be pending: each unit's
/// `max(0, BN(·))` is applied only where a consumer needs the activation itself (pooling, skips,
/// concatenation), and is computed once there however many consumers read it. A
/// depthwise-separable block reads a pending input directly, as one fused operation that keeps
/// only its input for backward; a convolution reads it through
/// ``BatchNorm/normalizedReLUConvolved(_:by:context:)``.
public struct TrainingGraphBuilder: NetworkBuilder {
  /// An activation, or a convolution output whose batch norm and ReLU are still to be applied.
  public final class Value {
    let raw: Tensor
    let pending: BatchNorm?
    private var cached: Tensor?

    init(_ raw: Tensor, pending: BatchNorm? = nil) {
      self.raw = raw
      self.pending = pending
    }

    /// `max(0, BN(raw))` (computed once), or `raw` when nothing is pending.
    func materialized(_ context: ForwardContext) -> Tensor {
      guard let pending else { return raw }
      if let cached { return cached }
      let value = pending.normalizedReLU(raw, context: context)
      cached = value
      return value
    }
  }

  /// The mode and dropout generator; the generator advances as dropout draws masks.
  public var context: ForwardContext

  /// Creates a builder running in `context`'s mode.
  public init(context: ForwardContext) {
    self.context = context
  }

  /// The network's output as a tensor.
  public func tensor(_ value: Value) -> Tensor { value.materialized(context) }

  public mutating func convBatchNormReLU(_ x: Value, _ unit: ConvBatchNormReLU, name: String)
    -> Value
  {
    Value(unit.conv(x.materialized(context)), pending: unit.norm)
  }

  public mutating func depthwiseSeparable(
    _ x: Value, _ block: DepthwiseSeparableBlock, name: String
  ) -> Value {
    Value(block.fused(x.raw, pending: x.pending, context: context), pending: block.pointwise.norm)
  }

  public mutating func separableReLUBatchNorm(
    _ x: Value, _ unit: SeparableReLUBatchNorm, name: String
  ) -> Value {
    Value(unit(x.materialized(context), context: &context))
  }

  public mutating func convolution(
    _ x: Value, _ layer: Conv2D, outputChannels: Range<Int>?, name: String
  ) -> Value {
    let output =
      x.pending.map { $0.normalizedReLUConvolved(x.raw, by: layer, context: context) }
      ?? layer(x.raw)
    guard let outputChannels, outputChannels != 0..<layer.outputChannels else {
      return Value(output)
    }
    return Value(output.slice(axis: 3, outputChannels))
  }

  public mutating func separableConvolution(
    _ x: Value, _ layer: SeparableConv2D, name: String
  ) -> Value {
    Value(layer(x.materialized(context)))
  }

  public mutating func transposedConvolution(
    _ x: Value, _ layer: TransposedConv2D, name: String
  ) -> Value {
    Value(layer(x.materialized(context)))
  }

  public mutating func maxPool(_ x: Value, size: Int, name: String) -> Value {
    Value(x.materialized(context).maxPooled(size: size))
  }

  public mutating func upsampled2xConcatenated(_ x: Value, _ skip: Value, name: String) -> Value {
    Value(Tensor.upsampled2xConcatenated(x.materialized(context), skip.materialized(context)))
  }

  public mutating func concatenated(_ values: [Value], name: String) -> Value {
    Value(Tensor.concatenate(values.map { $0.materialized(context) }, axis: 3))
  }

  public mutating func channels(_ x: Value, _ range: Range<Int>, name: String) -> Value {
    Value(x.materialized(context).slice(axis: 3, range))
  }

  public mutating func scaledSum(_ x: Value, _ y: Value, scale: Parameter, name: String)
    -> Value
  {
    Value(x.materialized(context) + y.materialized(context) * scale.tracked)
  }

  public mutating func mean(_ values: [Value], name: String) -> Value {
    let tensors = values.map { $0.materialized(context) }
    return Value(tensors.dropFirst().reduce(tensors[0], +).scaled(by: 1 / Float(tensors.count)))
  }

  public mutating func dropout(_ x: Value, rate: Float, name: String) -> Value {
    guard context.isTraining else { return x }
    return Value(x.materialized(context).dropout(rate: rate, using: &context.generator))
  }

  public mutating func rmsNormalized(_ x: Value, epsilon: Float, name: String) -> Value {
    Value(Tensor.rmsNormalized(x.materialized(context), epsilon: epsilon))
  }

  public mutating func correlation(
    _ left: Value, _ right: Value, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView, name: String
  ) -> Value {
    Value(
      Tensor.correlation(
        left: left.materialized(context), right: right.materialized(context),
        minimumDisparity: minimumDisparity, candidateCount: candidateCount, view: view))
  }

  public mutating func expectedDisparity(
    _ logits: Value, minimumDisparity: Int, candidateCount: Int, base: Value?, name: String
  ) -> Value {
    Value(
      DisparityConfidence.expectedDisparity(
        logits: logits.materialized(context).detached, minimumDisparity: minimumDisparity,
        base: base?.materialized(context).detached))
  }

  public mutating func localExpectedDisparity(
    _ logits: Value, minimumDisparity: Int, candidateCount: Int, radius: Int, base: Value?,
    name: String
  ) -> Value {
    Value(
      DisparityConfidence.localExpectedDisparity(
        logits: logits.materialized(context).detached, minimumDisparity: minimumDisparity,
        radius: radius, base: base?.materialized(context).detached))
  }

  public mutating func upsampledDisparity(_ disparity: Value, name: String) -> Value {
    Value(withoutGradients { disparity.materialized(context).detached.upsampled2xScaled(by: 2) })
  }

  public mutating func propagatedDisparity(
    _ disparity: Value, own: Value, other: Value, side: StereoSide, name: String
  ) -> Value {
    Value(
      withoutGradients {
        DisparityPropagation.handOn(
          disparity.materialized(context).detached, own: own.materialized(context).detached,
          other: other.materialized(context).detached, side: side)
      })
  }

  public mutating func warped(
    _ features: Value, by disparity: Value, side: StereoSide, name: String
  ) -> Value {
    Value(
      OffsetSelection.warp(
        features.materialized(context), by: disparity.materialized(context), side: side))
  }
}
