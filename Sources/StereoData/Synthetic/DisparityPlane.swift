/// A planar surface in disparity space: `d(x, y) = a·x + b·y + c`, with `(x, y)` the surface
/// point's position in the **left** view.
///
/// Under rectified pinhole cameras (`d + doffs = f·B / Z`), `1/Z` of a 3-D plane is affine in the
/// image coordinates, so every plane in the scene is exactly such an affine disparity function,
/// and an affine function is a plane. A point at left column `x` appears in the right view at
/// column `x − d(x, y)`; inverting that for a right-view column `x_r`:
///
///     x_r = x − (a·x + b·y + c)   ⇒   x = (x_r + b·y + c) / (1 − a)
///
/// which needs `a < 1`: a plane with `a ≥ 1` would face away from the right camera.
public struct DisparityPlane: Sendable, Equatable, Codable {
  /// `∂d/∂x`, pixels of disparity per column.
  public var a: Float
  /// `∂d/∂y`, pixels of disparity per row.
  public var b: Float
  /// The disparity at `(0, 0)`.
  public var c: Float

  /// Creates a plane `d = a·x + b·y + c`.
  public init(a: Float, b: Float, c: Float) {
    precondition(a < 1, "A plane with ∂d/∂x = \(a) ≥ 1 is not visible from the right camera")
    self.a = a
    self.b = b
    self.c = c
  }

  /// A fronto-parallel plane at constant disparity `d`.
  public static func frontoParallel(_ disparity: Float) -> DisparityPlane {
    DisparityPlane(a: 0, b: 0, c: disparity)
  }

  /// The disparity at left-view position `(x, y)`.
  @inlinable
  public func disparity(x: Float, y: Float) -> Float { a * x + b * y + c }

  /// The left-view column of the surface point seen at right-view column `rightX`, row `y`.
  @inlinable
  public func leftColumn(rightX: Float, y: Float) -> Float { (rightX + b * y + c) / (1 - a) }
}
