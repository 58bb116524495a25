internal import CStereoKernels
import Foundation
import StereoData
import StereoTensor

/// Moves a disparity map's known pixels that disagree with the surface they look like onto it:
/// a joint-bilateral weighted median of the known disparities around each known pixel, guided by
/// the left view (the weighted median post-processing of Ma et al. 2013, "Constant time weighted
/// median filtering for stereo matching", computed directly).
///
/// For a known pixel `p` with disparity `d(p)`, over the known pixels `q = p + s·(i, j)` of the
/// window (`|s·i|, |s·j| ≤ r`, inside the image, `p` included), with the guide's colours `c`
/// to 8 bits (`⌊255·c + ½⌋`, 0…255; grey counts as three equal channels):
///
///     w(p, q) = weight(−‖c(p) − c(q)‖² / (2σ²·255²))          (``weight(_:)``: ≈ exp)
///     b(q)    = ⌊d(q) + ½⌋, at least 0                        (integer bins)
///     m(p)    = the smallest bin b with Σ_{q: b(q) ≤ b} w(p, q) ≥ ½ Σ_q w(p, q)
///     d'(p)   = d(p) if |d(p) − m(p)| ≤ tolerance, else m(p)
///
/// with `r` ``radius`` (9: a 19 × 19 window), `s` ``step`` (1: every pixel votes), `σ`
/// ``sigmaColour`` (0.1) and ``tolerance`` (1 px). Unknown (non-finite) pixels stay unknown and
/// vote for nothing. The pixels it moves are mostly the foreground that matching spreads over the
/// background next to a depth edge, and thin structures: they take the disparity of the
/// neighbours that have their colour. Pixels that agree with their surface keep their sub-pixel
/// value.
///
/// Computed in single precision, in an order that vectorises: a pixel whose votes' bins all lie
/// within the tolerance of `d(p)` cannot move (the median is one of them). For the others, one
/// pass sums `total = Σ w`, `below = Σ w [b < ⌈d − tolerance⌉]` and `upto = Σ w [b ≤ ⌊d +
/// tolerance⌋]` in scan order: the median lies below the tolerance band iff `below ≥ total/2`,
/// above it iff `upto < total/2`, and otherwise the pixel stays. Only a pixel that moves bins the
/// votes on its side to find `m(p)`. On CPUs with AVX2 the C kernels
/// (`wnet_weighted_median_row`, eight or, with AVX-512, sixteen pixels per vector) do this with
/// the same float operations in the same order, so the same bits; the Swift path is their
/// fallback and oracle. Rows are split across ``Parallel/threadCount`` threads.
public struct WeightedMedianFilter: Sendable, Equatable {
  /// `r`: the window is `(2r+1) × (2r+1)` pixels.
  public var radius: Int
  /// `σ`: the colour distance (RGB in [0, 1]) at which a vote weighs `e^{−1/2}`.
  public var sigmaColour: Double
  /// The largest distance from the median, in pixels, at which a pixel keeps its own value.
  public var tolerance: Float
  /// `s`: the votes come from every `s`-th row and column of the window, centred on the pixel.
  public var step: Int
  /// Only pixels whose votes' known bins span at least this many pixels (highest − lowest) are
  /// filtered; 0 (the default): every pixel. A slanted surface's pixels, which the median leaves
  /// where they are, span little.
  public var edgeSpan: Int

  /// `r = 9`, `σ = 0.1`, tolerance 1 px, every pixel votes and every pixel is filtered:
  /// `wnet infer --median full`.
  public static let standard = WeightedMedianFilter(radius: 9, sigmaColour: 0.1, tolerance: 1)

  /// The marked map's default (``InvalidPixelRule``): ``standard`` at depth edges only (a span
  /// of at least 4 px among the votes), from every second row and column of the window. About a
  /// twelfth of ``standard``'s time at 640×480 (docs/RUNS.md, "The weighted median by default").
  public static let edges = WeightedMedianFilter(
    radius: 9, sigmaColour: 0.1, tolerance: 1, step: 2, edgeSpan: 4)

