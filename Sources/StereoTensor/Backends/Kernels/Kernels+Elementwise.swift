/// A function of two floats, as a type so that kernels specialise on it (no per-element switch).
protocol BinaryFunction {
  static func apply(_ a: Float, _ b: Float) -> Float
}

/// A function of one float, as a type so that kernels specialise on it.
protocol UnaryFunction {
  static func apply(_ x: Float) -> Float
}

enum AddFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}
enum SubtractFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}
enum MultiplyFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}
enum DivideFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}
enum MaximumFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
}
enum MinimumFunction: BinaryFunction {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { b < a ? b : a }
}

enum NegateFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { -x }
}
enum AbsFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { Swift.abs(x) }
}
enum SquareRootFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { x.squareRoot() }
}
enum SquareFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { x * x }
}
enum SignFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
enum ReciprocalFunction: UnaryFunction {
  @inline(__always) static func apply(_ x: Float) -> Float { 1 / x }
}

/// Element-wise kernels: binary operations with NumPy broadcasting, unary functions, `a·x + b`.
extension Kernels {
  /// `op(a, b)` with broadcasting.
  ///
  /// Operands are collapsed to the fewest axes (see ``collapse(extents:strides:)``); the innermost
  /// axis then runs one of three vectorised loops (both contiguous, or one operand fixed across
  /// it), which covers same shapes, scalars, per-channel `[C]` vectors and `[N, H, W, 1]` maps.
  /// Anything else takes a strided loop.
  static func binary(
    _ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int]
  ) -> Tensor {
    switch operation {
    case .add: binary(AddFunction.self, lhs, rhs, outputShape)
    case .subtract: binary(SubtractFunction.self, lhs, rhs, outputShape)
    case .multiply: binary(MultiplyFunction.self, lhs, rhs, outputShape)
    case .divide: binary(DivideFunction.self, lhs, rhs, outputShape)
    case .maximum: binary(MaximumFunction.self, lhs, rhs, outputShape)
    case .minimum: binary(MinimumFunction.self, lhs, rhs, outputShape)
    }
  }

  private static func binary<F: BinaryFunction>(
    _ function: F.Type, _ lhs: Tensor, _ rhs: Tensor, _ outputShape: [Int]
  ) -> Tensor {
    let output = Tensor(uninitializedShape: outputShape)
    guard output.count > 0 else { return output }
    let shape = collapse(
      extents: outputShape,
      strides: [
        broadcastStrides(lhs.shape, outputShape: outputShape),
        broadcastStrides(rhs.shape, outputShape: outputShape),
      ])
    let a = lhs.unsafePointer, b = rhs.unsafePointer, y = output.unsafeMutablePointer
    let rank = shape.extents.count
    let inner = shape.extents[rank - 1]
    let (innerA, innerB) = (shape.strides[0][rank - 1], shape.strides[1][rank - 1])
    if rank == 1 {
      Parallel.forEachRange(inner, minimumChunk: grain) { range in
        let start = range.lowerBound
        binaryRows(
          F.self, a + start * innerA, 0, innerA, b + start * innerB, 0, innerB, y + start,
          rows: 0..<1, count: range.count)
      }
    } else if rank == 2 {
      let (outerA, outerB) = (shape.strides[0][0], shape.strides[1][0])
      Parallel.forEachRange(shape.extents[0], minimumChunk: Swift.max(1, grain / inner)) { rows in
        binaryRows(F.self, a, outerA, innerA, b, outerB, innerB, y, rows: rows, count: inner)
      }
    } else {
      let rows = output.count / inner
      Parallel.forEachRange(rows, minimumChunk: Swift.max(1, grain / inner)) { range in
        var offsets = [0, 0]
        for row in range {
          rowOffsets(row, shape, into: &offsets)
          binaryRows(
            F.self, a + offsets[0], 0, innerA, b + offsets[1], 0, innerB, y + row * inner,
            rows: 0..<1, count: inner)
        }
      }
    }
    return withExtendedLifetime((lhs, rhs)) { output }
  }

  /// `y[r·count + k] = op(a[r·outerA + k·innerA], b[r·outerB + k·innerB])` for the rows `rows`;
  /// the inner loop specialised on the inner strides (both 1, or one of them 0).
  @inline(__always)
  private static func binaryRows<F: BinaryFunction>(
    _ function: F.Type, _ a: UnsafePointer<Float>, _ outerA: Int, _ innerA: Int,
    _ b: UnsafePointer<Float>, _ outerB: Int, _ innerB: Int, _ y: UnsafeMutablePointer<Float>,
    rows: Range<Int>, count: Int
  ) {
    switch (innerA, innerB) {
    case (1, 1):
      for row in rows {
        let (x, z, out) = (a + row * outerA, b + row * outerB, y + row * count)
        for index in 0..<count { out[index] = F.apply(x[index], z[index]) }
      }
    case (1, 0):
      for row in rows {
        let (x, value, out) = (a + row * outerA, b[row * outerB], y + row * count)
        for index in 0..<count { out[index] = F.apply(x[index], value) }
      }
    case (0, 1):
      for row in rows {
        let (value, z, out) = (a[row * outerA], b + row * outerB, y + row * count)
        for index in 0..<count { out[index] = F.apply(value, z[index]) }
      }
    default:
      for row in rows {
        let (x, z, out) = (a + row * outerA, b + row * outerB, y + row * count)
        for index in 0..<count { out[index] = F.apply(x[index * innerA], z[index * innerB]) }
      }
    }
  }

  /// `op(x)` element-wise; `exp` and `log` use ``VectorMath``.
  static func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor {
    switch operation {
    case .negate: unary(NegateFunction.self, input)
    case .abs: unary(AbsFunction.self, input)
    case .exp: map(input, VectorMath.exp(_:into:count:))
    case .log: map(input, VectorMath.log(_:into:count:))
    case .sqrt: unary(SquareRootFunction.self, input)
    case .square: unary(SquareFunction.self, input)
    case .sign: unary(SignFunction.self, input)
    case .reciprocal: unary(ReciprocalFunction.self, input)
    }
  }

  /// Applies a buffer function of ``VectorMath`` in parallel chunks.
  private static func map(
    _ input: Tensor,
    _ function: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
  ) -> Tensor {
    let output = Tensor(uninitializedShape: input.shape)
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(input.count, minimumChunk: grain) { range in
      function(x + range.lowerBound, y + range.lowerBound, range.count)
    }
    return withExtendedLifetime(input) { output }
  }

  private static func unary<F: UnaryFunction>(_ function: F.Type, _ input: Tensor) -> Tensor {
    let output = Tensor(uninitializedShape: input.shape)
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(input.count, minimumChunk: grain) { range in
      let (xs, ys) = (x + range.lowerBound, y + range.lowerBound)
      for index in 0..<range.count { ys[index] = F.apply(xs[index]) }
    }
    return withExtendedLifetime(input) { output }
  }

  /// `scale·x + offset`.
  static func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor {
    let output = Tensor(uninitializedShape: input.shape)
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(input.count, minimumChunk: grain) { range in
      let (xs, ys) = (x + range.lowerBound, y + range.lowerBound)
      for index in 0..<range.count { ys[index] = scale * xs[index] + offset }
    }
    return withExtendedLifetime(input) { output }
  }
}
