import StereoNN
import StereoTensor

/// One scale of a W-net's output: both views' distributions rendered against the other view at
/// that scale's resolution.
public struct ScaleOutput {
  /// Input pixels per pixel of this scale (1 for the finest).
  public var factor: Int
  /// The left view's distribution rendered against the right view at this scale; disparities in
  /// this scale's pixels.
  public var left: SelectionOutput
  /// The right view's distribution rendered against the left view at this scale.
  public var right: SelectionOutput
  /// The left view at this scale, `[N, H/f, W/f, 3]` (2×2 box-averaged per halving).
  public var leftImage: Tensor
  /// The right view at this scale.
  public var rightImage: Tensor
  /// For the consistency loss: this scale's right disparity carried to the left grid by this
  /// scale's left distribution, and the other way round; `nil` unless asked for.
  public var warpedDisparities: (left: Tensor, right: Tensor)?

  /// Creates a scale's output from its parts.
  public init(
    factor: Int, left: SelectionOutput, right: SelectionOutput, leftImage: Tensor,
    rightImage: Tensor
  ) {
    self.factor = factor
    self.left = left
    self.right = right
    self.leftImage = leftImage
    self.rightImage = rightImage
  }
}

/// What a W-net computes from a stereo pair.
public struct WNetOutput {
  /// The left view's distribution rendered against the right view (the finest scale's).
  public var left: SelectionOutput
  /// The right view's distribution rendered against the left view (the finest scale's).
  public var right: SelectionOutput
  /// Every scale, coarse to fine; the last is the finest (``left`` and ``right``). A
  /// single-scale network has one, or none when built by hand without its images.
  public var scales: [ScaleOutput] = []
  /// For the consistency loss: the right disparity carried to the left grid by the left
  /// distribution, and the other way round; `nil` unless asked for.
  public var warpedDisparities: (left: Tensor, right: Tensor)?

  /// Creates an output from its parts.
  public init(
    left: SelectionOutput, right: SelectionOutput,
    warpedDisparities: (left: Tensor, right: Tensor)? = nil
  ) {
    self.left = left
    self.right = right
    self.warpedDisparities = warpedDisparities
  }
}

/// A W-net: the network that scores candidate disparities for both views, and the two
/// probabilistic selection layers that render each view from the other.
///
///     input = [left RGB, right RGB]                [N, H, W, 6]
///     logits_L, logits_R = network(input)          [N, H, W, D] each
///     L̂ = select_L(logits_L, R),  R̂ = select_R(logits_R, L)
///     d_L = Σ_k d_k·P_L(k),       d_R = Σ_k d_k·P_R(k)
///
/// A coarse-to-fine network (`matching`) scores every scale: the coarsest scale's absolute
/// candidates render its downsampled views with ``ProbabilisticSelection``, each finer scale's
/// offsets around its base `d0` with ``OffsetSelection``
/// (`L̂(x) = Σ_k P(k|x)·R(x − d0(x) − o_k)`); ``WNetOutput/scales`` holds them all.
public final class WNet {
  /// The architecture and candidate disparities.
  public let configuration: WNetConfiguration
  /// The scoring network.
  public let network: any StereoNetwork
  /// Renders the left view from the right one.
  public let leftSelection: ProbabilisticSelection
  /// Renders the right view from the left one.
  public let rightSelection: ProbabilisticSelection

  /// Creates a W-net with seeded initial weights.
  public init(configuration: WNetConfiguration, seed: UInt64 = 0) {
    var generator = SeededGenerator(seed: seed)
    self.configuration = configuration
    network = makeNetwork(configuration, using: &generator)
    leftSelection = ProbabilisticSelection(
      minimumDisparity: configuration.minimumDisparity,
      maximumDisparity: configuration.maximumDisparity, side: .left)
    rightSelection = ProbabilisticSelection(
      minimumDisparity: configuration.minimumDisparity,
      maximumDisparity: configuration.maximumDisparity, side: .right)
  }

  /// The named parameters (checkpoint keys).
  public var parameters: Parameters { network.parameters }

