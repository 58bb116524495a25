import StereoTensor

extension OcclusionMask {
  /// The largest step between neighbouring disparities of the other view, in pixels of the scale,
  /// across which ``covered(other:direction:)`` treats the two pixels as one surface.
  public static let coverageStep: Float = 1

  /// The mask of the pixels that the other view sees: a pixel is kept when some pixel of the other
  /// view maps onto it (how SGM tells occlusions from mismatches, Hirschmüller 2008).
  ///
  /// The other view's pixel `u` of a row, with disparity `o(u)`, lands in this view at
  /// `t(u) = u − direction·o(u)` (the left view, direction −1: `t = u + d_R(u)`; the right view,
  /// +1: `t = u − d_L(u)`). Pixel `x` is kept when
  ///
  ///     x = round(t(u)) for some u,   or   min(t(u), t(u+1)) ≤ x ≤ max(t(u), t(u+1))
  ///                                         for some u with |o(u+1) − o(u)| ≤ coverageStep.
  ///
  /// Unlike ``consistent(own:other:direction:threshold:)`` it does not read this view's own
  /// disparity: a visible pixel whose estimate is wrong is still kept, so the reconstruction and
  /// consistency terms can correct it, while the pixels a nearer surface hides in the other view
  /// (and those outside it) are left out. The mask is a constant: no gradient flows through it.
  ///
  /// - Parameters:
  ///   - other: The other view's disparity, `[N, H, W, 1]`, in pixels of its grid.
  ///   - direction: −1 for the left view's mask, +1 for the right view's.
  /// - Returns: `[N, H, W, 1]` of 0 and 1, without gradient.
  public static func covered(other: Tensor, direction: Float) -> Tensor {
    precondition(
      other.shape.count == 4 && other.shape[3] == 1,
      "A disparity map must be [N, H, W, 1], got \(other.shape)")
    let width = other.shape[2]
    let source = other.scalars
    var mask = [Float](repeating: 0, count: source.count)
    func mark(_ row: Int, from low: Float, to high: Float) {
      let first = Swift.max(Int(low.rounded(.up)), 0)
      let last = Swift.min(Int(high.rounded(.down)), width - 1)
      if first <= last { for x in first...last { mask[row + x] = 1 } }
    }
    for row in stride(from: 0, to: source.count, by: width) {
      for u in 0..<width {
        let o = source[row + u]
        guard o.isFinite else { continue }
        let t = Float(u) - direction * o
        let nearest = t.rounded()
        if nearest >= 0 && nearest <= Float(width - 1) { mask[row + Int(nearest)] = 1 }
        guard u + 1 < width else { continue }
        let next = source[row + u + 1]
        guard next.isFinite && Swift.abs(next - o) <= coverageStep else { continue }
        let tNext = Float(u + 1) - direction * next
        mark(row, from: Swift.min(t, tNext), to: Swift.max(t, tNext))
      }
    }
    return Tensor(shape: other.shape, scalars: mask)
  }
}
