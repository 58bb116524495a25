/// Explicit eight-lane versions, for kernels whose loops the vectoriser cannot see through
/// (reductions, which it will not reassociate).
extension VectorMath {
  /// `eˣ` for eight lanes: the same Cephes algorithm as ``exp(_:)-(Float)``, relative error below
  /// 2e-7, but written with lane-wise operations only (magic-number rounding, bit casts), which
  /// compile to vector instructions; inputs are clamped to [−87.3, 88.7] (no infinities, no NaN
  /// for finite input).
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let magic = SIMD8<Float>(repeating: roundingMagic)
    let clamped = simdMin(simdMax(x, SIMD8(repeating: -87.3)), SIMD8(repeating: 88.7))
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    let r2 = r * r
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r2 + r + 1
    // The low bits of `shifted` hold n + 2²² ·1.5 offset: subtracting the magic's bits gives n.
    let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
    return p * scale
  }

  /// Lane-wise minimum (`a < b ? a : b`), compiled to one vector instruction.
  @inlinable @inline(__always)
  public static func simdMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .< a)
  }

  /// Lane-wise maximum (`a > b ? a : b`), compiled to one vector instruction.
  @inlinable @inline(__always)
  public static func simdMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)
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

  /// `max x[0..<count]`, eight lanes at a time (`-greatestFiniteMagnitude` for no elements).
  @inlinable
  public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var index = 0
    var peaks = SIMD8<Float>(repeating: -.greatestFiniteMagnitude)
    while index + 8 <= count {
      peaks = simdMax(peaks, load8(x + index))
      index += 8
    }
    var peak = peaks.max()
    while index < count {
      peak = Swift.max(peak, x[index])
      index += 1
    }
    return peak
  }

  /// Replaces `x[0..<count]` by its softmax, in place. Max-subtracted for stability:
  /// `y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)`.
  @inlinable
  public static func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let peak = maximum(x, count: count)
    let shift = SIMD8<Float>(repeating: peak)
    var lanes = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      let e = exp(load8(x + index) - shift)
      store8(e, x + index)
      lanes += e
      index += 8
    }
    var sum = lanes.sum()
    while index < count {
      x[index] = exp(x[index] - peak)
      sum += x[index]
      index += 1
    }
    let inverse = SIMD8<Float>(repeating: 1 / sum)
    index = 0
    while index + 8 <= count {
      store8(load8(x + index) * inverse, x + index)
      index += 8
    }
    while index < count {
      x[index] *= inverse[0]
      index += 1
    }
  }
}
