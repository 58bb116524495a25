import Foundation

/// Draws random synthetic scenes: a slanted background plane and nearer occluding rectangles and
/// ellipses, each with its own procedural texture.
///
/// Every ground-truth disparity, in both views, lies in
/// [``Configuration/minimumDisparity``, ``Configuration/maximumDisparity``]. With range
/// `r = max − min`:
///
/// - **Background**: covers everything; disparity `min + (0.05…0.35)·r` at the image centre,
///   slanted by up to `±0.25·r` across the width and the height.
/// - **Objects** (``Configuration/objectCount``): a rectangle (half of them rotated) or a rotated
///   ellipse, 10–40 % of the image across, centred in the middle 80 %; disparity drawn between
///   `0.1·r` in front of the background at its centre and `max`; half are fronto-parallel, half
///   slanted by up to `±0.1·r` across themselves.
/// - **Thin bars** (``Configuration/thinBars``, none by default): rotated rectangles 1–4 px
///   thick and 20–60 % of the width long, at any angle, drawn as the objects are (nearer than the
///   background at their centres, half of them slanted), so that the scenes hold thin structures
///   in front of a farther background (rods, cables, a lamp's arm).
/// - **Folds** (``Configuration/foldProbability``, 0 by default): with that probability the
///   background is two planes that cross along a line through the image, the nearer of them
///   seen at each point: `d = d_c + g·(p − c) + k·|n·(p − c)|`, a valley whose floor is the
///   crease (a book's gutter, a room's corner, a wall meeting the floor;
///   ``foldedBackground(centre:disparity:slope:normal:rise:columns:rows:)``).
/// - **Wood grain** (``Configuration/grainProbability``, 0 by default): each surface's texture is
///   wood-like with that probability, its noise stretched along the rows
///   (``ProceduralTexture/random(using:grainProbability:)``), so that matching along its rows is
///   ambiguous, as on Middlebury's Wood2 planks.
///
/// Each plane is then shifted (and, if steeper than the range allows, flattened) so that its
/// disparity stays in range wherever a pixel of either view can see it: for the background every
/// left-view column in `[min(0, dmin), W − 1 + max(0, dmax)]` (a right pixel at `x` sees left
/// column `x + d`), for an object its bounding box. (Within Float rounding: a few ulps.)
///
/// All randomness comes from the generator passed in: the same seed gives the same scenes.
public struct SyntheticStereoGenerator: Sendable {
  /// Scene size, disparity range and complexity.
  public struct Configuration: Sendable, Equatable, Codable {
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// The smallest disparity in the ground truth, in pixels (may be negative).
    public var minimumDisparity: Float
    /// The largest disparity in the ground truth, in pixels.
    public var maximumDisparity: Float
    /// How many occluding objects a scene has.
    public var objectCount: ClosedRange<Int>
    /// Colour samples per pixel across (anti-aliasing).
    public var horizontalSamples: Int
    /// Colour samples per pixel down.
    public var verticalSamples: Int
    /// How many thin bars a scene has, after its objects (`0...0`: none, and the random stream
    /// of the scenes without them).
    public var thinBars: ClosedRange<Int>
    /// The probability that a scene's background is folded (0: never, and the random stream of
    /// the scenes without folds).
    public var foldProbability: Float
    /// The probability that a surface's texture is wood-like (0: never, and the random stream
    /// of the scenes without such textures).
    public var grainProbability: Float

    /// Creates a configuration.
    public init(
      width: Int, height: Int, minimumDisparity: Float, maximumDisparity: Float,
      objectCount: ClosedRange<Int> = 2...6, horizontalSamples: Int = 4, verticalSamples: Int = 2,
      thinBars: ClosedRange<Int> = 0...0, foldProbability: Float = 0, grainProbability: Float = 0
    ) {
      precondition(width > 1 && height > 1, "Bad scene size \(width)x\(height)")
      precondition(
        minimumDisparity <= maximumDisparity,
        "Disparity range [\(minimumDisparity), \(maximumDisparity)] is empty")
      precondition(objectCount.lowerBound >= 0, "Object count \(objectCount) is negative")
      precondition(thinBars.lowerBound >= 0, "Thin-bar count \(thinBars) is negative")
      precondition(
        (0...1).contains(foldProbability), "Fold probability \(foldProbability) is not in 0...1")
      precondition(
        (0...1).contains(grainProbability),
        "Grain probability \(grainProbability) is not in 0...1")
      self.width = width
      self.height = height
      self.minimumDisparity = minimumDisparity
      self.maximumDisparity = maximumDisparity
      self.objectCount = objectCount
      self.horizontalSamples = horizontalSamples
      self.verticalSamples = verticalSamples
      self.thinBars = thinBars
      self.foldProbability = foldProbability
      self.grainProbability = grainProbability
    }
  }

