/// Element-wise arithmetic with NumPy broadcasting.
///
/// Shapes align from the right; an axis of extent 1 (or a missing leading axis) repeats to match.
/// A per-channel vector `[C]` therefore broadcasts over `[N, H, W, C]`, and an `[N, H, W, 1]` map
/// over the channels. Gradients are summed back over the repeated axes.
extension Tensor {
  /// The shape two operands broadcast to, or a precondition failure naming both shapes.
  public static func broadcastShape(_ lhs: [Int], _ rhs: [Int]) -> [Int] {
    let rank = Swift.max(lhs.count, rhs.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
      let a = axis - (rank - lhs.count) >= 0 ? lhs[axis - (rank - lhs.count)] : 1
      let b = axis - (rank - rhs.count) >= 0 ? rhs[axis - (rank - rhs.count)] : 1
      precondition(
        a == b || a == 1 || b == 1,
        "Shapes \(lhs) and \(rhs) do not broadcast (axis \(axis): \(a) vs \(b))")
      result[axis] = a == 1 ? b : a
    }
    return result
  }

  /// Sums a gradient of a broadcast result back to an operand's `shape`.
  public func unbroadcast(to target: [Int]) -> Tensor {
    if shape == target { return self }
    let offset = rank - target.count
    precondition(offset >= 0, "Cannot unbroadcast \(shape) to the larger rank of \(target)")
    var axes: [Int] = Array(0..<offset)
    for axis in 0..<target.count where target[axis] == 1 && shape[axis + offset] != 1 {
      axes.append(axis + offset)
    }
    let reduced = axes.isEmpty ? self : Backends.current.reduce(.sum, self, axes: axes)
    return reduced.reshaped(to: target)
  }

  static func binaryOperation(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor
  {
    let outputShape = broadcastShape(lhs.shape, rhs.shape)
    let result = Backends.current.binary(operation, lhs, rhs, outputShape: outputShape)
    guard lhs.node != nil || rhs.node != nil else { return result }
    let (lhsShape, rhsShape) = (lhs.shape, rhs.shape)
    // Each case builds its own closure so that only what its backward reads is kept alive: a sum
    // keeps neither operand, a product both.
    switch operation {
    case .add:
      return record(result, inputs: [lhs, rhs]) { g in
        [g.unbroadcast(to: lhsShape), g.unbroadcast(to: rhsShape)]
      }
    case .subtract:
      return record(result, inputs: [lhs, rhs]) { g in
        [g.unbroadcast(to: lhsShape), (-g).unbroadcast(to: rhsShape)]
      }
    case .multiply:
      let (needsLeft, needsRight) = (lhs.node != nil, rhs.node != nil)
      let (left, right) = (
        needsRight ? lhs.detached : Tensor(0), needsLeft ? rhs.detached : Tensor(0)
      )
      return record(result, inputs: [lhs, rhs]) { g in
        [
          needsLeft ? (g * right).unbroadcast(to: lhsShape) : nil,
          needsRight ? (g * left).unbroadcast(to: rhsShape) : nil,
        ]
      }
    case .divide:
      let (needsLeft, needsRight) = (lhs.node != nil, rhs.node != nil)
      let (left, right) = (lhs.detached, rhs.detached)
      return record(result, inputs: [lhs, rhs]) { g in
        [
          needsLeft ? (g / right).unbroadcast(to: lhsShape) : nil,
          needsRight ? (-(g * left) / right.squared()).unbroadcast(to: rhsShape) : nil,
        ]
      }
    case .maximum, .minimum:
      // mask = (sign(±(lhs − rhs)) + 1) / 2: 1 where lhs was picked, 0 where rhs was, and ½ on
      // ties, which splits the gradient evenly.
      let difference = Backends.current.binary(.subtract, lhs, rhs, outputShape: outputShape)
      let mask = Backends.current.affine(
        Backends.current.unary(.sign, difference), scale: operation == .maximum ? 0.5 : -0.5,
        offset: 0.5)
      return record(result, inputs: [lhs, rhs]) { g in
        [
          (g * mask).unbroadcast(to: lhsShape),
          (g * Backends.current.affine(mask, scale: -1, offset: 1)).unbroadcast(to: rhsShape),
        ]
      }
    }
  }

  static func unaryOperation(_ operation: UnaryOperation, _ input: Tensor) -> Tensor {
    let result = Backends.current.unary(operation, input)
    guard input.node != nil else { return result }
    return record(result, inputs: [input]) { g in
      switch operation {
      case .negate: return [-g]
      case .abs: return [g * input.detached.sign()]
      case .exp: return [g * result.detached]
      case .log: return [g / input.detached]
      case .sqrt: return [g / result.detached.scaled(by: 2)]
      case .square: return [g * input.detached.scaled(by: 2)]
      case .sign: return [Tensor.zeros(input.shape)]
      case .reciprocal: return [-(g * result.detached.squared())]
      }
    }
  }

  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.add, lhs, rhs) }
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.subtract, lhs, rhs) }
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.multiply, lhs, rhs) }
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { binaryOperation(.divide, lhs, rhs) }
  public static prefix func - (input: Tensor) -> Tensor { unaryOperation(.negate, input) }

  public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: 1, offset: rhs) }
  public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: 1, offset: -rhs) }
  public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: rhs, offset: 0) }
  public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: 1 / rhs, offset: 0) }
  public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: 1, offset: lhs) }
  public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: -1, offset: lhs) }
  public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: lhs, offset: 0) }

  /// The element-wise larger of two tensors (broadcasting).
  public static func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    binaryOperation(.maximum, lhs, rhs)
  }
  /// The element-wise smaller of two tensors (broadcasting).
  public static func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    binaryOperation(.minimum, lhs, rhs)
  }

  /// `scale·x + offset`, element-wise.
  public func affine(scale: Float, offset: Float) -> Tensor {
    let result = Backends.current.affine(self, scale: scale, offset: offset)
    return Tensor.record(result, inputs: [self]) { g in [g.scaled(by: scale)] }
  }

  /// `factor·x`.
  public func scaled(by factor: Float) -> Tensor { affine(scale: factor, offset: 0) }

  /// `|x|`; its gradient is `sign(x)` (0 at 0).
  public func abs() -> Tensor { Tensor.unaryOperation(.abs, self) }
  /// `eˣ`.
  public func exp() -> Tensor { Tensor.unaryOperation(.exp, self) }
  /// `ln x`.
  public func log() -> Tensor { Tensor.unaryOperation(.log, self) }
  /// `√x`.
  public func sqrt() -> Tensor { Tensor.unaryOperation(.sqrt, self) }
  /// `x²`.
  public func squared() -> Tensor { Tensor.unaryOperation(.square, self) }
  /// `sign(x)` ∈ {−1, 0, 1}; not differentiable (zero gradient).
  public func sign() -> Tensor { Tensor.unaryOperation(.sign, self) }
  /// `1 / x`.
  public func reciprocal() -> Tensor { Tensor.unaryOperation(.reciprocal, self) }
}
