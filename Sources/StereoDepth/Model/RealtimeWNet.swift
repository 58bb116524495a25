import StereoNN
import StereoTensor

/// The `realtime` W-net: a small U-Net of depthwise-separable blocks, for CPU speed.
///
///     stem:     conv 3×3 6→32 + BN + ReLU, DS(32→32)                      H
///     encoder:  per width w in 64, 128, 256: max-pool 2×2, DS(→w), DS(w→w)   H/2, H/4, H/8
///     decoder:  per width w in 128, 64, 32: bilinear ×2, concat skip,
///               DS(up+skip→w), DS(w→w)                                    H/4, H/2, H
///     head:     conv 1×1 32→2D with bias; left logits = channels 0..<D, right = D..<2D
///
/// About 0.24 M parameters and 1.7 GMAC per 192×336 frame at D = 48.
public final class RealtimeWNet: StereoNetwork {
  public let configuration: WNetConfiguration
  public let stem: ConvBatchNormReLU
  public let stemBlock: DepthwiseSeparableBlock
  /// Two blocks per encoder level.
  public let encoder: [[DepthwiseSeparableBlock]]
  /// Two blocks per decoder level.
  public let decoder: [[DepthwiseSeparableBlock]]
  public let head: Conv2D

  /// The widths of the stem and the encoder levels.
  public static let encoderWidths = [32, 64, 128, 256]

  /// Creates the network with seeded He-normal weights.
  public init(configuration: WNetConfiguration, using generator: inout some RandomNumberGenerator) {
    precondition(configuration.preset == .realtime, "RealtimeWNet needs the realtime preset")
    self.configuration = configuration
    let widths = Self.encoderWidths
    stem = ConvBatchNormReLU(inputChannels: 6, outputChannels: widths[0], kernelSize: 3, using: &generator)
    stemBlock = DepthwiseSeparableBlock(inputChannels: widths[0], outputChannels: widths[0], using: &generator)
    var encoder: [[DepthwiseSeparableBlock]] = []
    for level in 1..<widths.count {
      encoder.append([
        DepthwiseSeparableBlock(inputChannels: widths[level - 1], outputChannels: widths[level], using: &generator),
        DepthwiseSeparableBlock(inputChannels: widths[level], outputChannels: widths[level], using: &generator),
      ])
    }
    self.encoder = encoder
    var decoder: [[DepthwiseSeparableBlock]] = []
    for level in stride(from: widths.count - 2, through: 0, by: -1) {
      let upChannels = widths[level + 1], skipChannels = widths[level], width = widths[level]
      decoder.append([
        DepthwiseSeparableBlock(inputChannels: upChannels + skipChannels, outputChannels: width, using: &generator),
        DepthwiseSeparableBlock(inputChannels: width, outputChannels: width, using: &generator),
      ])
    }
    self.decoder = decoder
    head = Conv2D(
      inputChannels: widths[0], outputChannels: 2 * configuration.candidateCount, kernelSize: 1,
      useBias: true, using: &generator)
  }

  public func logits(_ input: Tensor, context: inout ForwardContext) -> (left: Tensor, right: Tensor) {
    let scores = stackedLogits(input, context: &context)
    let d = configuration.candidateCount
    return (scores.slice(axis: 3, 0..<d), scores.slice(axis: 3, d..<(2 * d)))
  }

  /// The head's output as it is: left logits in channels `0..<D`, right in `D..<2D`.
  public func stackedLogits(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    validateInput(input)
    // Each unit's batch norm + ReLU is applied lazily: a `PreActivation` holds a convolution's
    // output and the norm still to apply. Each depthwise-separable block runs as one operation
    // that keeps only its input for backward (recomputing its depthwise output and activations),
    // and activations are materialised only where they branch (skips, pooling).
    var pre = PreActivation(stem.conv(input), stem.norm)
    pre = PreActivation(stemBlock.fused(pre.value, pending: pre.norm, context: context), stemBlock.pointwise.norm)
    var x = pre.materialized(context: context)
    var skips = [x]
    // Stage: encoder, halving the resolution per level.
    for blocks in encoder {
      pre = PreActivation(blocks[0].fused(x.maxPooled(size: 2), pending: nil, context: context), blocks[0].pointwise.norm)
      pre = PreActivation(blocks[1].fused(pre.value, pending: pre.norm, context: context), blocks[1].pointwise.norm)
      x = pre.materialized(context: context)
      skips.append(x)
    }
    // Stage: decoder, doubling it back and joining the skip of the same size.
    skips.removeLast()
    for (level, blocks) in decoder.enumerated() {
      x = Tensor.upsampled2xConcatenated(x, skips.removeLast())
      pre = PreActivation(blocks[0].fused(x, pending: nil, context: context), blocks[0].pointwise.norm)
      pre = PreActivation(blocks[1].fused(pre.value, pending: pre.norm, context: context), blocks[1].pointwise.norm)
      if level < decoder.count - 1 { x = pre.materialized(context: context) }
    }
    // Stage: the head gives D scores per view.
    return pre.norm.normalizedReLUConvolved(pre.value, by: head, context: context)
  }

  public var parameters: Parameters {
    var result = Parameters()
    result.append("stem", stem.parameters)
    result.append("stem_block", stemBlock.parameters)
    for (level, blocks) in encoder.enumerated() {
      for (index, block) in blocks.enumerated() {
        result.append("encoder.\(level).\(index)", block.parameters)
      }
    }
    for (level, blocks) in decoder.enumerated() {
      for (index, block) in blocks.enumerated() {
        result.append("decoder.\(level).\(index)", block.parameters)
      }
    }
    result.append("head", head.parameters)
    return result
  }
}

/// A convolution's output whose batch norm and ReLU are still to be applied.
struct PreActivation {
  let value: Tensor
  let norm: BatchNorm

  init(_ value: Tensor, _ norm: BatchNorm) {
    self.value = value
    self.norm = norm
  }

  /// `max(0, BN(value))`.
  func materialized(context: ForwardContext) -> Tensor { norm.normalizedReLU(value, context: context) }
}
