extension SyntheticStereoGenerator {
  /// The two planes of a folded background.
  ///
  /// They cross along the line through `centre` perpendicular to `normal` (a unit vector); the
  /// renderer shows the nearer one, so the seen surface is
  ///
  ///     d(p) = max(p₁(p), p₂(p)) = d_c + g·(p − c) + k·|n·(p − c)|,
  ///     p₁ = d_c + (g − k·n)·(p − c),   p₂ = d_c + (g + k·n)·(p − c),
  ///
  /// with `d_c = disparity`, `g = slope`, `k = rise` (≥ 0, pixels of disparity per pixel away
  /// from the crease), `c = centre`: a valley whose floor is the crease, as a book's gutter or a
  /// room's corner seen from inside.
  ///
  /// Both planes are kept in range over the box `columns × rows` (each whole, not only where it
  /// is seen): if their joint spread over the box's corners exceeds the range, `g` and `k` shrink
  /// together; then both shift by the same amount, so the crease stays where it is. Each plane's
  /// `∂d/∂x` stays within ±0.5, so both face the right camera.
  func foldedBackground(
    centre: SIMD2<Float>, disparity: Float, slope: SIMD2<Float>, normal: SIMD2<Float>,
    rise: Float, columns: ClosedRange<Float>, rows: ClosedRange<Float>
  ) -> (DisparityPlane, DisparityPlane) {
    let low = configuration.minimumDisparity
    let high = configuration.maximumDisparity
    var gradients = [slope - rise * normal, slope + rise * normal]
    // ∂d/∂x < 1 keeps a plane visible from the right camera; stay well below.
    let steepest = gradients.map { abs($0.x) }.max()!
    if steepest > 0.5 { gradients = gradients.map { $0 * (0.5 / steepest) } }
    let corners = [
      SIMD2(columns.lowerBound, rows.lowerBound), SIMD2(columns.upperBound, rows.lowerBound),
      SIMD2(columns.lowerBound, rows.upperBound), SIMD2(columns.upperBound, rows.upperBound),
    ].map { $0 - centre }
    func extremes(_ gradients: [SIMD2<Float>]) -> (Float, Float) {
      let values = gradients.flatMap { g in corners.map { disparity + (g * $0).sum() } }
      return (values.min()!, values.max()!)
    }
    var (lowest, highest) = extremes(gradients)
    if highest - lowest > high - low {
      let factor = (high - low) / (highest - lowest) * 0.99
      gradients = gradients.map { $0 * factor }
      (lowest, highest) = extremes(gradients)
    }
    var shift: Float = 0
    if lowest < low { shift = low - lowest }
    if highest + shift > high { shift = high - highest }
    let planes = gradients.map { g in
      DisparityPlane(a: g.x, b: g.y, c: disparity + shift - (g * centre).sum())
    }
    return (planes[0], planes[1])
  }
}
