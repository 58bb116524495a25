import StereoNN
import StereoTensor

/// One unit of the 2017 W-net: a Keras `SeparableConv2D` (depthwise 3×3 without bias, pointwise
/// with bias) or a full 3×3 `Conv2D` with bias, then ReLU, then batch norm.
public final class SeparableReLUBatchNorm: Layer {
  public let separable: SeparableConv2D?
  public let full: Conv2D?
  public let norm: BatchNorm

  /// Creates a separable unit, or a full 3×3 convolution unit when `full` is true.
  public init(
    inputChannels: Int, outputChannels: Int, full: Bool = false,
    using generator: inout some RandomNumberGenerator
  ) {
    if full {
      self.full = Conv2D(
        inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3,
        using: &generator)
      separable = nil
    } else {
      separable = SeparableConv2D(
        inputChannels: inputChannels, outputChannels: outputChannels, using: &generator)
      self.full = nil
    }
    norm = BatchNorm(channels: outputChannels)
  }

  public func callAsFunction(_ input: Tensor, context: inout ForwardContext) -> Tensor {
    let convolved = separable.map { $0(input) } ?? full!(input)
    return norm(convolved.relu(), context: context)
  }

  public var parameters: Parameters {
    var result = Parameters()
    if let separable { result.append("separable", separable.parameters) }
    if let full { result.append("conv", full.parameters) }
    result.append("bn", norm.parameters)
    return result
  }
}

/// The 2017 W-net as published (Keras `w_net_v11.py` of LouisFoucard/w-net), with the
/// disparity range as configuration.
///
///     encoder level i (32, 64, 128, 256, 512 filters): sep 3×3 + ReLU, BN, sep 3×3 + ReLU, BN,
///         then max-pool 2×2 (not after level 5)
///     decoder stage (256, 128, 64, 64 filters): transposed conv k=s=2, concat the encoder level of
///         that size, full 3×3 conv + ReLU, BN, sep 3×3 + ReLU, BN, dropout 0.4
///     heads: the last decoder output (64 ch) and pool2 / pool3 / pool4 (64 / 128 / 256 ch) are
///         split into halves; pooled halves go through transposed convs to 32 channels with
///         k = s = 4 / 8 / 16; the four 32-channel maps of a side are averaged, then a separable
///         3×3 conv to D channels gives the logits.
///
/// Which half feeds which view follows the Keras code: the left view takes the first half of the
/// decoder output and the second halves of the pooled maps; the right view the others.
/// 5,350,070 parameters counting batch norm's running statistics (as Keras does).
public final class OriginalWNet: StereoNetwork {
  public let configuration: WNetConfiguration
  /// Two units per level.
  public let encoder: [[SeparableReLUBatchNorm]]
  public let upsamplers: [TransposedConv2D]
  /// Two units per stage (full conv, then separable).
  public let decoder: [[SeparableReLUBatchNorm]]
  /// Per view (left, right): transposed convs from pool2, pool3, pool4.
  public let headUpsamplers: [[TransposedConv2D]]
  /// Per view (left, right): the final separable conv to D channels.
  public let headConvs: [SeparableConv2D]
  /// Dropout rate in the decoder.
  public let dropoutRate: Float = 0.4

  public static let encoderWidths = [32, 64, 128, 256, 512]
  public static let decoderWidths = [256, 128, 64, 64]

  /// Creates the network with Keras-default (Glorot-uniform) weights.
  public init(configuration: WNetConfiguration, using generator: inout some RandomNumberGenerator) {
    precondition(configuration.preset == .original, "OriginalWNet needs the original preset")
    self.configuration = configuration
    let widths = Self.encoderWidths
    var encoder: [[SeparableReLUBatchNorm]] = []
    var previous = 6
    for width in widths {
      encoder.append([
        SeparableReLUBatchNorm(inputChannels: previous, outputChannels: width, using: &generator),
        SeparableReLUBatchNorm(inputChannels: width, outputChannels: width, using: &generator),
      ])
      previous = width
    }
    self.encoder = encoder
    var upsamplers: [TransposedConv2D] = []
    var decoder: [[SeparableReLUBatchNorm]] = []
    for (stage, width) in Self.decoderWidths.enumerated() {
      let skip = widths[widths.count - 2 - stage]
      upsamplers.append(
        TransposedConv2D(
          inputChannels: previous, outputChannels: width, stride: 2, using: &generator))
      decoder.append([
        SeparableReLUBatchNorm(
          inputChannels: width + skip, outputChannels: width, full: true, using: &generator),
        SeparableReLUBatchNorm(inputChannels: width, outputChannels: width, using: &generator),
      ])
      previous = width
    }
    self.upsamplers = upsamplers
    self.decoder = decoder
    // pool2, pool3, pool4 have 64, 128, 256 channels; each view takes half.
    headUpsamplers = (0..<2).map { _ in
      [(32, 4), (64, 8), (128, 16)].map { channels, stride in
        TransposedConv2D(
          inputChannels: channels, outputChannels: 32, stride: stride, using: &generator)
      }
    }
    headConvs = (0..<2).map { _ in
      SeparableConv2D(
        inputChannels: 32, outputChannels: configuration.candidateCount, using: &generator)
    }
  }

