import Foundation
import StereoData

/// Error against density: the metrics of the most confident pixels, for growing fractions of them.
///
/// The evaluated pixels (as in ``DisparityMetrics``: ground truth known, inside the mask; missing
/// estimates filled by ``BackgroundInterpolation``) are sorted by confidence, highest first. Pixels
/// with a non-finite confidence come last; ties keep row-major pixel order (a stable sort). At
/// density `ρ` the first
///
///     k = ⌊ρ·n + ½⌋        (n evaluated pixels)
///
/// pixels are scored. A useful confidence gives errors that grow with density; a constant one
/// gives the pixel-order prefix. ``oracle(estimate:groundTruth:mask:densities:configuration:)``
/// is the best any confidence can do.
public struct SparsificationCurve: Sendable, Equatable, Codable {
  /// The metrics at one density.
  public struct Point: Sendable, Equatable, Codable {
    /// The requested fraction of evaluated pixels, in [0, 1].
    public var density: Double
    /// The metrics of the `k` most confident pixels.
    public var metrics: DisparityMetrics

    /// Creates a point.
    public init(density: Double, metrics: DisparityMetrics) {
      self.density = density
      self.metrics = metrics
    }
  }

  /// 10 %, 20 %, …, 100 %.
  public static let defaultDensities: [Double] = (1...10).map { Double($0) / 10 }

  /// The points, in the order of the requested densities.
  public var points: [Point]

  /// Creates a curve from its points.
  public init(points: [Point]) {
    self.points = points
  }

  /// Measures the curve of an estimate.
  ///
  /// - Parameters:
  ///   - estimate: The estimated disparity, `[H, W, 1]`.
  ///   - groundTruth: The true disparity, `[H, W, 1]`, unknown non-finite.
  ///   - confidence: `[H, W, 1]`, higher is more confident (e.g. ``DisparityConfidence``).
  ///   - mask: An optional `[H, W, 1]` mask, as in ``DisparityMetrics``.
  ///   - densities: Fractions in [0, 1].
  ///   - configuration: Which estimates count as missing.
  public init(
    estimate: Image, groundTruth: Image, confidence: Image, mask: Image? = nil,
    densities: [Double] = SparsificationCurve.defaultDensities,
    configuration: DisparityMetrics.Configuration = DisparityMetrics.Configuration()
  ) {
    precondition(
      confidence.channels == 1 && confidence.width == estimate.width
        && confidence.height == estimate.height,
      "Confidence is \(confidence.width)x\(confidence.height)x\(confidence.channels), estimate \(estimate.width)x\(estimate.height)x1"
    )
    for density in densities {
      precondition(density >= 0 && density <= 1, "Density \(density) is outside [0, 1]")
    }
    let scored = ScoredPixels(
      estimate: estimate, groundTruth: groundTruth, mask: mask, configuration: configuration)
    let keys = scored.pixels.map { pixel -> Float in
      let value = confidence.pixels[pixel.index]
      return value.isFinite ? value : -.infinity
    }
    // Stable: equal confidences keep pixel order, so the curve is reproducible.
    let order = Array(scored.pixels.indices).sorted { a, b in
      keys[a] != keys[b] ? keys[a] > keys[b] : a < b
    }
    let count = Double(scored.pixels.count)
    points = densities.map { density in
      let kept = Int((density * count + 0.5).rounded(.down))
      return Point(density: density, metrics: scored.metrics(of: order.prefix(kept)))
    }
  }

  /// The best curve any confidence can give: pixels ordered by their own error, smallest first.
  ///
  /// Its confidence is `−|g − e|` with `e` the filled estimate, so at every density it keeps the
  /// `k` smallest errors and its EPE is the lowest possible. The gap between a curve and the
  /// oracle measures how well a confidence ranks errors.
  ///
  /// - Parameters:
  ///   - estimate: The estimated disparity, `[H, W, 1]`.
  ///   - groundTruth: The true disparity, `[H, W, 1]`, unknown non-finite.
  ///   - mask: An optional `[H, W, 1]` mask, as in ``DisparityMetrics``.
  ///   - densities: Fractions in [0, 1].
  ///   - configuration: Which estimates count as missing.
  /// - Returns: The oracle curve.
  public static func oracle(
    estimate: Image, groundTruth: Image, mask: Image? = nil,
    densities: [Double] = SparsificationCurve.defaultDensities,
    configuration: DisparityMetrics.Configuration = DisparityMetrics.Configuration()
  ) -> SparsificationCurve {
    let filled = BackgroundInterpolation.filling(
      estimate, estimatesAbove: configuration.estimatesAbove)
    var confidence = groundTruth
    confidence.pixels = zip(groundTruth.pixels, filled.pixels).map { -abs($0 - $1) }
    return SparsificationCurve(
      estimate: estimate, groundTruth: groundTruth, confidence: confidence, mask: mask,
      densities: densities, configuration: configuration)
  }

  /// The curve as an aligned text table (rates in percent, EPE in pixels).
  public func formattedTable() -> String {
    let report = DisparityMetricsReport(
      rows: points.map {
        .init(name: String(format: "%.0f%%", 100 * $0.density), metrics: $0.metrics)
      })
    return report.formattedTable()
  }
}
