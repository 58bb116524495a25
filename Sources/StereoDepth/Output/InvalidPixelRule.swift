internal import CStereoKernels
import Foundation
import StereoClassic
import StereoData
import StereoTensor

/// Which of the network's pixels count as unknown, and the confidence it reports: the one rule
/// behind `wnet infer`'s marked outputs and `wnet eval`'s density.
///
/// Per left-view pixel, with `p` the peak probability of its distribution (``DisparityConfidence``)
/// and `e = |d_L(x) − d_R(x − d_L(x))|` the left-right disagreement (``LeftRightConsistency``,
/// `+∞` where `x − d_L(x)` leaves the image), both in the network's pixels:
///
///     valid(x)       = e ≤ τ  and  p ≥ p_min
///     confidence(x)  = p · exp(−e / τ)            (0 where e is not finite)
///
/// `τ` is ``maximumLeftRightDifference`` (the model's own by default,
/// ``WNetConfiguration/defaultLeftRightThreshold``: 1.25 px for `matching` since session 58, 1 px
/// for the others, as SGBM's `disp12MaxDiff`-style checks and KITTI's usual left-right check),
/// `p_min` ``minimumPeakProbability`` (0 by default: the peak's scale depends on the number of candidates, 48 for `realtime`, 5 offsets for
/// `matching`'s finest scale, so one default would mean different things). The confidence lies
/// in [0, 1]: the distribution's own certainty, discounted by `e^{−1} ≈ 0.37` at the threshold.
/// Then the valid pixels' speckles are removed (``speckles``, OpenCV's `filterSpeckles`: connected
/// regions of at most 100 pixels whose neighbours differ by at most 2 px, the settings of the SGBM
/// proxies): small islands that differ from everything around them, mostly on weakly textured
/// surfaces. The confidence is left as it is there. Then (``median``; by default
/// ``WeightedMedianFilter/edges``) the kept pixels near depth edges go through a weighted median
/// guided by the left view (``WeightedMedianFilter``): those more than 1 px from the median of
/// the neighbours with their colour take that median, which moves the foreground spread over the
/// background at depth edges back onto its surface. Last (``holes``; by default
/// ``HoleFill/standard``), the unknown pixels take the colour-weighted median of the kept
/// disparities around them where the right view agrees with it (``HoleFill``).
/// Invalid pixels become `+∞` in the disparity (PFM `inf`, KITTI PNG 0, black, no depth, no
/// point), exactly as a classical matcher's unknown pixels.
public struct InvalidPixelRule: Sendable, Equatable {
  /// `τ`: the largest left-right disagreement kept, in the network's pixels (the input's for
  /// `matching`, which runs at the input's size or, enlarged, has its disagreement converted):
  /// ``leftRightThreshold``, or 1 where that is `nil` (a rule not yet given a model's default by
  /// ``resolved(for:)``).
  public var maximumLeftRightDifference: Float {
    get { leftRightThreshold ?? 1 }
    set { leftRightThreshold = newValue }
  }
  /// `τ` as given, or `nil` (the default) for the model's own
  /// (``WNetConfiguration/defaultLeftRightThreshold``), which ``resolved(for:)`` fills in; a
  /// prediction's rule (``DisparityPrediction/invalidPixelRule``) is always resolved.
  public var leftRightThreshold: Float?
  /// `p_min`: the smallest peak probability kept.
  public var minimumPeakProbability: Float
  /// The speckle filter applied to the pixels the check kept (``SpeckleFilter/off`` for none).
  public var speckles: SpeckleFilter
  /// The weighted median applied to the kept pixels last (``WeightedMedianFilter/edges`` by
  /// default), or `nil` for none.
  public var median: WeightedMedianFilter?
  /// The fill of the unknown pixels applied last (``HoleFill``: the colour-weighted median of
  /// the kept disparities around each, kept where the right view agrees with it within `τ`;
  /// ``HoleFill/standard`` by default), or `nil` for none.
  public var holes: HoleFill?
  /// How many scales before the left view's the right view's estimate `d_R` ends (0: the same
  /// scale), up-sampled: a coarse-to-fine network then skips the right view's finest
  /// refinements, the costliest steps of the check (``InferencePlan``'s `rightDroppingScales`);
  /// `nil` (the default) for ``defaultRightViewScalesDropped``.
  public var rightViewScalesDropped: Int?

