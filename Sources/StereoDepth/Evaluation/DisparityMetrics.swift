import StereoData

/// Scores of an estimated disparity map against ground truth: KITTI D1, Middlebury bad-N and the
/// end-point error.
///
/// For every pixel `p` that is **evaluated** (ground truth known, i.e. finite, and inside the mask)
/// with ground truth `g` and estimate `e` (missing estimates filled first, see below), the error is
/// `ε = |g − e|` and:
///
///     D1 outlier    ε > 3 px  and  ε / |g| > 5 %        (KITTI 2015, ABS_THRESH and REL_THRESH)
///     bad-N pixel   ε > N px,  N = 1, 2, 3, 4           (Middlebury)
///     EPE           Σ ε / n                             (mean absolute disparity error)
///     density       estimated pixels / n
///
/// Rates are fractions in [0, 1] over `max(n, 1)` evaluated pixels, as the devkit divides. The
/// comparisons follow the KITTI devkit bit for bit: `ε` and `ε / |g|` are `Float`, compared with
/// the `Double` thresholds 3.0 and 0.05.
///
/// **Missing estimates.** An estimate is *missing* where it is non-finite (NaN or ±∞) or not
/// above ``Configuration/estimatesAbove`` (0 by default: a KITTI PNG file holds 0 for an
/// unknown pixel and cannot hold negative values, so a map scores the same from its PFM as from
/// its KITTI PNG; OpenCV SGBM's disparities of exactly 0 are missing too). Missing pixels are filled by
/// ``BackgroundInterpolation`` before scoring, as the KITTI devkit does, so an estimate cannot
/// improve its score by leaving hard pixels out; ``density`` tells how much was left out, and
/// ``d1Estimated`` gives the D1 rate over the estimated pixels alone (KITTI's "result" columns).
///
/// Results from several images combine with ``aggregate(_:)``, which sums the counts (as the
/// devkit does over its test set) instead of averaging the rates.
public struct DisparityMetrics: Sendable, Equatable {
  /// How estimates are read.
  public struct Configuration: Sendable, Equatable, Codable {
    /// The value that estimates must exceed.
    ///
    /// Values at or below it, and non-finite values, are missing. KITTI: 0 (its PNG files write
    /// an unknown pixel as 0). Use `-.infinity` for rigs whose disparities can be negative or 0.
    public var estimatesAbove: Float

    /// Creates a configuration.
    public init(estimatesAbove: Float = 0) {
      self.estimatesAbove = estimatesAbove
    }

    /// Whether `value` is a missing estimate: non-finite, or at most `estimatesAbove`.
    @inlinable
    public static func isMissing(_ value: Float, estimatesAbove: Float) -> Bool {
      !value.isFinite || value <= estimatesAbove
    }
  }

  /// KITTI's absolute D1 threshold in pixels (`ABS_THRESH`).
  public static let d1AbsoluteThreshold: Double = 3.0
  /// KITTI's relative D1 threshold (`REL_THRESH`).
  public static let d1RelativeThreshold: Double = 0.05
  /// Mask values at or above this count as inside the mask.
  ///
  /// That is white (255) in an 8-bit mask file read as [0, 1], or 1 in a float mask; MiddEval3's
  /// grey (128) for occluded pixels is outside.
  public static let maskThreshold: Float = 0.999

  /// Pixels scored: ground truth known and inside the mask (`n`).
  public var evaluatedPixels: Int
  /// Evaluated pixels whose estimate was not missing.
  public var estimatedPixels: Int
  /// Evaluated pixels that are D1 outliers (after filling missing estimates).
  public var d1Outliers: Int
  /// Estimated pixels that are D1 outliers.
  public var d1OutliersEstimated: Int
  /// Evaluated pixels with `ε > 1`.
  public var bad1Pixels: Int
  /// Evaluated pixels with `ε > 2`.
  public var bad2Pixels: Int
  /// Evaluated pixels with `ε > 3`.
  public var bad3Pixels: Int
  /// Evaluated pixels with `ε > 4`.
  public var bad4Pixels: Int
  /// `Σ ε` over the evaluated pixels, in pixels.
  public var absoluteErrorSum: Double

  /// Creates metrics from their counts.
  public init(
    evaluatedPixels: Int = 0, estimatedPixels: Int = 0, d1Outliers: Int = 0,
    d1OutliersEstimated: Int = 0, bad1Pixels: Int = 0, bad2Pixels: Int = 0, bad3Pixels: Int = 0,
    bad4Pixels: Int = 0, absoluteErrorSum: Double = 0
  ) {
    self.evaluatedPixels = evaluatedPixels
    self.estimatedPixels = estimatedPixels
    self.d1Outliers = d1Outliers
    self.d1OutliersEstimated = d1OutliersEstimated
    self.bad1Pixels = bad1Pixels
    self.bad2Pixels = bad2Pixels
    self.bad3Pixels = bad3Pixels
    self.bad4Pixels = bad4Pixels
    self.absoluteErrorSum = absoluteErrorSum
  }

  /// Scores an estimate against ground truth.
  ///
  /// - Parameters:
  ///   - estimate: The estimated disparity, `[H, W, 1]`, in pixels; missing values as described
  ///     in the type's discussion.
  ///   - groundTruth: The true disparity, `[H, W, 1]`; unknown values non-finite.
  ///   - mask: An optional `[H, W, 1]` map; only pixels with value ≥ ``maskThreshold`` are scored
  ///     (e.g. a non-occluded mask).
  ///   - configuration: Which estimates count as missing.
  public init(
    estimate: Image, groundTruth: Image, mask: Image? = nil,
    configuration: Configuration = Configuration()
  ) {
    let scored = ScoredPixels(
      estimate: estimate, groundTruth: groundTruth, mask: mask, configuration: configuration)
    self = scored.metrics(of: scored.pixels.indices)
  }

