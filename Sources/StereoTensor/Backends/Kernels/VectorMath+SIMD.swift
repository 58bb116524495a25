/// Explicit eight-lane versions, for kernels whose loops the vectoriser cannot see through
/// (reductions, which it will not reassociate).
extension VectorMath {
  /// `eˣ` for eight lanes: ``exp(_:)-(Float)`` lane by lane, bit for bit (the same
  /// ``reducedExp(_:)``, limits and two-factor scale), written with lane-wise operations only
  /// (magic-number rounding, bit casts, selects), which compile to vector instructions. Relative
  /// error below 2e-7; 0 below ``ExpConstants/lowerLimit``, `+∞` above
  /// ``ExpConstants/upperLimit``, NaN stays NaN.
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lower = SIMD8<Float>(repeating: ExpConstants.lowerLimit)
    let upper = SIMD8<Float>(repeating: ExpConstants.upperLimit)
    let (p, shifted) = reducedExp(simdMin(simdMax(x, lower), upper))
    let exponent = exponentOf(shifted)
    // 2ᵏ as two normal factors, as in the scalar exp: k = 128 must not overflow the scale.
    let half = exponent &>> 1
    let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
    let scale2 = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = p * scale1 * scale2
    result.replace(with: 0, where: x .< lower)
    result.replace(with: .infinity, where: x .> upper)
    result.replace(with: x, where: x .!= x)
    return result
  }

  /// `eˣ` for eight lanes with every `x ≤ 0` (softmax's `x − max x`):
  /// ``expOfNonPositive(_:)-(Float)`` lane by lane, bit for bit, and equal to
  /// ``exp(_:)-(SIMD8<Float>)`` there, in fewer instructions. 0 below
  /// ``ExpConstants/lowerLimit``.
  @inlinable @inline(__always)
  public static func expOfNonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lower = SIMD8<Float>(repeating: ExpConstants.lowerLimit)
    let (p, shifted) = reducedExp(simdMax(x, lower))
    // k ∈ [−126, 0]: 2ᵏ is a normal number.
    let scale = unsafeBitCast((exponentOf(shifted) &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = p * scale
    result.replace(with: 0, where: x .< lower)
    return result
  }

  /// `k` from ``reducedExp(_:)``'s `shifted`: its bits minus the rounding magic's bits.
  @inlinable @inline(__always)
  static func exponentOf(_ shifted: SIMD8<Float>) -> SIMD8<Int32> {
    unsafeBitCast(shifted, to: SIMD8<Int32>.self)
      &- SIMD8<Int32>(repeating: Int32(bitPattern: roundingMagic.bitPattern))
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
      let e = expOfNonPositive(load8(x + index) - shift)
      store8(e, x + index)
      lanes += e
      index += 8
    }
    var sum = lanes.sum()
    while index < count {
      x[index] = expOfNonPositive(x[index] - peak)
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
