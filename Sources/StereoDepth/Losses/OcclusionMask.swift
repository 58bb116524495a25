import StereoTensor

/// Occlusion masks from left-right consistency: a pixel is kept when the other view's disparity
/// at the pixel it points to agrees with its own (``LeftRightConsistency``, the one check).
///
/// For the left view (direction −1) pixel `x` of row `y` with disparity `d_L(x)` points to the
/// right view's column `u = x − d_L(x)`; for the right view (direction +1) `u = x + d_R(x)`. The
/// other map is read there with linear sampling, `o(u) = (1 − f)·o(⌊u⌋) + f·o(⌊u⌋ + 1)`,
/// `f = u − ⌊u⌋`, and
///
///     mask(x) = 1  if 0 ≤ u ≤ W − 1 and |d(x) − o(u)| ≤ threshold,  else 0
///
/// (a pixel pointing outside the other view cannot be checked and is left out). The mask is a
/// constant: no gradient flows through it.
public enum OcclusionMask {
  /// The mask of the view with disparity `own` against the other view's `other`.
  ///
  /// - Parameters:
  ///   - own: This view's disparity, `[N, H, W, 1]`, in pixels of its grid.
  ///   - other: The other view's disparity, the same shape.
  ///   - direction: −1 for the left view (`x − d`), +1 for the right view (`x + d`).
  ///   - threshold: The largest disagreement kept, in pixels.
  /// - Returns: `[N, H, W, 1]` of 0 and 1, without gradient.
  public static func consistent(own: Tensor, other: Tensor, direction: Float, threshold: Float)
    -> Tensor
  {
    precondition(
      own.shape == other.shape && own.shape.count == 4 && own.shape[3] == 1,
      "Disparities must be [N, H, W, 1] of one shape, got \(own.shape) and \(other.shape)")
    let difference = LeftRightConsistency.difference(own: own, other: other, direction: direction)
    return Tensor(shape: own.shape, scalars: difference.scalars.map { $0 <= threshold ? 1 : 0 })
  }

  /// Both views' masks: the left view's (direction −1) and the right view's (direction +1), by
  /// the left-right check or, with ``LossConfiguration/OcclusionRule/coverage``, by
  /// ``covered(other:direction:)`` (which ignores `threshold`).
  public static func masks(
    left: Tensor, right: Tensor, threshold: Float,
    rule: LossConfiguration.OcclusionRule = .leftRight
  ) -> (left: Tensor, right: Tensor) {
    switch rule {
    case .leftRight:
      (
        consistent(own: left, other: right, direction: -1, threshold: threshold),
        consistent(own: right, other: left, direction: 1, threshold: threshold)
      )
    case .coverage: (covered(other: right, direction: -1), covered(other: left, direction: 1))
    }
  }
}