  /// Metrics of several images together: the sums of their counts.
  public static func aggregate(_ items: [DisparityMetrics]) -> DisparityMetrics {
    var total = DisparityMetrics()
    for item in items {
      total.evaluatedPixels += item.evaluatedPixels
      total.estimatedPixels += item.estimatedPixels
      total.d1Outliers += item.d1Outliers
      total.d1OutliersEstimated += item.d1OutliersEstimated
      total.bad1Pixels += item.bad1Pixels
      total.bad2Pixels += item.bad2Pixels
      total.bad3Pixels += item.bad3Pixels
      total.bad4Pixels += item.bad4Pixels
      total.absoluteErrorSum += item.absoluteErrorSum
    }
    return total
  }

  // MARK: Rates

  /// Estimated pixels / evaluated pixels.
  public var density: Double { rate(estimatedPixels) }
  /// The fraction of evaluated pixels that are D1 outliers (KITTI "D1-all" over the mask).
  public var d1: Double { rate(d1Outliers) }
  /// The fraction of estimated pixels that are D1 outliers (KITTI's "result" D1).
  public var d1Estimated: Double {
    Double(d1OutliersEstimated) / Double(max(estimatedPixels, 1))
  }
  /// The fraction of evaluated pixels with error above 1 px.
  public var bad1: Double { rate(bad1Pixels) }
  /// The fraction of evaluated pixels with error above 2 px.
  public var bad2: Double { rate(bad2Pixels) }
  /// The fraction of evaluated pixels with error above 3 px.
  public var bad3: Double { rate(bad3Pixels) }
  /// The fraction of evaluated pixels with error above 4 px.
  public var bad4: Double { rate(bad4Pixels) }
  /// The mean absolute error over the evaluated pixels, in pixels.
  public var endPointError: Double { absoluteErrorSum / Double(max(evaluatedPixels, 1)) }

  private func rate(_ count: Int) -> Double { Double(count) / Double(max(evaluatedPixels, 1)) }

  /// Whether an error is a D1 outlier, exactly as the devkit decides it.
  ///
  /// - Parameters:
  ///   - groundTruth: The true disparity `g`.
  ///   - estimate: The (filled) estimate `e`.
  /// - Returns: Whether `|g − e| > 3` and `|g − e| / |g| > 0.05`.
  @inlinable
  public static func isD1Outlier(groundTruth: Float, estimate: Float) -> Bool {
    let error = abs(groundTruth - estimate)
    // Float error and ratio, Double thresholds: the devkit's `fabs(float) > 3.0` promotion.
    return Double(error) > d1AbsoluteThreshold
      && Double(error / abs(groundTruth)) > d1RelativeThreshold
  }
}

/// The evaluated pixels of one image, with filled estimates, in pixel order.
struct ScoredPixels {
  struct Pixel {
    /// Row-major pixel index.
    var index: Int
    var groundTruth: Float
    /// The estimate after background interpolation.
    var estimate: Float
    /// Whether the original estimate was present.
    var isEstimated: Bool
  }

  var pixels: [Pixel]

  init(
    estimate: Image, groundTruth: Image, mask: Image?, configuration: DisparityMetrics.Configuration
  ) {
    precondition(
      estimate.channels == 1 && groundTruth.channels == 1,
      "Disparity maps have 1 channel: estimate \(estimate.channels), ground truth \(groundTruth.channels)"
    )
    precondition(
      estimate.width == groundTruth.width && estimate.height == groundTruth.height,
      "Estimate is \(estimate.width)x\(estimate.height), ground truth \(groundTruth.width)x\(groundTruth.height)"
    )
    if let mask {
      precondition(
        mask.channels == 1 && mask.width == estimate.width && mask.height == estimate.height,
        "Mask is \(mask.width)x\(mask.height)x\(mask.channels), maps are \(estimate.width)x\(estimate.height)x1"
      )
    }
    let isMissing = estimate.pixels.map {
      DisparityMetrics.Configuration.isMissing($0, estimatesAbove: configuration.estimatesAbove)
    }
    let filled = BackgroundInterpolation.filling(estimate, isMissing: isMissing)
    pixels = []
    for index in groundTruth.pixels.indices {
      let truth = groundTruth.pixels[index]
      guard truth.isFinite else { continue }
      if let mask, !(mask.pixels[index] >= DisparityMetrics.maskThreshold) { continue }
      pixels.append(
        Pixel(
          index: index, groundTruth: truth, estimate: filled.pixels[index],
          isEstimated: !isMissing[index]))
    }
  }

  /// The metrics of the pixels at `positions` (indices into ``pixels``).
  func metrics(of positions: some Sequence<Int>) -> DisparityMetrics {
    var result = DisparityMetrics()
    for position in positions {
      let pixel = pixels[position]
      let error = abs(pixel.groundTruth - pixel.estimate)
      let outlier = DisparityMetrics.isD1Outlier(
        groundTruth: pixel.groundTruth, estimate: pixel.estimate)
      result.evaluatedPixels += 1
      if outlier { result.d1Outliers += 1 }
      if pixel.isEstimated {
        result.estimatedPixels += 1
        if outlier { result.d1OutliersEstimated += 1 }
      }
      // Middlebury compares the float error with the threshold: `err > badthresh`.
      if error > 1 { result.bad1Pixels += 1 }
      if error > 2 { result.bad2Pixels += 1 }
      if error > 3 { result.bad3Pixels += 1 }
      if error > 4 { result.bad4Pixels += 1 }
      result.absoluteErrorSum += Double(error)
    }
    return result
  }
}
