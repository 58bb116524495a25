/// One surface of a synthetic scene: a disparity plane, cut to a shape, painted with a texture.
///
/// Shape and texture live in left-view coordinates `(x, y)` of the surface point, which label
/// each point of the surface once and for all; both views therefore see the same texture at the
/// same surface point, the property that makes the ground truth exact.
public struct SyntheticSurface: Sendable, Equatable {
  /// The surface's disparity, `d(x, y) = a·x + b·y + c`.
  public var plane: DisparityPlane
  /// Where the surface is, in left-view coordinates.
  public var shape: SyntheticShape
  /// Its paint, sampled at texture coordinate `(u, v) = (x, y)`.
  public var texture: ProceduralTexture

  /// Creates a surface.
  public init(plane: DisparityPlane, shape: SyntheticShape, texture: ProceduralTexture) {
    self.plane = plane
    self.shape = shape
    self.texture = texture
  }
}

/// A synthetic rectified stereo scene: textured planar surfaces at known disparities.
///
/// Each view is rendered by ray casting: the ray through a view's point meets every surface whose
/// shape contains the corresponding surface point, and the nearest surface, the one with the
/// **largest disparity** (`Z = f·B / (d + doffs)` falls as `d` grows), is seen. In the left view
/// the surface point of pixel position `(x, y)` is `(x, y)` itself; in the right view, at column
/// `x_r`, it is `(x, y)` with `x = (x_r + b·y + c)/(1 − a)` (see ``DisparityPlane``). Equal
/// disparities go to the surface listed later.
///
/// Colours are averaged over a grid of ``horizontalSamples`` × ``verticalSamples`` points inside
/// each pixel (box-filter anti-aliasing), so sub-pixel disparities render consistently. Ground
/// truth is the seen surface's disparity at the pixel centre.
///
/// Convention: a point at column `x` in the left view is at `x − d` in the right view.
public struct SyntheticScene: Sendable, Equatable {
  /// Columns.
  public var width: Int
  /// Rows.
  public var height: Int
  /// The surfaces; order only breaks ties in disparity (later wins).
  public var surfaces: [SyntheticSurface]
  /// Colour samples per pixel across.
  public var horizontalSamples: Int
  /// Colour samples per pixel down.
  public var verticalSamples: Int

  /// Creates a scene.
  public init(
    width: Int, height: Int, surfaces: [SyntheticSurface], horizontalSamples: Int = 4,
    verticalSamples: Int = 2
  ) {
    precondition(width > 0 && height > 0, "Bad scene size \(width)x\(height)")
    precondition(
      horizontalSamples > 0 && verticalSamples > 0,
      "Samples per pixel must be positive: \(horizontalSamples)x\(verticalSamples)")
    self.width = width
    self.height = height
    self.surfaces = surfaces
    self.horizontalSamples = horizontalSamples
    self.verticalSamples = verticalSamples
  }

  /// A scene that is one textured fronto-parallel plane at disparity `disparity`: the right view
  /// is the left view shifted left by `disparity` pixels.
  ///
  /// - Parameters:
  ///   - width: Columns.
  ///   - height: Rows.
  ///   - disparity: The constant disparity, in pixels (fractional allowed).
  ///   - texture: The plane's paint.
  /// - Returns: A one-surface scene with the default 4×2 samples per pixel.
  public static func constantShift(
    width: Int, height: Int, disparity: Float, texture: ProceduralTexture
  ) -> SyntheticScene {
    SyntheticScene(
      width: width, height: height,
      surfaces: [
        SyntheticSurface(plane: .frontoParallel(disparity), shape: .everywhere, texture: texture)
      ])
  }
}

/// A rendered synthetic pair with its exact ground truth.
///
/// Shapes: views `[H, W, 3]` in [0, 1]; disparities and masks `[H, W, 1]`. Disparities are in
/// pixels (a left pixel at `x` matches the right view at `x − d`; a right pixel at `x` matches the
/// left view at `x + d`), non-finite where no surface is seen. A mask is 1 where the pixel's
/// surface point is also seen in the other view, at a position between that view's first and
/// last pixel centres (`0 ≤ x ∓ d ≤ W − 1`), and 0 where it is occluded or out of frame.
public struct SyntheticStereoPair: Sendable, Equatable {
  /// The left view.
  public var left: Image
  /// The right view.
  public var right: Image
  /// The left view's disparity.
  public var leftDisparity: Image
  /// The right view's disparity.
  public var rightDisparity: Image
  /// 1 where a left pixel's point is visible in the right view.
  public var leftNonOccluded: Image
  /// 1 where a right pixel's point is visible in the left view.
  public var rightNonOccluded: Image

  /// Creates a pair from its images.
  public init(
    left: Image, right: Image, leftDisparity: Image, rightDisparity: Image,
    leftNonOccluded: Image, rightNonOccluded: Image
  ) {
    self.left = left
    self.right = right
    self.leftDisparity = leftDisparity
    self.rightDisparity = rightDisparity
    self.leftNonOccluded = leftNonOccluded
    self.rightNonOccluded = rightNonOccluded
  }
}
