import Foundation
import StereoData
import StereoTensor

/// Moves a disparity map's known pixels that disagree with the surface they look like onto it:
/// a joint-bilateral weighted median of the known disparities around each known pixel, guided by
/// the left view (the weighted median post-processing of Ma et al. 2013, "Constant time weighted
/// median filtering for stereo matching", computed directly).
///
/// For a known pixel `p` with disparity `d(p)`, over the known pixels `q` of the `(2r+1)²` window
/// around `p` (clipped at the borders, `p` included), with the guide's colours `c` in [0, 1]
/// rounded to 8 bits (grey counts as three equal channels):
///
///     w(p, q) = exp(−‖c(p) − c(q)‖² / (2σ²))
///     b(q)    = round(d(q)), at least 0                       (integer bins)
///     m(p)    = the smallest bin b with Σ_{q: b(q) ≤ b} w(p, q) ≥ ½ Σ_q w(p, q)
///     d'(p)   = d(p) if |d(p) − m(p)| ≤ tolerance, else m(p)
///
/// with `r` ``radius`` (9: a 19 × 19 window), `σ` ``sigmaColour`` (0.1) and ``tolerance`` (1 px).
/// Unknown (non-finite) pixels stay unknown and vote for nothing. The pixels it moves are mostly
/// the foreground that matching spreads over the background next to a depth edge, and thin
/// structures: they take the disparity of the neighbours that have their colour. Pixels that
/// agree with their surface keep their sub-pixel value. Time: `(2r+1)²` weighted votes per known
/// pixel whose window holds a bin more than the tolerance away from it (the others cannot move,
/// since the median is one of the window's bins), rows split across ``Parallel/threadCount``
/// threads.
public struct WeightedMedianFilter: Sendable, Equatable {
  /// `r`: the window is `(2r+1) × (2r+1)` pixels.
  public var radius: Int
  /// `σ`: the colour distance (RGB in [0, 1]) at which a vote weighs `e^{−1/2}`.
  public var sigmaColour: Double
  /// The largest distance from the median, in pixels, at which a pixel keeps its own value.
  public var tolerance: Float

  /// `r = 9`, `σ = 0.1`, tolerance 1 px.
  public static let standard = WeightedMedianFilter(radius: 9, sigmaColour: 0.1, tolerance: 1)

  /// Creates a filter; `radius ≥ 1`, `sigmaColour > 0` and `tolerance ≥ 0`, finite.
  public init(radius: Int, sigmaColour: Double, tolerance: Float) {
    precondition(
      radius >= 1 && sigmaColour > 0 && sigmaColour.isFinite && tolerance >= 0
        && tolerance.isFinite,
      "A weighted median needs a radius ≥ 1, σ > 0 and a tolerance ≥ 0, got \(radius), "
        + "\(sigmaColour), \(tolerance)")
    self.radius = radius
    self.sigmaColour = sigmaColour
    self.tolerance = tolerance
  }

  /// The largest bin: disparities are clamped to it (far beyond any range the models have).
  static let maximumBin = 65_535

