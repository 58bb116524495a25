/// Explicit eight-lane versions, for kernels whose loops the vectoriser cannot see through
/// (reductions, which it will not reassociate).
extension VectorMath {
  /// `eˣ` for eight lanes, relative error below 2e-7 on [−87, 88]; inputs below −87.3 give 0 and
  /// above 88.7 give `Float.greatestFiniteMagnitude`-scale values (no infinities, no NaN for
  /// finite input).
  ///
  /// Range reduction `x = n·ln 2 + r` with `|r| ≤ ln2/2` (ln 2 split in two parts for exactness),
  /// a degree-6 minimax polynomial for `eʳ` (Cephes `expf`), and `2ⁿ` built in the exponent bits.
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var x = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.7))
    let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
    x = x - n * 0.693_359_375
    x = x - n * -2.121_944_4e-4
    let x2 = x * x
    var p: SIMD8<Float> = SIMD8(repeating: 1.987_569_1e-4)
    p = p * x + 1.398_199_9e-3
    p = p * x + 8.333_451_9e-3
    p = p * x + 4.166_579_6e-2
    p = p * x + 0.166_666_66
    p = p * x + 0.5
    p = p * x2 + x + 1
    let exponent = (SIMD8<Int32>(n) &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
  }

  /// `Σ a[i]·b[i]` over `count` elements, in eight accumulator lanes.
  @inlinable @inline(__always)
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var accumulator = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      accumulator += load8(a + index) * load8(b + index)
      index += 8
    }
    var sum = accumulator.sum()
    while index < count {
      sum += a[index] * b[index]
      index += 1
    }
    return sum
  }

  /// Eight floats from a possibly unaligned address.
  @inlinable @inline(__always)
  public static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// Stores eight floats at a possibly unaligned address.
  @inlinable @inline(__always)
  public static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
  }

  /// Replaces `x[0..<count]` by its softmax, in place; returns nothing. Max-subtracted for
  /// stability: `y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)`.
  @inlinable
  public static func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var peak = -Float.infinity
    for index in 0..<count { peak = Swift.max(peak, x[index]) }
    var sum: Float = 0
    var index = 0
    var lanes = SIMD8<Float>()
    let shift = SIMD8<Float>(repeating: peak)
    while index + 8 <= count {
      let e = exp(load8(x + index) - shift)
      store8(e, x + index)
      lanes += e
      index += 8
    }
    sum = lanes.sum()
    if index < count {
      var tail = SIMD8<Float>(repeating: -.infinity)
      for lane in 0..<(count - index) { tail[lane] = x[index + lane] }
      let e = exp(tail - shift)
      for lane in 0..<(count - index) {
        x[index + lane] = e[lane]
        sum += e[lane]
      }
    }
    let inverse = 1 / sum
    for index in 0..<count { x[index] *= inverse }
  }
}