  /// The configuration.
  public var configuration: Configuration

  /// Creates a generator.
  public init(configuration: Configuration) {
    self.configuration = configuration
  }

  /// Draws one scene.
  public func makeScene(using generator: inout some RandomNumberGenerator) -> SyntheticScene {
    let width = Float(configuration.width)
    let height = Float(configuration.height)
    let low = configuration.minimumDisparity
    let high = configuration.maximumDisparity
    let range = high - low
    func uniform(_ bounds: ClosedRange<Float>) -> Float {
      Float.random(in: bounds, using: &generator)
    }
    // Left-view columns that some pixel of either view sees.
    let visibleColumns = min(0, low)...(width - 1 + max(0, high))
    let rows: ClosedRange<Float> = 0...(height - 1)

    // Stage 1: the background.
    let centre = SIMD2((width - 1) / 2, (height - 1) / 2)
    let backgroundPlane = fitted(
      centre: centre, disparity: low + uniform(0.05...0.35) * range,
      slope: SIMD2(
        uniform(-0.25...0.25) * range / width, uniform(-0.25...0.25) * range / height),
      columns: visibleColumns, rows: rows)
    var surfaces = [
      SyntheticSurface(
        plane: backgroundPlane, shape: .everywhere,
        texture: .random(using: &generator, grainProbability: configuration.grainProbability))
    ]
    // A folded background: a second plane crossing the first along a line through the image.
    if configuration.foldProbability > 0
      && uniform(0...1) < configuration.foldProbability
    {
      let crease = SIMD2(uniform(0.2...0.8) * width, uniform(0.2...0.8) * height)
      let angle = uniform(0...Float.pi)
      let normal = SIMD2(Float(cos(Double(angle))), Float(sin(Double(angle))))
      let planes = foldedBackground(
        centre: crease, disparity: low + uniform(0.05...0.35) * range,
        slope: SIMD2(
          uniform(-0.1...0.1) * range / width, uniform(-0.1...0.1) * range / height),
        normal: normal, rise: uniform(0.05...0.3) * range / width,
        columns: visibleColumns, rows: rows)
      let sameTexture = Bool.random(using: &generator)
      surfaces = [
        SyntheticSurface(plane: planes.0, shape: .everywhere, texture: surfaces[0].texture),
        SyntheticSurface(
          plane: planes.1, shape: .everywhere,
          texture: sameTexture
            ? surfaces[0].texture
            : .random(using: &generator, grainProbability: configuration.grainProbability)),
      ]
    }
    let backgroundPlanes = surfaces.map(\.plane)
    /// The background's disparity at `point`: the nearest of its planes.
    func background(at point: SIMD2<Float>) -> Float {
      backgroundPlanes.map { $0.disparity(x: point.x, y: point.y) }.max()!
    }

    // Stage 2: occluding objects, nearer than the background at their centres; stage 3: thin
    // bars, the same way (drawn after the objects, so that the objects do not change with them).
    func addSurface(bar: Bool) {
      let objectCentre = SIMD2(uniform(0.1...0.9) * width, uniform(0.1...0.9) * height)
      let half: SIMD2<Float>
      let shape: SyntheticShape
      if bar {
        let length = uniform(0.1...0.3) * width
        shape = .rectangle(
          center: objectCentre, halfSize: SIMD2(length, uniform(0.5...2)),
          angle: uniform(-Float.pi / 2...Float.pi / 2))
        half = SIMD2(repeating: length)  // any slant runs along the bar's length
      } else {
        half = SIMD2(uniform(0.05...0.2) * width, uniform(0.05...0.2) * height)
        if Bool.random(using: &generator) {
          let angle = Bool.random(using: &generator) ? 0 : uniform(-Float.pi / 4...Float.pi / 4)
          shape = .rectangle(center: objectCentre, halfSize: half, angle: angle)
        } else {
          shape = .ellipse(center: objectCentre, radii: half, angle: uniform(0...Float.pi))
        }
      }
      let behind = background(at: objectCentre)
      let nearest = min(behind + 0.1 * range, high)
      let disparity = uniform(nearest...high)
      let slope =
        Bool.random(using: &generator)
        ? SIMD2<Float>(0, 0)
        : SIMD2(
          uniform(-0.05...0.05) * range / max(half.x, 1),
          uniform(-0.05...0.05) * range / max(half.y, 1))
      // Either view sees only the object's own points, all inside its box.
      let bounds = shape.bounds ?? (SIMD2(0, 0), SIMD2(width, height))
      let plane = fitted(
        centre: objectCentre, disparity: disparity, slope: slope,
        columns: bounds.minimum.x...bounds.maximum.x, rows: bounds.minimum.y...bounds.maximum.y)
      surfaces.append(
        SyntheticSurface(
          plane: plane, shape: shape,
          texture: .random(using: &generator, grainProbability: configuration.grainProbability)))
    }
    let count = Int.random(in: configuration.objectCount, using: &generator)
    for _ in 0..<count { addSurface(bar: false) }
    if configuration.thinBars != 0...0 {
      let bars = Int.random(in: configuration.thinBars, using: &generator)
      for _ in 0..<bars { addSurface(bar: true) }
    }
    return SyntheticScene(
      width: configuration.width, height: configuration.height, surfaces: surfaces,
      horizontalSamples: configuration.horizontalSamples,
      verticalSamples: configuration.verticalSamples)
  }

