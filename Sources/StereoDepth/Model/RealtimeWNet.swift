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
    stem = ConvBatchNormReLU(
      inputChannels: 6, outputChannels: widths[0], kernelSize: 3, using: &generator)
    stemBlock = DepthwiseSeparableBlock(
      inputChannels: widths[0], outputChannels: widths[0], using: &generator)
    var encoder: [[DepthwiseSeparableBlock]] = []
    for level in 1..<widths.count {
      encoder.append([
        DepthwiseSeparableBlock(
          inputChannels: widths[level - 1], outputChannels: widths[level], using: &generator),
        DepthwiseSeparableBlock(
          inputChannels: widths[level], outputChannels: widths[level], using: &generator),
      ])
    }
    self.encoder = encoder
    var decoder: [[DepthwiseSeparableBlock]] = []
    for level in stride(from: widths.count - 2, through: 0, by: -1) {
      let upChannels = widths[level + 1], skipChannels = widths[level], width = widths[level]
      decoder.append([
        DepthwiseSeparableBlock(
          inputChannels: upChannels + skipChannels, outputChannels: width, using: &generator),
        DepthwiseSeparableBlock(inputChannels: width, outputChannels: width, using: &generator),
      ])
    }
    self.decoder = decoder
    head = Conv2D(
      inputChannels: widths[0], outputChannels: 2 * configuration.candidateCount, kernelSize: 1,
      useBias: true, using: &generator)
  }

  public func build<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> Builder.Value {
    // Stage: stem at full resolution.
    var x = builder.convBatchNormReLU(input, stem, name: "stem")
    x = builder.depthwiseSeparable(x, stemBlock, name: "stem_block")
    var skips = [x]
    // Stage: encoder, halving the resolution per level.
    for (level, blocks) in encoder.enumerated() {
      x = builder.maxPool(x, size: 2, name: "encoder.\(level).pool")
      for (index, block) in blocks.enumerated() {
        x = builder.depthwiseSeparable(x, block, name: "encoder.\(level).\(index)")
      }
      skips.append(x)
    }
    // Stage: decoder, doubling it back and joining the skip of the same size.
    skips.removeLast()
    for (level, blocks) in decoder.enumerated() {
      x = builder.upsampled2xConcatenated(x, skips.removeLast(), name: "decoder.\(level)")
      for (index, block) in blocks.enumerated() {
        x = builder.depthwiseSeparable(x, block, name: "decoder.\(level).\(index)")
      }
    }
    // Stage: the head gives D scores per view (the left's are its first D outputs).
    let d = configuration.candidateCount
    return builder.convolution(
      x, head, outputChannels: views == .left ? 0..<d : nil, name: "head")
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