  /// Runs the network and both selection layers.
  ///
  /// - Parameters:
  ///   - left: `[N, H, W, 3]` in [0, 1].
  ///   - right: `[N, H, W, 3]` in [0, 1].
  ///   - warpingDisparities: Also carry each disparity map across, for the consistency loss.
  public func callAsFunction(
    left: Tensor, right: Tensor, context: inout ForwardContext, warpingDisparities: Bool = false
  ) -> WNetOutput {
    precondition(
      left.shape == right.shape, "Left \(left.shape) and right \(right.shape) views differ in size")
    let input = Tensor.concatenate([left, right], axis: 3)
    if configuration.isCoarseToFine {
      return coarseToFine(
        input: input, left: left, right: right, context: &context,
        warpingDisparities: warpingDisparities)
    }
    let scores = network.stackedLogits(input, context: &context)
    let (leftOutput, rightOutput) = ProbabilisticSelection.renderPair(
      scores: scores, left: leftSelection, right: rightSelection, leftImage: left, rightImage: right
    )
    var output = WNetOutput(left: leftOutput, right: rightOutput)
    output.scales = [
      ScaleOutput(
        factor: 1, left: leftOutput, right: rightOutput, leftImage: left, rightImage: right)
    ]
    if warpingDisparities {
      let d = configuration.candidateCount
      output.warpedDisparities = (
        leftSelection(logits: scores.slice(axis: 3, 0..<d), source: rightOutput.disparity)
          .reconstruction,
        rightSelection(logits: scores.slice(axis: 3, d..<(2 * d)), source: leftOutput.disparity)
          .reconstruction
      )
      output.scales[0].warpedDisparities = output.warpedDisparities
    }
    return output
  }

  /// Every scale of a coarse-to-fine network, rendered at its own resolution.
  func coarseToFine(
    input: Tensor, left: Tensor, right: Tensor, context: inout ForwardContext,
    warpingDisparities: Bool
  ) -> WNetOutput {
    network.validateInput(input)
    var builder = TrainingGraphBuilder(context: context)
    let scales = network.buildScales(
      TrainingGraphBuilder.Value(input), views: .both, into: &builder)
    context = builder.context
    var outputs: [ScaleOutput] = []
    for scale in scales {
      let (_, h, w, _) = left.nhwc("W-net left")
      let (leftImage, rightImage) = (
        Self.downsampled(left, to: h / scale.factor, w / scale.factor),
        Self.downsampled(right, to: h / scale.factor, w / scale.factor)
      )
      let leftLogits = builder.tensor(scale.left)
      guard let rightValue = scale.right else { preconditionFailure("Both views were built") }
      let rightLogits = builder.tensor(rightValue)
      let leftBase = scale.leftBase.map { builder.tensor($0) }
      let rightBase = scale.rightBase.map { builder.tensor($0) }
      let maximum = scale.minimumDisparity + scale.candidateCount - 1
      func render(_ logits: Tensor, _ base: Tensor?, _ source: Tensor, _ side: StereoSide)
        -> SelectionOutput
      {
        guard let base else {
          return ProbabilisticSelection(
            minimumDisparity: scale.minimumDisparity, maximumDisparity: maximum, side: side)(
              logits: logits, source: source)
        }
        return OffsetSelection(
          offsets: (scale.minimumDisparity...maximum).map(Float.init), side: side)(
            logits: logits, baseDisparity: base, source: source)
      }
      var output = ScaleOutput(
        factor: scale.factor, left: render(leftLogits, leftBase, rightImage, .left),
        right: render(rightLogits, rightBase, leftImage, .right), leftImage: leftImage,
        rightImage: rightImage)
      // Every scale's own consistency: the other view's disparity of this scale, rendered by
      // this scale's distribution (the coarse scales' is what moves a wrong match).
      if warpingDisparities {
        output.warpedDisparities = (
          render(leftLogits, leftBase, output.right.disparity, .left).reconstruction,
          render(rightLogits, rightBase, output.left.disparity, .right).reconstruction
        )
      }
      outputs.append(output)
    }
    guard let last = outputs.last else { preconditionFailure("No scales") }
    var output = WNetOutput(left: last.left, right: last.right)
    output.scales = outputs
    output.warpedDisparities = last.warpedDisparities
    return output
  }

  /// `image` `[N, H, W, C]` halved until `[N, h, w, C]`: each halving is a bilinear resize with
  /// half-pixel centres, which at exactly ½ is the 2×2 box average.
  static func downsampled(_ image: Tensor, to h: Int, _ w: Int) -> Tensor {
    var result = image
    while result.shape[1] > h || result.shape[2] > w {
      result = result.resizedBilinear(
        height: max(h, result.shape[1] / 2), width: max(w, result.shape[2] / 2))
    }
    return result
  }
}
