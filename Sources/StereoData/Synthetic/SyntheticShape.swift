import Foundation

/// The outline of a synthetic surface, in left-view coordinates `(x, y)` (pixels; pixel centres
/// at integers, so pixel `(i, j)` covers `[i − ½, i + ½] × [j − ½, j + ½]`).
public enum SyntheticShape: Sendable, Equatable {
  /// The whole plane: a background.
  case everywhere
  /// A rectangle rotated by `angle` (radians, clockwise on screen since y points down) about
  /// its centre; it contains points with `|u| ≤ halfSize.x` and `|v| ≤ halfSize.y` in its frame.
  case rectangle(center: SIMD2<Float>, halfSize: SIMD2<Float>, angle: Float)
  /// An ellipse with semi-axes `radii`, rotated by `angle` about its centre.
  case ellipse(center: SIMD2<Float>, radii: SIMD2<Float>, angle: Float)

  /// Whether the left-view point `(x, y)` is inside, borders included.
  @inlinable
  public func contains(x: Float, y: Float) -> Bool {
    switch self {
    case .everywhere:
      return true
    case .rectangle(let center, let halfSize, let angle):
      let local = Self.toLocal(x: x, y: y, center: center, angle: angle)
      return abs(local.x) <= halfSize.x && abs(local.y) <= halfSize.y
    case .ellipse(let center, let radii, let angle):
      let local = Self.toLocal(x: x, y: y, center: center, angle: angle) / radii
      return local.x * local.x + local.y * local.y <= 1
    }
  }

  /// The smallest axis-aligned box `(minimum, maximum)` holding the shape; `nil` for
  /// ``everywhere``.
  public var bounds: (minimum: SIMD2<Float>, maximum: SIMD2<Float>)? {
    let cosine = abs(Float(Foundation.cos(Double(angle))))
    let sine = abs(Float(Foundation.sin(Double(angle))))
    switch self {
    case .everywhere:
      return nil
    case .rectangle(let center, let halfSize, _):
      let extent = SIMD2(
        cosine * halfSize.x + sine * halfSize.y, sine * halfSize.x + cosine * halfSize.y)
      return (center - extent, center + extent)
    case .ellipse(let center, let radii, _):
      let extent = SIMD2(
        (cosine * cosine * radii.x * radii.x + sine * sine * radii.y * radii.y).squareRoot(),
        (sine * sine * radii.x * radii.x + cosine * cosine * radii.y * radii.y).squareRoot())
      return (center - extent, center + extent)
    }
  }

  private var angle: Float {
    switch self {
    case .everywhere: return 0
    case .rectangle(_, _, let angle), .ellipse(_, _, let angle): return angle
    }
  }

  /// `(x, y)` in the shape's frame: translated to its centre and rotated by `−angle`.
  @usableFromInline
  static func toLocal(x: Float, y: Float, center: SIMD2<Float>, angle: Float) -> SIMD2<Float> {
    let dx = x - center.x
    let dy = y - center.y
    if angle == 0 { return SIMD2(dx, dy) }
    let cosine = Float(Foundation.cos(Double(angle)))
    let sine = Float(Foundation.sin(Double(angle)))
    return SIMD2(cosine * dx + sine * dy, -sine * dx + cosine * dy)
  }
}
