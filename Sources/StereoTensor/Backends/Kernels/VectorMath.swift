/// `exp` and `log` for `Float` written so that loops calling them vectorise.
///
/// `Foundation.exp` is an opaque library call per element. These use only multiplies, adds,
/// compares and bit casts, which the loop vectoriser turns into SSE/AVX code; rounding uses the
/// `1.5·2²³` trick rather than `rounded()`, which compiles to a `rintf` call on baseline x86-64.
/// Both are the Cephes single-precision algorithms: relative error below 2e-7 (about 2 ulp) over
/// the whole range, checked against `Double` in the tests.
///
/// Kernels call the buffer functions (`exp(_:into:count:)` …) rather than the scalar ones: the
/// loops must sit in the same file as the scalar functions for them to inline in debug builds
/// (which compile file by file), and an `exp` that is called rather than inlined does not
/// vectorise.
public enum VectorMath {
  /// Adding then subtracting `1.5·2²³` rounds a `Float` of magnitude below 2²² to an integer.
  public static let roundingMagic: Float = 12_582_912

  /// The constants of every `exp` here, scalar and eight-lane: one definition, so the paths
  /// cannot drift apart. Cephes `expf` (S. L. Moshier, Cephes Math Library, 1984-1992).
  public enum ExpConstants {
    /// `log₂e`, for `k = round(x·log₂e)`.
    @inlinable public static var log2e: Float { 1.442_695_04 }
    /// `ln2` rounded to 8 significant bits (`355/512`), so that `k·ln2High` is exact for every
    /// `|k| ≤ 2¹⁵`.
    @inlinable public static var ln2High: Float { 0.693_359_375 }
    /// `ln2High − ln2`: adding `k·ln2Excess` completes `r = x − k·ln2`.
    @inlinable public static var ln2Excess: Float { 2.121_944_4e-4 }
    /// The coefficients of `P` in `eʳ ≈ 1 + r + r²·(p0 + p1·r + … + p5·r⁵)`, `|r| ≤ ln2/2`:
    /// Cephes' minimax fit, close to `1/(n + 2)!`.
    @inlinable public static var p0: Float { 5.000_000_12e-1 }
    /// See ``p0``.
    @inlinable public static var p1: Float { 1.666_666_55e-1 }
    /// See ``p0``.
    @inlinable public static var p2: Float { 4.166_579_59e-2 }
    /// See ``p0``.
    @inlinable public static var p3: Float { 8.333_451_9e-3 }
    /// See ``p0``.
    @inlinable public static var p4: Float { 1.398_199_95e-3 }
    /// See ``p0``.
    @inlinable public static var p5: Float { 1.987_569_15e-4 }
    /// `ln 2⁻¹²⁶ = −87.33654…` as a `Float`: below it `eˣ` would be subnormal; the kernels return
    /// 0 there.
    @inlinable public static var lowerLimit: Float { -87.336_54 }
    /// Just below `ln(Float.greatestFiniteMagnitude) = 88.722839…`: above it the kernels return
    /// `+∞`, and at it `k = 128`, which the two-factor scale handles.
    @inlinable public static var upperLimit: Float { 88.722_83 }
  }