  /// ``rightViewScalesDropped``'s default: 1, for a pair inferred as it comes and for one the
  /// model is adapted to first (``TestTimeAdaptation``).
  ///
  /// With the propagated hand-on (``defaultRightViewHandOn``) the right view refined to 1/2 and
  /// handed on is the check's best partner on the label-free judges: sum 16.362 against 16.681
  /// refined to full resolution (0) and 16.828 ending at 1/4 (2), `float32` AVX2 (docs/RUNS.md,
  /// "The right view ending two scales early, handed on by propagation"). 0 had won against the
  /// bilinear hand-on (sessions 50-51), and was the adapted pairs' default until session 59; with
  /// `--adapt 10` the photometric check on the held-out judge now prefers 1 narrowly (census
  /// 8.109 against 8.111, 29 of 57 pairs; "The adapted pair's check with the propagated right
  /// view"), and 1 skips the right view's costliest unit.
  public static let defaultRightViewScalesDropped = 1

  /// How the right view's estimate reaches the next finer scale when it ends early
  /// (``rightViewScalesDropped`` ≥ 1).
  public enum RightViewHandOn: String, CaseIterable, Sendable {
    /// Bilinear up-sampling (times 2) all the way to the left view's scale.
    case bilinear
    /// The first hand-on after its last scale by propagation (``DisparityPropagation``: each
    /// finer pixel takes the bilinear estimate, or where the coarser 3×3 neighbours disagree by
    /// more than 2 px the neighbour whose features match best; its features at that scale are
    /// computed for it), then bilinear up-sampling for any scale left.
    case propagated
  }
  /// The right view's hand-on when it ends early, or `nil` (the default) for
  /// ``defaultRightViewHandOn``.
  public var rightViewHandOn: RightViewHandOn?
  /// ``rightViewHandOn``'s default: ``RightViewHandOn/propagated`` (since session 58).
  ///
  /// With the bundled model it lowers the label-free judges' sum from 16.737 to 16.459
  /// (`float32`, AVX2; every judge lower), the photometric check prefers it on 102 of 106 and
  /// 57 of 57 pairs, and at 640×480 the marked map takes 0.88× SGBM's time and 1.03× the
  /// bilinear check's on a Zen 3 core, 35-37 frames per second at 192×336 (docs/RUNS.md, "The
  /// right view's full-resolution hand-on propagated for the check"; bfloat16 was not judged).
  /// Where the right view ends at the left view's scale (`--lr-right-drop 0`) there
  /// is no hand-on and it changes nothing.
  public static let defaultRightViewHandOn = RightViewHandOn.propagated
  /// `P`, the edge-replicated columns added at the left side of both views before the network,
  /// or `nil` for the model's default (``WNetConfiguration/defaultBorderPadding``: 16 for
  /// `matching`, 0 for the others).
  ///
  /// The maps are cropped back before the check
  /// (``DisparityEstimator/estimateBothViews(left:right:droppingFinestScales:rightDroppingScales:borderPadding:rowPadding:)``).
  /// Every stage (features, coarse aggregation, refinements) then computes the left border
  /// columns as interior ones, `P` columns away from its convolutions' zero padding: the matches
  /// that land in the right view's first columns, and the left band `x < d` filled from them, go
  /// less often wrong (widening the features alone, or scoring beyond-the-border candidates
  /// against the border column, does not do it: docs/RUNS.md). The disparities do not change
  /// (both views move by `P`); the network sees `W + P` columns. Only the left side: the same
  /// columns at the right side too changed no judge (docs/RUNS.md, "The left border padded by
  /// default"). 16 for `matching` lowers its label-free judges' sum by 0.12 for about 3% of the
  /// marked map's time.
  public var borderPadding: Int?
  /// `R`, the edge-replicated rows added at the top and at the bottom of both views.
  ///
  /// They are added before the network, rounded up to whole output pixels, and cropped before
  /// the check, as ``borderPadding``'s columns; `nil` means the model's default
  /// (``WNetConfiguration/defaultRowPadding``). The convolutions then pad rows that are copies of
  /// the border rows with zeros, `R` rows away from the views' first and last rows.
  public var rowPadding: Int?

