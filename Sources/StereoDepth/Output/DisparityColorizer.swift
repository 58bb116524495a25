import StereoData

/// Renders a disparity (or any one-channel) map as a Turbo-coloured RGB image.
///
/// A value `d` inside the range `[lo, hi]` becomes ``TurboColormap`` at
///
///     t = clamp((d − lo) / (hi − lo), 0, 1)
///
/// so near (large disparity) is red and far is dark blue; values outside the range take the end
/// colours. Unknown (non-finite) values get ``unknownColor``. A range with `hi ≤ lo` (a constant
/// map) maps every known value to the middle colour, `t = ½`.
///
/// The range is either fixed (to compare images on one scale) or robust percentiles of the map's
/// finite values, so a few wild pixels do not wash out the rest.
///
/// Shapes: `[H, W, 1]` → `[H, W, 3]`, values in [0, 1].
public struct DisparityColorizer: Sendable, Equatable {
  /// Where the colour scale starts and ends.
  public enum Range: Sendable, Equatable, Codable {
    /// `lo = minimum`, `hi = maximum`.
    case fixed(minimum: Float, maximum: Float)
    /// `lo` and `hi` are these percentiles (0…100) of the finite values, by linear interpolation
    /// between order statistics: with the `n` finite values sorted, percentile `p` is at
    /// position `p/100·(n − 1)` (NumPy's default `percentile`).
    case percentiles(lower: Double, upper: Double)
  }

  /// How the scale is chosen.
  public var range: Range
  /// The colour of unknown values, RGB in [0, 1].
  public var unknownColor: SIMD3<Float>

  /// Creates a colorizer; by default the scale runs from the 1st to the 99th percentile and
  /// unknown pixels are black.
  public init(range: Range = .percentiles(lower: 1, upper: 99), unknownColor: SIMD3<Float> = .zero)
  {
    if case .percentiles(let lower, let upper) = range {
      precondition(
        lower >= 0 && upper <= 100 && lower <= upper,
        "Percentiles must satisfy 0 ≤ lower ≤ upper ≤ 100, got \(lower) and \(upper)")
    }
    self.range = range
    self.unknownColor = unknownColor
  }

  /// The scale `[lo, hi]` for `map`; `nil` when a percentile range finds no finite value.
  ///
  /// - Parameter map: A `[H, W, 1]` map.
  /// - Returns: The scale's ends.
  public func resolvedRange(for map: Image) -> (minimum: Float, maximum: Float)? {
    switch range {
    case .fixed(let minimum, let maximum):
      return (minimum, maximum)
    case .percentiles(let lower, let upper):
      let values = map.pixels.filter(\.isFinite)
      guard !values.isEmpty else { return nil }
      let ends = Self.percentiles([lower, upper], of: values)
      return (ends[0], ends[1])
    }
  }

  /// Percentiles `ps` (0…100) of `values` (finite), as ``percentile(_:ofSorted:)`` gives them
  /// from the sorted values, the order statistics found by selection (``OrderStatistics``)
  /// instead of a sort.
  static func percentiles(_ ps: [Double], of values: [Float]) -> [Float] {
    let last = values.count - 1
    let positions = ps.map { p -> (below: Int, above: Int, fraction: Double) in
      let position = p / 100 * Double(last)
      let below = Int(position.rounded(.down))
      return (below, min(below + 1, last), position - Double(below))
    }
    let stats = OrderStatistics.values(
      at: positions.flatMap { [$0.below, $0.above] }, of: values)
    return positions.indices.map { i in
      let (a, b, fraction) = (stats[2 * i], stats[2 * i + 1], positions[i].fraction)
      return Float((1 - fraction) * Double(a) + fraction * Double(b))
    }
  }

  /// The colour image of `map`.
  ///
  /// - Parameter map: A `[H, W, 1]` map, unknown values non-finite.
  /// - Returns: A `[H, W, 3]` image in [0, 1].
  public func colorized(_ map: Image) -> Image {
    precondition(
      map.channels == 1, "Colorizing needs a 1-channel map, got \(map.channels) channels")
    var result = Image(width: map.width, height: map.height, channels: 3)
    let scale = resolvedRange(for: map)
    for index in map.pixels.indices {
      let value = map.pixels[index]
      var color = unknownColor
      if value.isFinite, let scale {
        let t =
          scale.maximum > scale.minimum
          ? (value - scale.minimum) / (scale.maximum - scale.minimum) : 0.5
        color = TurboColormap.color(at: t)
      }
      result.pixels[3 * index] = color.x
      result.pixels[3 * index + 1] = color.y
      result.pixels[3 * index + 2] = color.z
    }
    return result
  }

  /// Percentile `p` (0…100) of ascending `values`, interpolating linearly between neighbours.
  static func percentile(_ p: Double, ofSorted values: [Float]) -> Float {
    let position = p / 100 * Double(values.count - 1)
    let below = Int(position.rounded(.down))
    let above = min(below + 1, values.count - 1)
    let fraction = position - Double(below)
    return Float((1 - fraction) * Double(values[below]) + fraction * Double(values[above]))
  }
}
