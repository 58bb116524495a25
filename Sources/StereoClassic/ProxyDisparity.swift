import StereoData

/// How proxy disparities are made: OpenCV's semi-global matcher with its own left-right and
/// uniqueness checks, then (optionally) an explicit cross-check of the left map against the
/// right view's map.
///
/// The right view's map comes from the mirrored pair: both views flipped horizontally and
/// swapped (the mirrored right view becomes a left view), matched, and the result flipped back.
///
/// The cross-check keeps left pixel `x` with disparity `d_L(x)` only when the right map agrees
/// at the pixel it points to, `Δ = |d_L(x) − d_R(round(x − d_L(x)))| ≤ crossCheckTolerance`
/// (and the right map likewise against the left one). A kept pixel's confidence is
/// `1 / (1 + Δ)`: 1 where both views agree exactly, 0.5 at a disagreement of one pixel. Without
/// the cross-check, every pixel SGBM keeps has confidence 1.
public struct ProxyDisparityConfiguration: Sendable, Hashable, Codable {
  /// The matcher; its ``SemiGlobalMatcher/disparityCount`` is replaced per pair when the pair
  /// has a disparity bound (``StereoSample/maximumDisparity``).
  public var matcher: SemiGlobalMatcher
  /// The largest left-right disagreement kept, in pixels; `nil` skips the explicit cross-check.
  public var crossCheckTolerance: Float?

  /// Creates a configuration.
  public init(matcher: SemiGlobalMatcher = Self.standardMatcher, crossCheckTolerance: Float? = 1) {
    self.matcher = matcher
    self.crossCheckTolerance = crossCheckTolerance
  }

  /// OpenCV's recommended settings for a careful matcher: block 5, P1/P2 from the block size,
  /// uniqueness 10 %, internal left-right check within 1 px, speckles up to 100 pixels varying
  /// by at most 2 px removed, 5-path mode, disparities 0…127 unless the pair gives a bound.
  public static let standardMatcher = SemiGlobalMatcher(
    disparityCount: 128, blockSize: 5, maximumLeftRightDifference: 1, uniquenessRatio: 10,
    speckleWindowSize: 100, speckleRange: 2, mode: .sgbm)

  /// The defaults.
  public static let standard = ProxyDisparityConfiguration()

  /// The matcher used for a pair with disparity bound `maximumDisparity` (if any).
  public func matcher(maximumDisparity: Float?) -> SemiGlobalMatcher {
    var matcher = matcher
    if let maximumDisparity { matcher.setMaximumDisparity(maximumDisparity) }
    return matcher
  }

  /// A key naming these settings with the given matcher: `sgbm-` and 16 hex digits of the
  /// 64-bit FNV-1a hash of a canonical text of every parameter (and a format version), so a
  /// change of any parameter gives another cache file.
  public func cacheKey(matcher: SemiGlobalMatcher) -> String {
    let (p1, p2) = matcher.penalties(channels: 3)
    let text = [
      "proxy-v1", "min=\(matcher.minimumDisparity)", "num=\(matcher.disparityCount)",
      "block=\(matcher.blockSize)", "p1=\(p1)", "p2=\(p2)",
      "lr=\(matcher.maximumLeftRightDifference)", "cap=\(matcher.preFilterCap)",
      "unique=\(matcher.uniquenessRatio)", "window=\(matcher.speckleWindowSize)",
      "range=\(matcher.speckleRange)", "mode=\(matcher.mode.rawValue)",
      "cross=\(crossCheckTolerance.map { "\($0)" } ?? "off")",
    ].joined(separator: ";")
    return "sgbm-" + FNV1a.hex(text.utf8)
  }
}

extension StereoProxy {
  /// Computes a pair's proxy with OpenCV's semi-global matcher (see
  /// ``ProxyDisparityConfiguration``).
  ///
  /// - Parameters:
  ///   - left: The left view, `[H, W, 3]` in [0, 1].
  ///   - right: The right view, the same size.
  ///   - configuration: The matcher and the cross-check.
  ///   - maximumDisparity: The pair's disparity bound, if known; it sets the searched range.
  /// - Returns: Both views' disparities and confidences, `[H, W, 1]` each.
  /// - Throws: ``ClassicStereoError`` from the matcher.
  public static func semiGlobal(
    left: Image, right: Image, configuration: ProxyDisparityConfiguration = .standard,
    maximumDisparity: Float? = nil
  ) throws(ClassicStereoError) -> StereoProxy {
    let matcher = configuration.matcher(maximumDisparity: maximumDisparity)
    let leftDisparity = try matcher.disparity(left: left, right: right)
    let rightDisparity = try matcher.disparity(
      left: right.flippedHorizontally(), right: left.flippedHorizontally()
    ).flippedHorizontally()
    guard let tolerance = configuration.crossCheckTolerance else {
      func confidence(_ map: Image) -> Image {
        Image(
          width: map.width, height: map.height, channels: 1,
          pixels: map.pixels.map { $0.isFinite ? 1 : 0 })
      }
      return StereoProxy(
        leftDisparity: leftDisparity, leftConfidence: confidence(leftDisparity),
        rightDisparity: rightDisparity, rightConfidence: confidence(rightDisparity))
    }
    let (checkedLeft, leftConfidence) = crossChecked(
      leftDisparity, against: rightDisparity, direction: -1, tolerance: tolerance)
    let (checkedRight, rightConfidence) = crossChecked(
      rightDisparity, against: leftDisparity, direction: 1, tolerance: tolerance)
    return StereoProxy(
      leftDisparity: checkedLeft, leftConfidence: leftConfidence, rightDisparity: checkedRight,
      rightConfidence: rightConfidence)
  }

  /// Keeps the pixels of `map` whose partner in the other view, at column
  /// `round(x + direction·d(x))`, has a disparity within `tolerance`; confidence `1/(1 + Δ)`.
  ///
  /// - Returns: The checked map (`.infinity` where rejected) and its confidence (0 there).
  static func crossChecked(_ map: Image, against other: Image, direction: Float, tolerance: Float)
    -> (disparity: Image, confidence: Image)
  {
    var disparity = map
    var confidence = Image(width: map.width, height: map.height, channels: 1)
    for y in 0..<map.height {
      for x in 0..<map.width {
        let d = map[y, x, 0]
        guard d.isFinite else { continue }
        let partner = Int((Float(x) + direction * d).rounded())
        var difference = Float.infinity
        if partner >= 0 && partner < map.width {
          let e = other[y, partner, 0]
          if e.isFinite { difference = abs(d - e) }
        }
        if difference <= tolerance {
          confidence[y, x, 0] = 1 / (1 + difference)
        } else {
          disparity[y, x, 0] = .infinity
        }
      }
    }
    return (disparity, confidence)
  }
}
