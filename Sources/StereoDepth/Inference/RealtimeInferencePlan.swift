import StereoNN
import StereoTensor

/// The `realtime` W-net compiled for inference: no autodiff graph, batch norm folded into the
/// convolutions, ReLU fused into them (oneDNN post-ops), up-sampling and skip concatenation in one
/// kernel, only the left view's half of the head, and softmax + expected disparity + confidence in
/// one kernel that never stores the distribution. Buffers come from the tensor pool, so after the
/// first frame of a size no memory is allocated from the system.
///
/// Folding: a bias-free convolution `W` followed by batch norm (γ, β, μ, σ²) equals the
/// convolution `W'_o = W_o·s_o` with bias `b'_o = β_o − μ_o·s_o`, `s_o = γ_o/√(σ²_o + ε)`.
public final class RealtimeInferencePlan: @unchecked Sendable {
  /// A convolution with its batch norm folded in.
  struct FoldedConvolution {
    let filter: Tensor
    let bias: Tensor
    let geometry: ConvolutionGeometry
    let relu: Bool

    init(_ unit: ConvBatchNormReLU) {
      let norm = unit.norm
      let gamma = norm.scale.value.scalars, beta = norm.shift.value.scalars
      let mean = norm.runningMean.value.scalars, variance = norm.runningVariance.value.scalars
      let scales = (0..<gamma.count).map { gamma[$0] / (variance[$0] + norm.epsilon).squareRoot() }
      let weights = unit.conv.filter.value
      let perOutput = weights.count / weights.shape[0]
      var folded = weights.scalars
      for o in 0..<weights.shape[0] {
        for i in 0..<perOutput { folded[o * perOutput + i] *= scales[o] }
      }
      filter = Tensor(shape: weights.shape, scalars: folded)
      bias = Tensor((0..<gamma.count).map { beta[$0] - mean[$0] * scales[$0] })
      geometry = unit.conv.geometry
      relu = true
    }

    init(head: Conv2D, outputs: Int) {
      let weights = head.filter.value
      let perOutput = weights.count / weights.shape[0]
      filter = Tensor(shape: [outputs] + weights.shape.dropFirst(), scalars: Array(weights.scalars.prefix(outputs * perOutput)))
      bias = Tensor(Array((head.bias?.value.scalars ?? [Float](repeating: 0, count: weights.shape[0])).prefix(outputs)))
      geometry = head.geometry
      relu = false
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
      Backends.current.convolution2DInference(input, filter: filter, bias: bias, geometry: geometry, activation: relu ? .relu : nil)
    }
  }

  public let configuration: WNetConfiguration
  let stem: FoldedConvolution
  let stemBlock: [FoldedConvolution]
  let encoder: [[FoldedConvolution]]
  let decoder: [[FoldedConvolution]]
  let head: FoldedConvolution

  /// Compiles `network`'s current weights and batch-norm statistics.
  public init(_ network: RealtimeWNet) {
    configuration = network.configuration
    func fold(_ block: DepthwiseSeparableBlock) -> [FoldedConvolution] {
      [FoldedConvolution(block.depthwise), FoldedConvolution(block.pointwise)]
    }
    stem = FoldedConvolution(network.stem)
    stemBlock = fold(network.stemBlock)
    encoder = network.encoder.map { $0.flatMap(fold) }
    decoder = network.decoder.map { $0.flatMap(fold) }
    head = FoldedConvolution(head: network.head, outputs: configuration.candidateCount)
  }

  /// The left view's disparity and confidences.
  ///
  /// - Parameter input: `[N, H, W, 6]` (left RGB, right RGB), H and W multiples of 8.
  /// - Returns: `[N, H, W, 1]` each: expected disparity, peak probability, `1 − H/ln D`.
  public func callAsFunction(_ input: Tensor) -> (disparity: Tensor, peak: Tensor, confidence: Tensor) {
    let logits = logits(input)
    return Profiler.measure("softmax+expectation") {
      InferenceKernels.expectedDisparity(logits, minimumDisparity: configuration.minimumDisparity)
    }
  }

  /// The left view's logits, `[N, H, W, D]`.
  public func logits(_ input: Tensor) -> Tensor {
    withoutGradients {
      let (_, h, w, c) = input.nhwc("RealtimeInferencePlan")
      precondition(c == 6 && h % 8 == 0 && w % 8 == 0, "The realtime plan needs [N, H, W, 6] with H, W multiples of 8, got \(input.shape)")
      var x = stemBlock.reduce(stem(input)) { $1($0) }
      var skips = [x]
      for level in encoder {
        x = level.reduce(Backends.current.maxPool2D(x, size: 2).output) { $1($0) }
        skips.append(x)
      }
      skips.removeLast()
      for level in decoder {
        let skip = skips.removeLast()
        let joined = Tensor.upsampled2xConcatenated(x, skip)
        x = level.reduce(joined) { $1($0) }
      }
      return head(x)
    }
  }
}
