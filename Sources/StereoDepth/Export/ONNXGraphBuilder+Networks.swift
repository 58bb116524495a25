import StereoNN
import StereoTensor

/// The two networks' forward passes as ONNX graphs, left view only, in inference mode.
extension ONNXGraphBuilder {
  /// ``RealtimeWNet`` up to the left logits, every batch norm folded into its convolution, and
  /// only the first `D` outputs of the 1×1 head (the left view's).
  ///
  /// - Parameters:
  ///   - network: The network, read in inference mode.
  ///   - input: `[N, 6, H, W]`.
  /// - Returns: The left logits, `[N, D, H, W]`.
  mutating func leftLogits(_ network: RealtimeWNet, input: String) -> String {
    // Stage: stem at full resolution.
    var x = unit(input, network.stem, prefix: "stem")
    x = block(x, network.stemBlock, prefix: "stem_block")
    var skips = [x]
    // Stage: encoder, halving the resolution per level.
    for (level, blocks) in network.encoder.enumerated() {
      x = maxPool(x, size: 2, prefix: "encoder.\(level).pool")
      for (index, unit) in blocks.enumerated() {
        x = block(x, unit, prefix: "encoder.\(level).\(index)")
      }
      skips.append(x)
    }
    // Stage: decoder, doubling it back and joining the skip of the same size.
    skips.removeLast()
    for (level, blocks) in network.decoder.enumerated() {
      let up = upsample2x(x, prefix: "decoder.\(level).up")
      x = concatChannels([up, skips.removeLast()], prefix: "decoder.\(level).concat")
      for (index, unit) in blocks.enumerated() {
        x = block(x, unit, prefix: "decoder.\(level).\(index)")
      }
    }
    // Stage: the head's left half.
    return convolution(
      x, network.head, outputChannels: 0..<network.configuration.candidateCount, prefix: "head")
  }

  /// ``ConvBatchNormReLU`` as a `Conv` with the batch norm folded in, then `Relu`.
  mutating func unit(_ x: String, _ unit: ConvBatchNormReLU, prefix: String) -> String {
    relu(convolution(x, unit.conv, foldingIn: unit.norm, prefix: "\(prefix).conv"), prefix: prefix)
  }

  /// ``DepthwiseSeparableBlock``: the depthwise unit, then the pointwise unit.
  mutating func block(_ x: String, _ block: DepthwiseSeparableBlock, prefix: String) -> String {
    unit(
      unit(x, block.depthwise, prefix: "\(prefix).depthwise"), block.pointwise,
      prefix: "\(prefix).pointwise")
  }

  /// ``OriginalWNet`` up to the left logits, without dropout and without the right head.
  ///
  /// - Parameters:
  ///   - network: The network, read in inference mode.
  ///   - input: `[N, 6, H, W]`.
  /// - Returns: The left logits, `[N, D, H, W]`.
  mutating func leftLogits(_ network: OriginalWNet, input: String) -> String {
    // Stage: encoder; keep each level's output (for skips) and each pooled map (for the heads).
    var x = input
    var levels: [String] = []
    var pooled: [String] = []
    for (level, units) in network.encoder.enumerated() {
      for (index, unit) in units.enumerated() {
        x = self.unit(x, unit, prefix: "encoder.\(level).\(index)")
      }
      levels.append(x)
      if level < network.encoder.count - 1 {
        x = maxPool(x, size: 2, prefix: "encoder.\(level).pool")
        pooled.append(x)
      }
    }
    // Stage: decoder.
    for (stage, units) in network.decoder.enumerated() {
      let skip = levels[levels.count - 2 - stage]
      let up = transposedConvolution(x, network.upsamplers[stage], prefix: "decoder.\(stage).up")
      x = concatChannels([up, skip], prefix: "decoder.\(stage).concat")
      for (index, unit) in units.enumerated() {
        x = self.unit(x, unit, prefix: "decoder.\(stage).\(index)")
      }
    }
    // Stage: the left head: the first half of the decoder output and the second halves of
    // pool2, pool3, pool4 (pooled[1...3]), brought to full size and averaged.
    let decoderChannels = network.decoder.last?.last?.norm.scale.shape[0] ?? 0
    var sum = sliceChannels(x, 0..<(decoderChannels / 2), prefix: "head.left.decoder_half")
    for (index, upsampler) in network.headUpsamplers[0].enumerated() {
      let channels = 2 * upsampler.filter.shape[3]
      let half = sliceChannels(
        pooled[index + 1], (channels / 2)..<channels, prefix: "head.left.pool\(index + 2)_half")
      let up = transposedConvolution(half, upsampler, prefix: "head.left.up\(index + 2)")
      sum = add(sum, up, prefix: "head.left.sum")
    }
    let count = Float(network.headUpsamplers[0].count + 1)
    let factor = constant("head.left.mean_factor", shape: [], floats: [1 / count])
    let average = mul(sum, factor, prefix: "head.left.mean")
    return separableConvolution(average, network.headConvs[0], prefix: "head.left.conv")
  }

  /// ``SeparableReLUBatchNorm``: the (separable or full) convolution, `Relu`, then
  /// `BatchNormalization` (it follows the ReLU, so it cannot fold into the convolution).
  mutating func unit(_ x: String, _ unit: SeparableReLUBatchNorm, prefix: String) -> String {
    let convolved: String
    if let separable = unit.separable {
      convolved = separableConvolution(x, separable, prefix: "\(prefix).separable")
    } else if let full = unit.full {
      convolved = convolution(x, full, prefix: "\(prefix).conv")
    } else {
      preconditionFailure("Unit \(prefix) has no convolution")
    }
    return batchNormalization(relu(convolved, prefix: prefix), unit.norm, prefix: "\(prefix).bn")
  }
}
