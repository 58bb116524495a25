import StereoTensor

extension SmoothnessLoss {
  /// Edge-aware second-order smoothness on mean-normalised disparity: a planar prior, zero on any
  /// plane (slanted ones included), for weakly textured surfaces where the appearance term is flat.
  ///
  ///     d̄ = (d − d₀) / (mean_{H,W}(d − d₀) + 1e-7)        per sample, as edgeAware
  ///     g_x(y, x) = mean_c|I(y, x+1) − I(y, x)|            the step from x to x+1
  ///     mean over 1 ≤ x ≤ W−2 of |d̄(y, x−1) − 2·d̄(y, x) + d̄(y, x+1)|·exp(−(g_x(y, x−1) + g_x(y, x)))
  ///     + the same along y (an axis shorter than 3 adds nothing)
  ///
  /// A pixel's term fades when either of its two steps crosses an image edge.
  ///
  /// - Parameters:
  ///   - disparity: `[N, H, W, 1]`.
  ///   - image: `[N, H, W, C]`, the view the disparity belongs to (data: no gradient).
  ///   - minimumDisparity: d₀, so that the normalised map is non-negative.
  /// - Returns: A scalar.
  public static func secondOrder(disparity: Tensor, image: Tensor, minimumDisparity: Float)
    -> Tensor
  {
    let normalised = meanNormalised(disparity, minimumDisparity: minimumDisparity)
    let guide = image.detached
    var total: Tensor?
    for axis in [2, 1] {
      let extent = disparity.shape[axis]
      guard extent > 2 else { continue }
      /// `f(i + 1) − f(i)` for `0 ≤ i < length − 1` along the axis.
      func step(_ f: Tensor, _ length: Int) -> Tensor {
        f.slice(axis: axis, 1..<length) - f.slice(axis: axis, 0..<(length - 1))
      }
      let first = step(normalised, extent)
      let second = step(first, extent - 1).abs()
      let g = step(guide, extent).abs().mean(axes: [3], keepingDimensions: true)
      let weight =
        (-(g.slice(axis: axis, 0..<(extent - 2)) + g.slice(axis: axis, 1..<(extent - 1))))
        .exp()
      let term = (second * weight).mean()
      total = total.map { $0 + term } ?? term
    }
    return total ?? Tensor(0)
  }
}