  /// The pixels per vector of the C kernels this CPU runs: 8 (AVX2 + FMA) and, with AVX-512,
  /// 16; empty without AVX2. Every entry gives the same result, bit for bit.
  package static let laneChoices: [Int] =
    wnet_narrow_conv3x3_available() == 0
    ? [] : wnet_narrow_conv3x3_avx512_available() != 0 ? [8, 16] : [8]

  /// The lanes ``apply(to:guide:)`` uses: ``lanes(overriddenBy:)`` of `WNET_WEIGHTED_MEDIAN`.
  static let lanes = lanes(overriddenBy: "WNET_WEIGHTED_MEDIAN")

  /// The widest of ``laneChoices`` (`nil`, the Swift path, without AVX2); the environment
  /// variable `variable` set to `8` keeps AVX2 and `0` the Swift path (for comparison). Shared by
  /// the kernels that weigh votes as this filter does.
  package static func lanes(overriddenBy variable: String) -> Int? {
    switch ProcessInfo.processInfo.environment[variable] {
    case "0": return nil
    case "8": return laneChoices.first
    default: return laneChoices.last
    }
  }

  /// Creates a filter; `radius ≥ 1`, `sigmaColour > 0`, `tolerance ≥ 0` finite,
  /// `1 ≤ step ≤ radius` and `edgeSpan ≥ 0`.
  public init(
    radius: Int, sigmaColour: Double, tolerance: Float, step: Int = 1, edgeSpan: Int = 0
  ) {
    precondition(
      radius >= 1 && sigmaColour > 0 && sigmaColour.isFinite && tolerance >= 0
        && tolerance.isFinite && step >= 1 && step <= radius && edgeSpan >= 0,
      "A weighted median needs a radius ≥ 1, σ > 0, a tolerance ≥ 0, a step in 1…radius and "
        + "an edge span ≥ 0, got \(radius), \(sigmaColour), \(tolerance), \(step), \(edgeSpan)")
    self.radius = radius
    self.sigmaColour = sigmaColour
    self.tolerance = tolerance
    self.step = step
    self.edgeSpan = edgeSpan
  }

  /// The largest bin: disparities are clamped to it (far beyond any range the models have).
  public static let maximumBin = 65_535

  /// A known disparity's bin: `⌊d + ½⌋` clamped to 0…``maximumBin``.
  @inlinable @inline(__always)
  public static func bin(_ d: Float) -> Float {
    min(max((d + 0.5).rounded(.down), 0), Float(maximumBin))
  }

  /// The colour of unknown pixels and of the padding in ``Planes``: far enough from any 8-bit
  /// colour that ``weight(_:)`` gives their votes 0, so that the C kernels need not test them.
  static let poison: Float = 10_000

  /// The votes' weight `≈ eˣ`, cheaper than VectorMath's exponential (the kernels compute one
  /// per vote): with `y = max(x, L)·log₂e`, `n = ⌊y⌋`, `f = y − n`,
  ///
  ///     weight(x) = 2ⁿ · (1 + f·(c₁ + f·(c₂ + f·c₃)))        (fused steps; 0 below L)
  ///
  /// `L` = ``VectorMath/ExpConstants/lowerLimit``; the cubic is a least-squares fit of `2ᶠ` on
  /// [0, 1] with `P(0) = 1`, `P(1) = 2` (relative error below 1.2·10⁻⁴).
  @inlinable @inline(__always)
  public static func weight(_ x: Float) -> Float {
    let lower = VectorMath.ExpConstants.lowerLimit
    let y = max(x, lower) * VectorMath.ExpConstants.log2e
    let n = y.rounded(.down)
    let f = y - n
    var p = WeightConstants.c2.addingProduct(WeightConstants.c3, f)
    p = WeightConstants.c1.addingProduct(p, f)
    p = Float(1).addingProduct(p, f)
    let scale = Float(bitPattern: UInt32(bitPattern: (Int32(n) &+ 127) << 23))
    return x < lower ? 0 : p * scale
  }

  /// ``weight(_:)``'s constants in the order of `CStereoKernels.h`'s `WNET_WEIGHT_…` indices, for
  /// the kernels of other modules that weigh votes as this filter does.
  package static var kernelWeightConstants: [Float] { WeightConstants.kernel }