  /// `eˣ`.
  ///
  /// `eˣ = 2ᵏ·eʳ` with `k = round(x·log₂e)` and `r = x − k·ln2` (ln2 split in two for an exact
  /// product), `|r| ≤ ln2/2`, and `eʳ` a degree-7 polynomial (``reducedExp(_:)``). Below
  /// ``ExpConstants/lowerLimit`` the result is 0 (instead of a subnormal), above
  /// ``ExpConstants/upperLimit`` it is `+∞`; NaN stays NaN. Bit-for-bit equal to the eight-lane
  /// ``exp(_:)-(SIMD8<Float>)``.
  @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let lower = ExpConstants.lowerLimit, upper = ExpConstants.upperLimit
    let clamped = Swift.min(Swift.max(x, lower), upper)
    let (p, shifted) = reducedExp(clamped)
    let exponent =
      Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: roundingMagic.bitPattern)
    // k ∈ [−126, 128]; 2ᵏ as two normal factors 2^⌊k/2⌋·2^(k−⌊k/2⌋), built from their bits,
    // so that k = 128 (x just below the overflow threshold) does not overflow the scale.
    let half = exponent >> 1
    let scale1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
    let scale2 = Float(bitPattern: UInt32(bitPattern: (exponent &- half &+ 127) << 23))
    let result = p * scale1 * scale2
    // A NaN passes through the clamp and the arithmetic as NaN: no test needed.
    let underflowed = x < lower ? 0 : result
    return x > upper ? Float.infinity : underflowed
  }

  /// `eˣ` for `x ≤ 0` (softmax's `x − max x`): ``exp(_:)-(Float)`` without the overflow and NaN
  /// handling, half its instructions; equal to it bit for bit for `x ≤ 0`. Below
  /// ``ExpConstants/lowerLimit`` the result is 0. Inlinable: its callers in other modules run
  /// it once per candidate of every pixel.
  @inlinable @inline(__always)
  public static func expOfNonPositive(_ x: Float) -> Float {
    let lower = ExpConstants.lowerLimit
    let clamped = x < lower ? lower : x
    let (p, shifted) = reducedExp(clamped)
    let exponent =
      Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: roundingMagic.bitPattern)
    // k ∈ [−126, 0]: 2ᵏ is a normal number.
    let scale = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) << 23))
    return x < lower ? 0 : p * scale
  }

  /// The core every `exp` here shares, scalar and eight-lane, for an `x` already clamped to
  /// [``ExpConstants/lowerLimit``, ``ExpConstants/upperLimit``]:
  ///
  ///     shifted = x·log₂e + 1.5·2²³        // its low mantissa bits hold k = round(x·log₂e)
  ///     k = shifted − 1.5·2²³
  ///     r = (x − k·ln2High) + k·ln2Excess  // = x − k·ln2, the first product exact
  ///     eʳ ≈ 1 + r + r²·P(r)               // P of degree 5, coefficients ExpConstants.p0…p5
  ///
  /// so that `eˣ = eʳ·2ᵏ`; the caller takes `k` from the bits of `shifted` and builds `2ᵏ`.
  /// Written once, generically, so the scalar and the SIMD paths run the same operations in the
  /// same order and agree bit for bit.
  @inlinable @inline(__always)
  static func reducedExp<V: ExpArithmetic>(_ clamped: V) -> (polynomial: V, shifted: V) {
    let magic = V(broadcasting: roundingMagic)
    let shifted = clamped * V(broadcasting: ExpConstants.log2e) + magic
    let k = shifted - magic
    var r = clamped - k * V(broadcasting: ExpConstants.ln2High)
    r = r + k * V(broadcasting: ExpConstants.ln2Excess)
    let r2 = r * r
    var p = V(broadcasting: ExpConstants.p5)
    p = p * r + V(broadcasting: ExpConstants.p4)
    p = p * r + V(broadcasting: ExpConstants.p3)
    p = p * r + V(broadcasting: ExpConstants.p2)
    p = p * r + V(broadcasting: ExpConstants.p1)
    p = p * r + V(broadcasting: ExpConstants.p0)
    p = p * r2 + r + V(broadcasting: 1)
    return (p, shifted)
  }

  /// `ln x`: `−∞` at 0, NaN below 0, `+∞` at `+∞`.
  ///
  /// `x = m·2ᵉ` with `m ∈ [√½, √2)`, `ln x = e·ln2 + ln m`, `ln m` a degree-9 polynomial in
  /// `m − 1`. Subnormal inputs are scaled by 2²³ first.
  @inline(__always)
  public static func log(_ x: Float) -> Float {
    let isSubnormal = x < Float.leastNormalMagnitude
    let scaled = isSubnormal ? x * 8_388_608 : x
    let bits = Int32(bitPattern: scaled.bitPattern)
    var exponent = (bits >> 23) &- 127
    var m = Float(bitPattern: UInt32(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000))  // [1, 2)
    let isLarge = m > 1.414_213_56
    m = isLarge ? m * 0.5 : m
    exponent = isLarge ? exponent &+ 1 : exponent
    let e = Float(exponent) - (isSubnormal ? 23 : 0)
    let f = m - 1
    let f2 = f * f
    var p: Float = 7.037_683_6e-2
    p = p * f - 1.151_461_03e-1
    p = p * f + 1.167_699_87e-1
    p = p * f - 1.242_014_08e-1
    p = p * f + 1.424_932_28e-1
    p = p * f - 1.666_805_77e-1
    p = p * f + 2.000_071_48e-1
    p = p * f - 2.499_999_4e-1
    p = p * f + 3.333_333_1e-1
    var result = p * f * f2
    result = result + e * -2.121_944_4e-4
    result = result - 0.5 * f2
    result = f + result
    result = result + e * 0.693_359_375
    let special =
      x == 0 ? -Float.infinity : (x < 0 || x.isNaN ? Float.nan : Float.infinity)
    return x > 0 && x < Float.infinity ? result : special
  }

  /// `y[k] = eˣ⁽ᵏ⁾` for `k < count`.
  public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)
  {
    for k in 0..<count { y[k] = exp(x[k]) }
  }

  /// `y[k] = ln x[k]` for `k < count`.
  public static func log(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int)
  {
    for k in 0..<count { y[k] = log(x[k]) }
  }

  /// `y[k] = e^(x[k] − shift)` for `k < count`, where every `x[k] ≤ shift` (softmax).
  public static func exp(
    _ x: UnsafePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, count: Int
  ) {
    for k in 0..<count { y[k] = expOfNonPositive(x[k] - shift) }
  }
}

// MARK: - Eight lanes

/// Explicit eight-lane versions, for kernels whose loops the vectoriser cannot see through
/// (reductions, which it will not reassociate).
///
/// They sit in the same file as the scalar functions and ``VectorMath/reducedExp(_:)``: in
/// builds that compile file by file, an `@inlinable` generic from another file of the module is
/// neither inlined nor specialised, which made `softmaxInPlace` 12x slower (measured).
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
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float
  {
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

/// The arithmetic ``VectorMath/reducedExp(_:)`` needs, lane-wise: `Float` and `SIMD8<Float>`.
@usableFromInline protocol ExpArithmetic {
  /// A value with `value` in every lane.
  init(broadcasting value: Float)
  static func + (lhs: Self, rhs: Self) -> Self
  static func - (lhs: Self, rhs: Self) -> Self
  static func * (lhs: Self, rhs: Self) -> Self
}

extension Float: ExpArithmetic {
  @inlinable @inline(__always)
  init(broadcasting value: Float) { self = value }
}

extension SIMD8: ExpArithmetic where Scalar == Float {
  @inlinable @inline(__always)
  init(broadcasting value: Float) { self.init(repeating: value) }
}
