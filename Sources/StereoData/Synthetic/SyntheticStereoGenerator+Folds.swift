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
  /// is seen) by ``fitted(centre:disparity:slopes:columns:rows:)``, so the crease stays where it
  /// is. Each plane's `∂d/∂x` stays within ±0.5, so both face the right camera.
  func foldedBackground(
    centre: SIMD2<Float>, disparity: Float, slope: SIMD2<Float>, normal: SIMD2<Float>,
    rise: Float, columns: ClosedRange<Float>, rows: ClosedRange<Float>
  ) -> (DisparityPlane, DisparityPlane) {
    var gradients = [slope - rise * normal, slope + rise * normal]
    // ∂d/∂x < 1 keeps a plane visible from the right camera; stay well below.
    let steepest = gradients.map { abs($0.x) }.max()!
    if steepest > 0.5 { gradients = gradients.map { $0 * (0.5 / steepest) } }
    let planes = fitted(
      centre: centre, disparity: disparity, slopes: gradients, columns: columns, rows: rows)
    return (planes[0], planes[1])
  }
}