  /// ``weight(_:)``'s cubic.
  @usableFromInline
  enum WeightConstants {
    @usableFromInline static let c1: Float = 0.695_502
    @usableFromInline static let c2: Float = 0.226_269_81
    @usableFromInline static let c3: Float = 0.078_228_176

    /// The constants in the order of `CStereoKernels.h`'s `WNET_WEIGHT_…` indices.
    static let kernel: [Float] = {
      var constants = [Float](repeating: 0, count: WNET_WEIGHT_CONSTANT_COUNT)
      constants[WNET_WEIGHT_LOWER] = VectorMath.ExpConstants.lowerLimit
      constants[WNET_WEIGHT_LOG2E] = VectorMath.ExpConstants.log2e
      constants[WNET_WEIGHT_C1] = c1
      constants[WNET_WEIGHT_C2] = c2
      constants[WNET_WEIGHT_C3] = c3
      return constants
    }()
  }

  /// The filtered map and the number of known pixels it moved.
  ///
  /// - Parameters:
  ///   - disparity: `[H, W, 1]`; non-finite pixels are unknown.
  ///   - guide: `[H, W, 1]` or `[H, W, 3]`, values in [0, 1]: the view the map belongs to.
  public func apply(to disparity: Image, guide: Image) -> (disparity: Image, changed: Int) {
    apply(to: disparity, guide: guide, lanes: Self.lanes)
  }

  /// ``apply(to:guide:)`` through the C kernels with `lanes` pixels per vector (one of
  /// ``laneChoices``) or, with `nil`, the Swift path: the same result, bit for bit. `sums`, if
  /// given (`3·H·W` floats), receives each filtered pixel's `total`, `below` and `upto`.
  func apply(
    to disparity: Image, guide: Image, lanes: Int?, sums: UnsafeMutablePointer<Float>? = nil
  ) -> (disparity: Image, changed: Int) {
    precondition(
      disparity.channels == 1 && guide.width == disparity.width
        && guide.height == disparity.height && (guide.channels == 1 || guide.channels == 3),
      "The weighted median needs a [H, W, 1] map and a [H, W, 1 or 3] guide of its size")
    let (width, height) = (disparity.width, disparity.height)
    precondition(lanes == nil || Self.laneChoices.contains(lanes!), "No such kernel here")
    let vectorized = lanes != nil
    let planes = Planes(
      disparity: disparity, guide: guide, radius: radius, vectorized: vectorized)
    guard planes.binCount > 0 else { return (disparity, 0) }
    let (lowest, highest) = planes.voteExtremes(step: step, vectorized: vectorized)
    let negativeScale = Float(-1 / (2 * sigmaColour * sigmaColour * 255 * 255))
    var output = disparity
    var changedPerRow = [Int](repeating: 0, count: height)
    output.pixels.withUnsafeMutableBufferPointer { out in
      changedPerRow.withUnsafeMutableBufferPointer { changed in
        let shared = UncheckedSendable((out, changed, sums))
        // Depth edges gather in parts of the image (on the OAK-D desk pair the lower half holds
        // 62% of the filtered pixels): each thread takes every `threads`-th band of four rows
        // rather than one contiguous share.
        Parallel.forEachInterleavedBand(height, band: 4) { rows in
          let (out, changed, sums) = shared.value
          var histogram = [Float](repeating: 0, count: planes.binCount)
          var weights = [Float](
            repeating: 0,
            count: lanes == nil ? 0 : 16 * (2 * (radius / step) + 1) * (2 * (radius / step) + 1))
          for y in rows {
            let row = UnsafeMutableBufferPointer(rebasing: out[(y * width)..<((y + 1) * width)])
            let rowSums = sums.map { $0 + 3 * y * width }
            changed[y] =
              if let lanes {
                planes.kernelRow(
                  y, filter: self, lanes: lanes, lowest: lowest, highest: highest,
                  negativeScale: negativeScale,
                  histogram: &histogram, weights: &weights, output: row, sums: rowSums)
              } else {
                planes.swiftRow(
                  y, filter: self, lowest: lowest, highest: highest, negativeScale: negativeScale,
                  histogram: &histogram, output: row, sums: rowSums)
              }
          }
        }
      }
    }
    return (output, changedPerRow.reduce(0, +))
  }

}