  /// The default: the model's `τ` (``WNetConfiguration/defaultLeftRightThreshold``), `p_min = 0`, speckles of up to 100 pixels within 2 px removed, the
  /// weighted median at depth edges, the right view's estimate one scale coarser and handed on
  /// by propagation (adapted pairs too, since session 59), the holes filled, the
  /// model's own border padding.
  public static let standard = InvalidPixelRule()

  /// The rule with the defaults left `nil` filled in: ``leftRightThreshold`` from
  /// `configuration` (``WNetConfiguration/defaultLeftRightThreshold``),
  /// ``rightViewScalesDropped`` (``defaultRightViewScalesDropped``) and ``rightViewHandOn``
  /// (``defaultRightViewHandOn``).
  public func resolved(for configuration: WNetConfiguration) -> InvalidPixelRule {
    var rule = self
    rule.leftRightThreshold = leftRightThreshold ?? configuration.defaultLeftRightThreshold
    rule.rightViewScalesDropped = rightViewScalesDropped ?? Self.defaultRightViewScalesDropped
    rule.rightViewHandOn = rightViewHandOn ?? Self.defaultRightViewHandOn
    return rule
  }

  /// Creates a rule.
  ///
  /// - Parameters:
  ///   - maximumLeftRightDifference: `τ`, positive, or `nil` (the default) for the model's own
  ///     (``WNetConfiguration/defaultLeftRightThreshold``).
  ///   - minimumPeakProbability: `p_min`, in [0, 1].
  ///   - speckles: the speckle filter applied after the check.
  ///   - median: the weighted median applied to the kept pixels last, or `nil` for none.
  ///   - rightViewScalesDropped: scales the right view's estimate ends early, `≥ 0`, or `nil`
  ///     (the default) for ``defaultRightViewScalesDropped``.
  ///   - rightViewHandOn: how the right view's estimate reaches the next scale when it ends
  ///     early, or `nil` (the default) for ``defaultRightViewHandOn``.
  ///   - holes: the fill of the unknown pixels applied last, or `nil` for none.
  ///   - borderPadding: `P`, the columns added at the left side of the views, `≥ 0`, or `nil`
  ///     (the default) for the model's own (``WNetConfiguration/defaultBorderPadding``).
  ///   - rowPadding: `R`, the rows added at the top and at the bottom of the views, `≥ 0`, or
  ///     `nil` (the default) for the model's own (``WNetConfiguration/defaultRowPadding``).
  public init(
    maximumLeftRightDifference: Float? = nil, minimumPeakProbability: Float = 0,
    speckles: SpeckleFilter = .standard, median: WeightedMedianFilter? = .edges,
    rightViewScalesDropped: Int? = nil, rightViewHandOn: RightViewHandOn? = nil,
    holes: HoleFill? = .standard, borderPadding: Int? = nil, rowPadding: Int? = nil
  ) {
    precondition(
      (maximumLeftRightDifference ?? 1) > 0 && (0...1).contains(minimumPeakProbability)
        && (rightViewScalesDropped ?? 0) >= 0 && (borderPadding ?? 0) >= 0
        && (rowPadding ?? 0) >= 0,
      "Invalid-pixel rule needs τ > 0, p_min in [0, 1], scales dropped ≥ 0 and padding ≥ 0, got "
        + "\(maximumLeftRightDifference ?? 1), \(minimumPeakProbability), \(rightViewScalesDropped ?? 0), "
        + "\(borderPadding ?? 0), \(rowPadding ?? 0)")
    self.rightViewScalesDropped = rightViewScalesDropped
    self.rightViewHandOn = rightViewHandOn
    self.borderPadding = borderPadding
    self.rowPadding = rowPadding
    self.leftRightThreshold = maximumLeftRightDifference
    self.minimumPeakProbability = minimumPeakProbability
    self.speckles = speckles
    self.median = median
    self.holes = holes
  }

