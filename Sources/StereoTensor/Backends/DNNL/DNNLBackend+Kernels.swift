/// ``Backend`` conformance for element-wise arithmetic, reductions, layout and softmax: the tuned
/// Swift ``Kernels``. oneDNN's softmax, the one of these with a compute-heavy oneDNN primitive,
/// measured no faster (18.2 against 18.3 ms forward + backward over 48 channels at 192×336, batch
/// 6; BENCHMARKS.md, "Operations"); the others are memory-bound copies and sums.
extension DNNLBackend {
  public func softmax(_ input: Tensor) -> Tensor { Kernels.softmax(input) }

  public func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor {
    Kernels.softmaxBackward(outputGradient, output: output)
  }

  public func binary(
    _ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int]
  ) -> Tensor {
    Kernels.binary(operation, lhs, rhs, outputShape: outputShape)
  }

  public func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor {
    Kernels.unary(operation, input)
  }

  public func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor {
    Kernels.affine(input, scale: scale, offset: offset)
  }

  public func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor {
    Kernels.reduce(operation, input, axes: axes)
  }

  public func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor {
    Kernels.broadcast(input, to: shape)
  }

  public func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor {
    Kernels.concatenate(inputs, axis: axis)
  }

  public func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor {
    Kernels.slice(input, axis: axis, range: range)
  }

  public func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor
  {
    Kernels.pad(input, axis: axis, before: before, after: after, mode: mode)
  }

  public func padBackward(
    _ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode
  ) -> Tensor {
    Kernels.padBackward(outputGradient, axis: axis, before: before, after: after, mode: mode)
  }
}
