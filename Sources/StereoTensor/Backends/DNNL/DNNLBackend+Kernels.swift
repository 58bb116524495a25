/// ``Backend`` conformance for the operations without a oneDNN primitive: tuned Swift kernels.
extension DNNLBackend {
  public func softmax(_ input: Tensor) -> Tensor { fallback.softmax(input) }
  public func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor { fallback.softmaxBackward(outputGradient, output: output) }
  public func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int]) -> Tensor { fallback.binary(operation, lhs, rhs, outputShape: outputShape) }
  public func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor { fallback.unary(operation, input) }
  public func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor { fallback.affine(input, scale: scale, offset: offset) }
  public func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor { fallback.reduce(operation, input, axes: axes) }
  public func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor { fallback.broadcast(input, to: shape) }
  public func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor { fallback.concatenate(inputs, axis: axis) }
  public func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor { fallback.slice(input, axis: axis, range: range) }
  public func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor { fallback.pad(input, axis: axis, before: before, after: after, mode: mode) }
  public func padBackward(_ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor { fallback.padBackward(outputGradient, axis: axis, before: before, after: after, mode: mode) }
}
