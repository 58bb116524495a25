import StereoTensor

/// A convolution's weights with the inference-mode batch norm that follows it folded in: the one
/// place where batch norm is folded (the inference plan and the ONNX exporter both read it).
///
/// With `k_o = γ_o/√(σ²_o + ε)`, `BN(W∗x + b)_o = (k_o·W_o)∗x + (k_o·(b_o − μ_o) + β_o)` per output
/// channel `o`, computed in double precision and rounded once.
public struct FoldedConvolution: Sendable {
  /// The folded filter, `[C_kept, KH, KW, C_in/groups]` (our layout, as ``Conv2D/filter``).
  public let filter: Tensor
  /// The folded bias, `[C_kept]`, or `nil` when there was neither a bias nor a batch norm.
  public let bias: Tensor?
  /// Stride, padding and groups of the convolution.
  public let geometry: ConvolutionGeometry

  /// Folds `norm` (if any) into `layer`, keeping `outputChannels` (all when `nil`).
  ///
  /// - Parameters:
  ///   - layer: The convolution, filter `[C_out, KH, KW, C_in/g]`.
  ///   - norm: The batch norm over its `C_out` outputs, read in inference mode, or `nil`.
  ///   - outputChannels: The output channels to keep; slicing a grouped convolution is not
  ///     supported.
  public init(_ layer: Conv2D, foldingIn norm: BatchNorm? = nil, outputChannels: Range<Int>? = nil)
  {
    let weights = layer.filter.value
    let o = weights.shape[0]
    let perOutput = weights.count / o
    let kept = outputChannels ?? 0..<o
    precondition(
      kept.lowerBound >= 0 && kept.upperBound <= o && !kept.isEmpty,
      "Output channels \(kept) out of 0..<\(o)")
    precondition(
      kept == 0..<o || layer.geometry.groups == 1,
      "Slicing the outputs of a grouped convolution is not supported")
    if let norm {
      precondition(
        norm.scale.shape == [o], "Batch norm \(norm.scale.shape) does not follow \(o) channels")
    }
    let filter = weights.scalars
    let bias = layer.bias?.value.scalars
    let statistics = norm.map {
      (
        scale: $0.scale.value.scalars, shift: $0.shift.value.scalars,
        mean: $0.runningMean.value.scalars, variance: $0.runningVariance.value.scalars,
        epsilon: Double($0.epsilon)
      )
    }
    var folded = [Float](repeating: 0, count: kept.count * perOutput)
    var biases = [Float](repeating: 0, count: kept.count)
    for (row, channel) in kept.enumerated() {
      var factor = 1.0
      var offset = Double(bias?[channel] ?? 0)
      if let statistics {
        factor =
          Double(statistics.scale[channel])
          / (Double(statistics.variance[channel]) + statistics.epsilon).squareRoot()
        offset =
          factor * (offset - Double(statistics.mean[channel])) + Double(statistics.shift[channel])
      }
      biases[row] = Float(offset)
      for index in 0..<perOutput {
        folded[row * perOutput + index] = Float(
          Double(filter[channel * perOutput + index]) * factor)
      }
    }
    self.filter = Tensor(shape: [kept.count] + weights.shape.dropFirst(), scalars: folded)
    self.bias = bias != nil || norm != nil ? Tensor(biases) : nil
    geometry = layer.geometry
  }
}