  public func build<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> Builder.Value {
    // Stage: encoder; keep each level's output (for skips) and each pooled map (for the heads).
    var x = input
    var levels: [Builder.Value] = []
    var pooled: [Builder.Value] = []
    for (level, units) in encoder.enumerated() {
      for (index, unit) in units.enumerated() {
        x = builder.separableReLUBatchNorm(x, unit, name: "encoder.\(level).\(index)")
      }
      levels.append(x)
      if level < encoder.count - 1 {
        x = builder.maxPool(x, size: 2, name: "encoder.\(level).pool")
        pooled.append(x)
      }
    }
    // Stage: decoder.
    for (stage, units) in decoder.enumerated() {
      let skip = levels[levels.count - 2 - stage]
      let up = builder.transposedConvolution(x, upsamplers[stage], name: "decoder.\(stage).up")
      x = builder.concatenated([up, skip], name: "decoder.\(stage).concat")
      for (index, unit) in units.enumerated() {
        x = builder.separableReLUBatchNorm(x, unit, name: "decoder.\(stage).\(index)")
      }
      x = builder.dropout(x, rate: dropoutRate, name: "decoder.\(stage).dropout")
    }
    // Stage: heads. pooled[1...3] are pool2, pool3, pool4; each view averages its half of the
    // decoder output with the other halves of the pooled maps brought to full size.
    func half(_ value: Builder.Value, channels: Int, first: Bool, name: String) -> Builder.Value {
      builder.channels(value, first ? 0..<(channels / 2) : (channels / 2)..<channels, name: name)
    }
    var outputs: [Builder.Value] = []
    for (view, side) in Array(views == .left ? ["left"] : ["left", "right"]).enumerated() {
      let isLeft = view == 0
      let decoderChannels = Self.decoderWidths[Self.decoderWidths.count - 1]
      var maps = [
        half(x, channels: decoderChannels, first: isLeft, name: "head.\(side).decoder_half")
      ]
      for (index, upsampler) in headUpsamplers[view].enumerated() {
        let channels = 2 * upsampler.filter.shape[3]
        let pooledHalf = half(
          pooled[index + 1], channels: channels, first: !isLeft,
          name: "head.\(side).pool\(index + 2)_half")
        maps.append(
          builder.transposedConvolution(pooledHalf, upsampler, name: "head.\(side).up\(index + 2)"))
      }
      let average = builder.mean(maps, name: "head.\(side).mean")
      outputs.append(
        builder.separableConvolution(average, headConvs[view], name: "head.\(side).conv"))
    }
    return outputs.count == 1 ? outputs[0] : builder.concatenated(outputs, name: "head.views")
  }

  public var parameters: Parameters {
    var result = Parameters()
    for (level, units) in encoder.enumerated() {
      for (index, unit) in units.enumerated() {
        result.append("encoder.\(level).\(index)", unit.parameters)
      }
    }
    for (stage, units) in decoder.enumerated() {
      result.append("decoder.\(stage).up", upsamplers[stage].parameters)
      for (index, unit) in units.enumerated() {
        result.append("decoder.\(stage).\(index)", unit.parameters)
      }
    }
    for (view, name) in ["left", "right"].enumerated() {
      for (index, upsampler) in headUpsamplers[view].enumerated() {
        result.append("head.\(name).up\(index + 2)", upsampler.parameters)
      }
      result.append("head.\(name).conv", headConvs[view].parameters)
    }
    return result
  }
}
