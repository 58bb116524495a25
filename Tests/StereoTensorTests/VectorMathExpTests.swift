import Foundation
import StereoTensor
import Testing

/// The scalar and eight-lane `exp` kernels share one range reduction, polynomial and set of
/// limits (`VectorMath.ExpConstants`): they must agree bit for bit, and both must match
/// `Foundation.exp` in `Double`, rounded to `Float`.
@Suite("VectorMath exp: scalar and SIMD8 agree")
struct VectorMathExpTests {
  /// The largest relative error allowed against `Float(Foundation.exp(Double(x)))` for a normal
  /// result: 2e-7, under 2 ulp (measured worst over this grid: 1.18e-7).
  static let relativeTolerance: Float = 2e-7

  /// A grid over [−100, 100] in steps of 1/128 (so it crosses both limits), the limits and their
  /// neighbouring floats, the points where `k` changes (`(j + ½)·ln2`), and special values.
  static var grid: [Float] {
    let lower = VectorMath.ExpConstants.lowerLimit, upper = VectorMath.ExpConstants.upperLimit
    var values = stride(from: -100 as Float, through: 100, by: 1 / 128).map { $0 }
    for limit in [lower, upper] {
      var below = limit, above = limit
      for _ in 0..<4 {
        below = below.nextDown
        above = above.nextUp
        values += [below, above]
      }
      values.append(limit)
    }
    for j in -127...128 {
      let edge = (Float(j) + 0.5) * 0.693_147_2
      values += [edge.nextDown, edge, edge.nextUp]
    }
    values += [
      0, -0.0, 1e-30, -1e-30, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1,
      .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
    ]
    while values.count % 8 != 0 { values.append(0.5) }
    return values
  }

  /// The eight-lane kernel `simd` applied to `values`, eight at a time.
  static func lanes(_ values: [Float], _ simd: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
    var result: [Float] = []
    for start in stride(from: 0, to: values.count, by: 8) {
      let vector = simd(SIMD8(values[start..<(start + 8)]))
      result += (0..<8).map { vector[$0] }
    }
    return result
  }

  @Test("exp: scalar and SIMD8 are bit-for-bit equal, limits, infinities and NaN included")
  func scalarMatchesSIMD() {
    let values = Self.grid
    let simd = Self.lanes(values, VectorMath.exp)
    var mismatches = 0
    for (x, vector) in zip(values, simd) where VectorMath.exp(x).bitPattern != vector.bitPattern {
      mismatches += 1
      if mismatches <= 5 { Issue.record("exp(\(x)): scalar \(VectorMath.exp(x)), SIMD8 \(vector)") }
    }
    #expect(mismatches == 0, "\(mismatches) of \(values.count) differ")
  }

  @Test("expOfNonPositive: scalar, SIMD8 and the full exp agree bit for bit for x ≤ 0")
  func nonPositiveMatches() {
    let values = Self.grid.map { $0.isNaN ? $0 : -Swift.abs($0) }
    let simd = Self.lanes(values, VectorMath.expOfNonPositive)
    for (x, vector) in zip(values, simd) where !x.isNaN {
      let scalar = VectorMath.expOfNonPositive(x)
      #expect(scalar.bitPattern == vector.bitPattern, "x = \(x): \(scalar) vs \(vector)")
      #expect(scalar.bitPattern == VectorMath.exp(x).bitPattern, "x = \(x)")
    }
  }

  @Test("Both match Foundation.exp within 2e-7 relative; 0 below and +∞ above the limits")
  func matchesFoundation() {
    let lower = VectorMath.ExpConstants.lowerLimit, upper = VectorMath.ExpConstants.upperLimit
    let values = Self.grid
    let simd = Self.lanes(values, VectorMath.exp)
    var worst: Float = 0
    for (x, vector) in zip(values, simd) {
      let scalar = VectorMath.exp(x)
      if x.isNaN {
        #expect(scalar.isNaN && vector.isNaN)
        continue
      }
      let expected = Float(Foundation.exp(Double(x)))
      if x < lower {
        // Foundation's result is subnormal or 0 here; the kernels flush it to 0.
        #expect(expected < Float.leastNormalMagnitude)
        #expect(scalar == 0 && vector == 0, "exp(\(x)) = \(scalar), \(vector)")
      } else if x > upper {
        #expect(scalar == .infinity && vector == .infinity, "exp(\(x)) = \(scalar)")
      } else {
        #expect(expected.isNormal && expected.isFinite, "exp(\(x)) = \(expected)")
        let error = Swift.abs(scalar - expected) / expected
        worst = Swift.max(worst, error)
        #expect(error <= Self.relativeTolerance, "exp(\(x)) = \(scalar), expected \(expected)")
      }
    }
    // Foundation's own limits bracket ours: ln(2⁻¹²⁶) ≤ lower and upper < ln(Float.max).
    #expect(Foundation.exp(Double(lower)) >= Double(Float.leastNormalMagnitude))
    #expect(Foundation.exp(Double(upper)) < Double(Float.greatestFiniteMagnitude))
    #expect(Foundation.exp(Double(upper.nextUp)) < Double(Float.greatestFiniteMagnitude) * 1.001)
    print("VectorMath.exp: worst relative error \(worst) over \(values.count) points")
  }
}