  /// Whether a pixel with peak `p` and disagreement `e` is kept (`false` when either is NaN).
  @inlinable
  public func isValid(peak p: Float, leftRightDifference e: Float) -> Bool {
    e <= maximumLeftRightDifference && p >= minimumPeakProbability
  }

  /// `p · exp(−e/τ)`, 0 where `e` is not finite (the exponential of ``VectorMath``, within a few
  /// ulp of `Foundation.exp` and several times cheaper: this runs once per pixel).
  @inlinable
  public func confidence(peak p: Float, leftRightDifference e: Float) -> Float {
    confidence(
      peak: p, leftRightDifference: e,
      exponential: VectorMath.expOfNonPositive(confidenceExponent(e)))
  }

  /// `−e/τ`, the exponent of ``confidence(peak:leftRightDifference:)`` (0 where `e` is not
  /// finite, where the confidence is 0 anyway).
  @inlinable
  func confidenceExponent(_ e: Float) -> Float {
    e.isFinite ? -e / maximumLeftRightDifference : 0
  }

  /// ``confidence(peak:leftRightDifference:)`` given `exp(confidenceExponent(e))`.
  @inlinable
  func confidence(peak p: Float, leftRightDifference e: Float, exponential: Float) -> Float {
    e.isFinite ? p * exponential : 0
  }

  /// The rule applied to every pixel: the check in one pass, then the speckle filter, then the
  /// weighted median if there is one.
  ///
  /// - Parameters:
  ///   - disparity: `[H, W, 1]`, the dense estimate.
  ///   - peak: `[H, W, 1]`, the peak probability.
  ///   - leftRightDifference: `[H, W, 1]`, `e` in the network's pixels.
  ///   - guide: `[H, W, 1 or 3]` in [0, 1], the left view: needed when ``median`` or
  ///     ``holes`` is set.
  ///   - rightDisparity: `[H, W, 1]`, the right view's disparity `d_R` in the map's pixels:
  ///     needed when ``holes`` is set.
  ///   - checkScale: the map's pixels per pixel of `e` (the fill's threshold is `τ·checkScale`).
  /// - Returns: the disparity with `+∞` at invalid pixels, the confidence (a filled pixel keeps
  ///   its own, from its failed check), and the number of valid pixels.
  public func apply(
    disparity: Image, peak: Image, leftRightDifference: Image, guide: Image? = nil,
    rightDisparity: Image? = nil, checkScale: Float = 1
  ) -> (disparity: Image, confidence: Image, validCount: Int) {
    apply(
      disparity: disparity, peak: peak, leftRightDifference: leftRightDifference, guide: guide,
      rightDisparity: rightDisparity, checkScale: checkScale, vectorized: VectorKernels.available)
  }

