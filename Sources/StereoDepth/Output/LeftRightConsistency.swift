internal import CStereoKernels
import StereoTensor

/// How far a view's disparity disagrees with the other view's at the pixel it points to: the
/// left-right check shared by ``OcclusionMask`` (training) and ``InvalidPixelRule`` (inference).
///
/// For the left view (direction −1) pixel `x` of row `y` with disparity `d(x)` points to the
/// right view's column `u = x − d(x)`; for the right view (direction +1) `u = x + d(x)`. The
/// other map `o` is read there with linear sampling, `o(u) = (1 − f)·o(⌊u⌋) + f·o(⌊u⌋ + 1)`,
/// `f = u − ⌊u⌋`, and
///
///     e(x) = |d(x) − o(u)|   if 0 ≤ u ≤ W − 1,   else +∞
///
/// (a pixel pointing outside the other view, or with a non-finite disparity, cannot be
/// checked). For the left view this is `|d_L(x) − d_R(x − d_L(x))|`.
public enum LeftRightConsistency {
  /// The disagreement `e` of `own` against `other`, as described above.
  ///
  /// - Parameters:
  ///   - own: This view's disparity, `[N, H, W, 1]`, in pixels of its grid.
  ///   - other: The other view's disparity, the same shape.
  ///   - direction: −1 for the left view (`x − d`), +1 for the right view (`x + d`).
  /// - Returns: `[N, H, W, 1]` in pixels, `+∞` where the check cannot be made; no gradient.
  public static func difference(own: Tensor, other: Tensor, direction: Float) -> Tensor {
    difference(own: own, other: other, direction: direction, vectorized: VectorKernels.available)
  }

  /// ``difference(own:other:direction:)`` with each row in C (`vectorized`:
  /// `wnet_left_right_row`, eight pixels per AVX2 vector, the same operations, so the same bits)
  /// or in Swift alone.
  package static func difference(
    own: Tensor, other: Tensor, direction: Float, vectorized: Bool
  ) -> Tensor {
    precondition(
      own.shape == other.shape && own.shape.count == 4 && own.shape[3] == 1,
      "Disparities must be [N, H, W, 1] of one shape, got \(own.shape) and \(other.shape)")
    let width = own.shape[2]
    let rows = own.shape[0] * own.shape[1]
    let result = Tensor(uninitializedShape: own.shape)
    let pointers = UncheckedSendable(
      (own.unsafePointer, other.unsafePointer, result.unsafeMutablePointer))
    Parallel.forEachRange(rows, minimumChunk: max(1, 16_384 / max(width, 1))) { range in
      let (ownValues, otherValues, output) = pointers.value
      for row in range {
        let base = row * width
        if vectorized {
          wnet_left_right_row(
            ownValues + base, otherValues + base, Int32(width), direction, output + base)
          continue
        }
        for x in 0..<width {
          output[base + x] = disagreement(
            ownValues[base + x], x: x, direction: direction, other: otherValues + base,
            width: width)
        }
      }
    }
    return withExtendedLifetime((own, other)) { result }
  }

  /// `e` for one pixel: `d` at column `x` against the other view's row `other` (`width` values).
  @inlinable
  public static func disagreement(
    _ d: Float, x: Int, direction: Float, other: UnsafePointer<Float>, width: Int
  ) -> Float {
    let u = Float(x) + direction * d
    guard u >= 0, u <= Float(width - 1) else { return .infinity }
    let left = Int(u.rounded(.down))
    let fraction = u - Float(left)
    let right = Swift.min(left + 1, width - 1)
    let e = abs(d - ((1 - fraction) * other[left] + fraction * other[right]))
    return e.isNaN ? .infinity : e
  }
}