  /// Draws and renders one scene.
  public func makePair(using generator: inout some RandomNumberGenerator) -> SyntheticStereoPair {
    makeScene(using: &generator).render()
  }

  /// The plane through `disparity` at `centre` with gradient `slope`, flattened if its spread
  /// over the box exceeds the range and shifted so that it stays in range over the box.
  private func fitted(
    centre: SIMD2<Float>, disparity: Float, slope: SIMD2<Float>, columns: ClosedRange<Float>,
    rows: ClosedRange<Float>
  ) -> DisparityPlane {
    var slope = slope
    // ∂d/∂x < 1 keeps the plane visible from the right camera; stay well below.
    slope.x = min(max(slope.x, -0.5), 0.5)
    return fitted(
      centre: centre, disparity: disparity, slopes: [slope], columns: columns, rows: rows)[0]
  }

  /// The planes through `disparity` at `centre` with gradients `slopes`, kept in range over the
  /// box together: if their joint spread over it exceeds the range, all gradients shrink by one
  /// factor; then all shift by one amount, so that where they meet at `centre` stays shared.
  func fitted(
    centre: SIMD2<Float>, disparity: Float, slopes: [SIMD2<Float>], columns: ClosedRange<Float>,
    rows: ClosedRange<Float>
  ) -> [DisparityPlane] {
    let low = configuration.minimumDisparity
    let high = configuration.maximumDisparity
    var slopes = slopes
    func extremes(_ slope: SIMD2<Float>) -> (Float, Float) {
      // An affine function's extremes over a box are at its corners.
      let spreadX = [columns.lowerBound - centre.x, columns.upperBound - centre.x].map {
        slope.x * $0
      }
      let spreadY = [rows.lowerBound - centre.y, rows.upperBound - centre.y].map { slope.y * $0 }
      return (
        disparity + (spreadX.min() ?? 0) + (spreadY.min() ?? 0),
        disparity + (spreadX.max() ?? 0) + (spreadY.max() ?? 0)
      )
    }
    func jointExtremes() -> (Float, Float) {
      let each = slopes.map(extremes)
      return (each.map(\.0).min()!, each.map(\.1).max()!)
    }
    var (lowest, highest) = jointExtremes()
    if highest - lowest > high - low {
      slopes = slopes.map { $0 * ((high - low) / (highest - lowest) * 0.99) }
      (lowest, highest) = jointExtremes()
    }
    var shift: Float = 0
    if lowest < low { shift = low - lowest }
    if highest + shift > high { shift = high - highest }
    return slopes.map { slope in
      DisparityPlane(
        a: slope.x, b: slope.y, c: disparity + shift - slope.x * centre.x - slope.y * centre.y)
    }
  }
}