  /// The filtered map and the number of known pixels it moved.
  ///
  /// - Parameters:
  ///   - disparity: `[H, W, 1]`; non-finite pixels are unknown.
  ///   - guide: `[H, W, 1]` or `[H, W, 3]`, values in [0, 1]: the view the map belongs to.
  public func apply(to disparity: Image, guide: Image) -> (disparity: Image, changed: Int) {
    precondition(
      disparity.channels == 1 && guide.width == disparity.width
        && guide.height == disparity.height && (guide.channels == 1 || guide.channels == 3),
      "The weighted median needs a [H, W, 1] map and a [H, W, 1 or 3] guide of its size")
    let (width, height) = (disparity.width, disparity.height)
    let colours = Self.colours(guide)
    let bins = disparity.pixels.map { value -> Int32 in
      value.isFinite ? Int32(min(max(value.rounded(), 0), Float(Self.maximumBin))) : -1
    }
    let binCount = Int(bins.max() ?? -1) + 1
    guard binCount > 0 else { return (disparity, 0) }
    let scale = 1 / (2 * sigmaColour * sigmaColour * 255 * 255)
    // Indexed by the squared 8-bit colour distance: single precision halves the table (it is
    // read at random), the sums stay in double.
    let weights = (0...(3 * 255 * 255)).map { Float(Foundation.exp(-Double($0) * scale)) }
    let (lowestInRow, highestInRow) = Self.rowExtremes(bins, width: width, radius: radius)
    var output = disparity
    var changedPerRow = [Int](repeating: 0, count: height)
    let (r, tolerance) = (radius, tolerance)
    output.pixels.withUnsafeMutableBufferPointer { out in
      changedPerRow.withUnsafeMutableBufferPointer { changed in
        let shared = UncheckedSendable((out, changed))
        Parallel.forEachRange(height, minimumChunk: 1) { rows in
          let (out, changed) = shared.value
          var histogram = [Double](repeating: 0, count: binCount)
          bins.withUnsafeBufferPointer { bins in
            colours.withUnsafeBufferPointer { colours in
              weights.withUnsafeBufferPointer { weights in
                histogram.withUnsafeMutableBufferPointer { histogram in
                  for y in rows {
                    for x in 0..<width where bins[y * width + x] >= 0 {
                      let own = disparity.pixels[y * width + x]
                      var (lowest, highest) = (Int32.max, Int32(-1))
                      for v in max(0, y - r)...min(height - 1, y + r) {
                        lowest = min(lowest, lowestInRow[v * width + x])
                        highest = max(highest, highestInRow[v * width + x])
                      }
                      // The median is one of the window's bins, in [lowest, highest]: within
                      // the tolerance of both, it cannot move the pixel.
                      if own - Float(lowest) <= tolerance && Float(highest) - own <= tolerance {
                        continue
                      }
                      let centre = (y * width + x) * 3
                      let (red, green, blue) = (
                        Int(colours[centre]), Int(colours[centre + 1]), Int(colours[centre + 2])
                      )
                      var total = 0.0
                      for v in max(0, y - r)...min(height - 1, y + r) {
                        for u in max(0, x - r)...min(width - 1, x + r) {
                          let bin = Int(bins[v * width + u])
                          guard bin >= 0 else { continue }
                          let other = (v * width + u) * 3
                          let (dr, dg, db) = (
                            Int(colours[other]) - red, Int(colours[other + 1]) - green,
                            Int(colours[other + 2]) - blue
                          )
                          let weight = Double(weights[dr * dr + dg * dg + db * db])
                          histogram[bin] += weight
                          total += weight
                        }
                      }
                      var (sum, median) = (0.0, Int(highest))
                      for bin in Int(lowest)...Int(highest) {
                        sum += histogram[bin]
                        if sum >= total / 2 {
                          median = bin
                          break
                        }
                      }
                      for bin in Int(lowest)...Int(highest) { histogram[bin] = 0 }
                      if abs(own - Float(median)) > tolerance {
                        out[y * width + x] = Float(median)
                        changed[y] += 1
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (output, changedPerRow.reduce(0, +))
  }

  /// The smallest and largest known bin in each pixel's row segment `x − r … x + r` (`Int32.max`
  /// and −1 where it holds none), `H·W` each.
  static func rowExtremes(_ bins: [Int32], width: Int, radius r: Int) -> ([Int32], [Int32]) {
    var (lowest, highest) = (
      [Int32](repeating: .max, count: bins.count), [Int32](repeating: -1, count: bins.count)
    )
    for row in stride(from: 0, to: bins.count, by: max(width, 1)) {
      for x in 0..<width {
        for u in max(0, x - r)...min(width - 1, x + r) where bins[row + u] >= 0 {
          lowest[row + x] = min(lowest[row + x], bins[row + u])
          highest[row + x] = max(highest[row + x], bins[row + u])
        }
      }
    }
    return (lowest, highest)
  }

  /// The guide as 8-bit RGB, `3·H·W` values (grey repeated).
  static func colours(_ guide: Image) -> [UInt8] {
    let bytes = guide.pixels.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
    guard guide.channels == 1 else { return bytes }
    return (0..<(3 * bytes.count)).map { bytes[$0 / 3] }
  }
}
