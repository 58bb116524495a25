import Foundation

extension ReferenceBackend {
  /// The flat index into a tensor of `shape` (right-aligned, extent-1 axes repeating) for a
  /// multi-index of the broadcast output.
  static func broadcastIndex(_ outputIndex: [Int], into shape: [Int]) -> Int {
    let offset = outputIndex.count - shape.count
    var flat = 0
    for axis in shape.indices {
      flat = flat * shape[axis] + (shape[axis] == 1 ? 0 : outputIndex[axis + offset])
    }
    return flat
  }

  public func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int])
    -> Tensor
  {
    let a = lhs.scalars, b = rhs.scalars
    let count = Tensor.elementCount(of: outputShape)
    var y = [Float](repeating: 0, count: count)
    for flat in 0..<count {
      let index = multiIndex(flat, in: outputShape)
      let u = a[Self.broadcastIndex(index, into: lhs.shape)]
      let v = b[Self.broadcastIndex(index, into: rhs.shape)]
      switch operation {
      case .add: y[flat] = u + v
      case .subtract: y[flat] = u - v
      case .multiply: y[flat] = u * v
      case .divide: y[flat] = u / v
      case .maximum: y[flat] = max(u, v)
      case .minimum: y[flat] = min(u, v)
      }
    }
    return Tensor(shape: outputShape, scalars: y)
  }

  public func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor {
    let y = input.scalars.map { x -> Float in
      switch operation {
      case .negate: return -x
      case .abs: return Swift.abs(x)
      case .exp: return Float(Foundation.exp(Double(x)))
      case .log: return Float(Foundation.log(Double(x)))
      case .sqrt: return Float(Double(x).squareRoot())
      case .square: return x * x
      case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
      case .reciprocal: return 1 / x
      }
    }
    return Tensor(shape: input.shape, scalars: y)
  }

  public func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor {
    Tensor(shape: input.shape, scalars: input.scalars.map { scale * $0 + offset })
  }

  public func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor {
    var outputShape = input.shape
    for axis in axes { outputShape[axis] = 1 }
    let outputCount = Tensor.elementCount(of: outputShape)
    var accumulator = [Double](
      repeating: operation == .sum ? 0 : (operation == .max ? -.infinity : .infinity),
      count: outputCount)
    let x = input.scalars
    for flat in x.indices {
      let target = Self.broadcastIndex(multiIndex(flat, in: input.shape), into: outputShape)
      let value = Double(x[flat])
      switch operation {
      case .sum: accumulator[target] += value
      case .max: accumulator[target] = max(accumulator[target], value)
      case .min: accumulator[target] = min(accumulator[target], value)
      }
    }
    return Tensor(shape: outputShape, scalars: accumulator.map(Float.init))
  }

  public func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor {
    let x = input.scalars
    let y = (0..<Tensor.elementCount(of: shape)).map { flat in
      x[Self.broadcastIndex(multiIndex(flat, in: shape), into: input.shape)]
    }
    return Tensor(shape: shape, scalars: y)
  }

  public func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor {
    var outputShape = inputs[0].shape
    outputShape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
    var y = [Float](repeating: 0, count: Tensor.elementCount(of: outputShape))
    var start = 0
    for input in inputs {
      let x = input.scalars
      for flat in x.indices {
        var index = multiIndex(flat, in: input.shape)
        index[axis] += start
        y[Self.broadcastIndex(index, into: outputShape)] = x[flat]
      }
      start += input.shape[axis]
    }
    return Tensor(shape: outputShape, scalars: y)
  }

  public func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor {
    var outputShape = input.shape
    outputShape[axis] = range.count
    let x = input.scalars
    let y = (0..<Tensor.elementCount(of: outputShape)).map { flat -> Float in
      var index = multiIndex(flat, in: outputShape)
      index[axis] += range.lowerBound
      return x[Self.broadcastIndex(index, into: input.shape)]
    }
    return Tensor(shape: outputShape, scalars: y)
  }

  public func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor
  {
    var outputShape = input.shape
    let extent = input.shape[axis]
    outputShape[axis] = extent + before + after
    let x = input.scalars
    let y = (0..<Tensor.elementCount(of: outputShape)).map { flat -> Float in
      var index = multiIndex(flat, in: outputShape)
      let source = index[axis] - before
      if source < 0 || source >= extent {
        if mode == .zero { return 0 }
        index[axis] = min(max(source, 0), extent - 1)
      } else {
        index[axis] = source
      }
      return x[Self.broadcastIndex(index, into: input.shape)]
    }
    return Tensor(shape: outputShape, scalars: y)
  }

  public func padBackward(
    _ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode
  ) -> Tensor {
    var inputShape = outputGradient.shape
    let extent = inputShape[axis] - before - after
    inputShape[axis] = extent
    var dx = [Double](repeating: 0, count: Tensor.elementCount(of: inputShape))
    let g = outputGradient.scalars
    for flat in g.indices {
      var index = multiIndex(flat, in: outputGradient.shape)
      let source = index[axis] - before
      if source < 0 || source >= extent {
        if mode == .zero { continue }
        index[axis] = min(max(source, 0), extent - 1)
      } else {
        index[axis] = source
      }
      dx[Self.broadcastIndex(index, into: inputShape)] += Double(g[flat])
    }
    return Tensor(shape: inputShape, scalars: dx.map(Float.init))
  }
}