  /// ``apply(disparity:peak:leftRightDifference:guide:rightDisparity:checkScale:)`` with the
  /// check's pass in C (`wnet_invalid_pixel_pass8`, eight pixels per vector, the same bits) or
  /// in Swift.
  func apply(
    disparity: Image, peak: Image, leftRightDifference: Image, guide: Image?,
    rightDisparity: Image?, checkScale: Float, vectorized: Bool
  ) -> (disparity: Image, confidence: Image, validCount: Int) {
    precondition(median == nil || guide != nil, "The weighted median needs the left view")
    precondition(
      holes == nil || (guide != nil && rightDisparity != nil),
      "The hole fill needs the left view and the right view's disparity")
    precondition(
      [peak, leftRightDifference].allSatisfy {
        $0.width == disparity.width && $0.height == disparity.height && $0.channels == 1
      } && disparity.channels == 1,
      "The disparity, peak and left-right maps must be [H, W, 1] of one size")
    var marked = disparity
    var confidence = peak
    let count = disparity.pixels.count
    let chunk = 16_384
    var validPerChunk = [Int](repeating: 0, count: (count + chunk - 1) / chunk)
    let rule = self
    marked.pixels.withUnsafeMutableBufferPointer { markedPixels in
      confidence.pixels.withUnsafeMutableBufferPointer { confidencePixels in
        validPerChunk.withUnsafeMutableBufferPointer { valid in
          peak.pixels.withUnsafeBufferPointer { peaks in
            leftRightDifference.pixels.withUnsafeBufferPointer { differences in
              let shared = UncheckedSendable(
                (markedPixels, confidencePixels, valid, peaks, differences))
              // Chunks of fixed size, so that the count does not depend on the threads.
              Parallel.forEachRange(valid.count, minimumChunk: 1) { chunks in
                let (markedPixels, confidencePixels, valid, peaks, differences) = shared.value
                for chunkIndex in chunks {
                  var kept = 0
                  var start = chunkIndex * chunk
                  let end = min(count, (chunkIndex + 1) * chunk)
                  if vectorized {
                    var keptByKernel = 0
                    start += VectorKernels.expConstants.withUnsafeBufferPointer { constants in
                      wnet_invalid_pixel_pass8(
                        peaks.baseAddress! + start, differences.baseAddress! + start,
                        end - start, rule.maximumLeftRightDifference,
                        rule.minimumPeakProbability, constants.baseAddress,
                        markedPixels.baseAddress! + start, confidencePixels.baseAddress! + start,
                        &keptByKernel)
                    }
                    kept += keptByKernel
                  }
                  // Eight pixels at a time (fewer at the end): the exponentials on one vector,
                  // equal to the scalar one's bit for bit; the rest per pixel, since Swift's
                  // vector masks compile to per-lane stores.
                  for first in stride(from: start, to: end, by: 8) {
                    let lanes = min(8, end - first)
                    var exponents = SIMD8<Float>()
                    for lane in 0..<lanes {
                      exponents[lane] = rule.confidenceExponent(differences[first + lane])
                    }
                    let exponentials = VectorMath.expOfNonPositive(exponents)
                    for lane in 0..<lanes {
                      let index = first + lane
                      let (p, e) = (peaks[index], differences[index])
                      confidencePixels[index] = rule.confidence(
                        peak: p, leftRightDifference: e, exponential: exponentials[lane])
                      if rule.isValid(peak: p, leftRightDifference: e)
                        && markedPixels[index].isFinite
                      {
                        kept += 1
                      } else {
                        markedPixels[index] = .infinity
                      }
                    }
                  }
                  valid[chunkIndex] = kept
                }
              }
            }
          }
        }
      }
    }
    let validCount = validPerChunk.reduce(0, +)
    let removed = Profiler.measure("speckle filter") { speckles.apply(to: &marked) }
    if let median, let guide {
      marked = Profiler.measure("weighted median") {
        median.apply(to: marked, guide: guide).disparity
      }
    }
    var filled = 0
    if let holes, let guide, let rightDisparity {
      (marked, filled) = Profiler.measure("hole fill") {
        holes.apply(
          to: marked, guide: guide, right: rightDisparity,
          maximumDifference: maximumLeftRightDifference * checkScale)
      }
    }
    return (marked, confidence, validCount - removed + filled)
  }
}
