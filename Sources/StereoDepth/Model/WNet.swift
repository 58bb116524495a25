import StereoNN
import StereoTensor

/// What a W-net computes from a stereo pair.
public struct WNetOutput {
  /// The left view's distribution rendered against the right view.
  public var left: SelectionOutput
  /// The right view's distribution rendered against the left view.
  public var right: SelectionOutput
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
    let scores = network.stackedLogits(input, context: &context)
    let (leftOutput, rightOutput) = ProbabilisticSelection.renderPair(
      scores: scores, left: leftSelection, right: rightSelection, leftImage: left, rightImage: right
    )
    var output = WNetOutput(left: leftOutput, right: rightOutput)
    if warpingDisparities {
      let d = configuration.candidateCount
      output.warpedDisparities = (
        leftSelection(logits: scores.slice(axis: 3, 0..<d), source: rightOutput.disparity)
          .reconstruction,
        rightSelection(logits: scores.slice(axis: 3, d..<(2 * d)), source: leftOutput.disparity)
          .reconstruction
      )
    }
    return output
  }
}
