/// `exp` and `log` for `Float` written so that loops calling them vectorise.
///
/// `Foundation.exp` is an opaque library call per element. These use only multiplies, adds,
/// compares and bit casts, which the loop vectoriser turns into SSE/AVX code; rounding uses the
/// `1.5·2²³` trick rather than `rounded()`, which compiles to a `rintf` call on baseline x86-64.
/// Both are the Cephes single-precision algorithms: relative error below 2e-7 (about 2 ulp) over
/// the whole range, checked against `Double` in the tests.
///
/// Kernels call the buffer functions at the end of this file rather than the scalar ones: the
/// loops must sit in the same file as the scalar functions for them to inline in debug builds
/// (which compile file by file), and an `exp` that is called rather than inlined does not
/// vectorise.
public enum VectorMath {
  /// Adding then subtracting `1.5·2²³` rounds a `Float` of magnitude below 2²² to an integer.
  public static let roundingMagic: Float = 12_582_912

  /// `eˣ`.
  ///
  /// `eˣ = 2ᵏ·eʳ` with `k = round(x·log₂e)` and `r = x − k·ln2` (ln2 split in two for an exact
  /// product), `|r| ≤ ln2/2`, and `eʳ` a degree-7 polynomial. Below −87.34 the result is 0
  /// (instead of a subnormal), above 88.72 it is `+∞`; NaN stays NaN.
  @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.336_54), 88.722_83)
    let (p, exponent) = reducedExp(clamped)
    // k ∈ [−126, 128]; 2ᵏ as two normal factors 2^⌊k/2⌋·2^(k−⌊k/2⌋), built from their bits,
    // so that k = 128 (x just below the overflow threshold) does not overflow the scale.
    let half = exponent >> 1
    let scale1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
    let scale2 = Float(bitPattern: UInt32(bitPattern: (exponent &- half &+ 127) << 23))
    let result = p * scale1 * scale2
    let underflowed = x < -87.336_54 ? 0 : result
    let overflowed = x > 88.722_83 ? Float.infinity : underflowed
    return x.isNaN ? x : overflowed
  }

  /// The shared core of ``exp(_:)`` and ``expOfNonPositive(_:)`` for a clamped `x`:
  /// `k = round(x·log₂e)`, `r = x − k·ln2` (ln2 split in two for an exact product), and `eʳ` as a
  /// degree-7 polynomial, so that `eˣ = eʳ·2ᵏ`.
  @inline(__always)
  static func reducedExp(_ clamped: Float) -> (p: Float, exponent: Int32) {
    let shifted = clamped * 1.442_695_04 + roundingMagic
    let k = shifted - roundingMagic
    let exponent = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: roundingMagic.bitPattern)
    var r = clamped - k * 0.693_359_375
    r = r + k * 2.121_944_4e-4
    let r2 = r * r
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r2 + r + 1
    return (p, exponent)
  }

  /// `eˣ` for `x ≤ 0` (softmax's `x − max x`): ``exp(_:)`` without the overflow and NaN
  /// handling, half its instructions. Below −87.34 the result is 0.
  @inline(__always)
  public static func expOfNonPositive(_ x: Float) -> Float {
    let clamped = x < -87.336_54 ? -87.336_54 : x
    let (p, exponent) = reducedExp(clamped)
    // k ∈ [−126, 0]: 2ᵏ is a normal number.
    let scale = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) << 23))
    return x < -87.336_54 ? 0 : p * scale
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
  public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for k in 0..<count { y[k] = exp(x[k]) }
  }

  /// `y[k] = ln x[k]` for `k < count`.
  public static func log(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for k in 0..<count { y[k] = log(x[k]) }
  }

  /// `y[k] = e^(x[k] − shift)` for `k < count`, where every `x[k] ≤ shift` (softmax).
  public static func exp(
    _ x: UnsafePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, count: Int
  ) {
    for k in 0..<count { y[k] = expOfNonPositive(x[k] - shift) }
  }
}
