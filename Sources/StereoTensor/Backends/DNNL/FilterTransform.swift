/// How a filter is rearranged before a primitive reads it.
enum FilterTransform: Hashable, Sendable {
  /// As stored: `[C_out, KH, KW, C_in/groups]`.
  case none
  /// Flipped in space, input and output channels swapped within each group:
  /// `w′[g·Cig + i, ky, kx, o] = w[g·Cog + o, KH−1−ky, KW−1−kx, i]`, of shape
  /// `[C_in, KH, KW, C_out/groups]`. Convolving the output gradient with `w′` (stride 1) is the
  /// input gradient; see
  /// ``DNNLBackend/dnnlConvolutionBackwardData(_:filter:inputShape:geometry:)``.
  case flippedTransposed(groups: Int)
  /// Each kernel position made a block of output channels (ungrouped filters):
  /// `w′[(ky·KW + kx)·C_out + o, 0, 0, i] = w[o, ky, kx, i]`, of shape `[KH·KW·C_out, 1, 1, C_in]`.
  /// A transposed convolution whose kernel equals its stride is this 1×1 convolution followed by
  /// ``Kernels/depthToSpace(_:block:bias:)``.
  case kernelAsChannels

  /// The shape of the transformed filter.
  func shape(of filter: [Int]) -> [Int] {
    switch self {
    case .none: filter
    case .flippedTransposed(let groups):
      [filter[3] * groups, filter[1], filter[2], filter[0] / groups]
    case .kernelAsChannels:
      [filter[1] * filter[2] * filter[0], 1, 1, filter[3]]
    }
  }

  /// The transformed filter, a plain Swift copy (filters are small).
  func apply(to filter: Tensor) -> Tensor {
    let (o, kh, kw, i) = (filter.shape[0], filter.shape[1], filter.shape[2], filter.shape[3])
    let result = Tensor(uninitializedShape: shape(of: filter.shape))
    let source = filter.unsafePointer, destination = result.unsafeMutablePointer
    switch self {
    case .none:
      return filter
    case .flippedTransposed(let groups):
      let outputsPerGroup = o / groups
      for group in 0..<groups {
        for output in 0..<outputsPerGroup {
          for ky in 0..<kh {
            for kx in 0..<kw {
              for input in 0..<i {
                let from = (((group * outputsPerGroup + output) * kh + ky) * kw + kx) * i + input
                let to =
                  (((group * i + input) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx))
                  * outputsPerGroup + output
                destination[to] = source[from]
              }
            }
          }
        }
      }
    case .kernelAsChannels:
      for output in 0..<o {
        for position in 0..<(kh * kw) {
          (destination + (position * o + output) * i).update(
            from: source + (output * kh * kw + position) * i, count: i)
        }
      }
    }
    return withExtendedLifetime(filter) { result }
  }

  /// The inverse of ``kernelAsChannels`` for a gradient: `[KH·KW·C_out, 1, 1, C_in]` back to
  /// `[C_out, KH, KW, C_in]`.
  static func channelsAsKernel(_ gradient: Tensor, filterShape: [Int]) -> Tensor {
    let (o, kh, kw, i) = (filterShape[0], filterShape[1], filterShape[2], filterShape[3])
    let result = Tensor(uninitializedShape: filterShape)
    let source = gradient.unsafePointer, destination = result.unsafeMutablePointer
    for output in 0..<o {
      for position in 0..<(kh * kw) {
        (destination + (output * kh * kw + position) * i).update(
          from: source + (position * o + output) * i, count: i)
      }
    }
    return withExtendedLifetime(gradient) { result }
  }
}
