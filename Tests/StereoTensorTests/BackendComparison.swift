import StereoTensor
import Testing
import _StereoTestSupport

extension Tag {
  /// Tests that run oneDNN primitives.
  @Tag static var oneDNN: Self
}

/// How close the fast backend must come to the reference: `|fast − reference| ≤ absolute +
/// relative·|reference|` element-wise.
struct Tolerance: CustomStringConvertible {
  var absolute: Float
  var relative: Float

  /// Element-wise functions, pooling, resizing, layout: a few `Float` roundings per element.
  static let elementwise = Tolerance(absolute: 1e-6, relative: 1e-5)
  /// Batch norm, softmax and the vectorised `exp`/`log`: statistics or polynomials in `Float`.
  static let normalized = Tolerance(absolute: 1e-5, relative: 1e-5)
  /// Convolutions: sums of up to a few hundred products in `Float` (oneDNN) against `Double`
  /// (reference). Scaled by the number of products in ``forSums(of:)``.
  static func forSums(of terms: Int) -> Tolerance {
    Tolerance(absolute: 2e-6 * Float(terms).squareRoot(), relative: 1e-4)
  }

  var description: String { "absolute \(absolute), relative \(relative)" }
}

/// Expects `actual` to match `expected` within `tolerance`.
func expectClose(
  _ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard actual.shape == expected.shape else {
    Issue.record(
      "\(what()): shape \(actual.shape) differs from the reference's \(expected.shape)",
      sourceLocation: sourceLocation)
    return
  }
  let ratio = toleranceRatio(
    actual, expected, absolute: tolerance.absolute, relative: tolerance.relative)
  #expect(
    ratio <= 1,
    "\(what()): worst error \(ratio)× the tolerance (\(tolerance)); max |Δ| \(maximumAbsoluteDifference(actual, expected))",
    sourceLocation: sourceLocation)
}
