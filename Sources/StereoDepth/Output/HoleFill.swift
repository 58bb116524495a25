import StereoData
import StereoTensor

/// Gives the unknown pixels of a marked map the disparity of a kept neighbour that the other view
/// agrees with.
///
/// For an unknown left-view pixel `p = (x, y)`, the candidates are the nearest kept pixels `q` to
/// its left, to its right, above it and below it, each at most ``reach`` pixels away. A candidate
/// passes when the right view agrees with its disparity at `p`, the left-right check the pixel
/// failed at its own value (``LeftRightConsistency/disagreement(_:x:direction:other:width:)``):
///
///     |d(q) − d_R(x − d(q))| ≤ τ        (0 ≤ x − d(q) ≤ W − 1)
///
/// Of the candidates that pass, `p` takes the disparity of the one whose colour is nearest its own
/// in the left view, `‖I(p) − I(q)‖²` (ties: left, right, above, below). Candidates come from the
/// map before the fill, so the result does not depend on the order of the pixels. A filled pixel
/// passes the same check as every kept pixel.
///
/// Chosen on the proxy set (docs/RUNS.md, "Holes filled from their neighbours"): 3.99 → 3.74%
/// pooled bad-3 with density 91.9 → 96.5%; on the evaluation sets it gains nothing on average
/// (mean bad-3 9.09 → 9.12), since a neighbour's value also passes the check where the right
/// view's estimate is as poor as the left's, so it is an option (`wnet infer --fill-holes`).
public struct HoleFill: Sendable, Equatable {
  /// The farthest a candidate may lie from the hole, in pixels.
  public var reach: Int

  /// Candidates within 32 px.
  public static let standard = HoleFill()

  /// Creates a fill whose candidates lie within `reach ≥ 1` pixels.
  public init(reach: Int = 32) {
    precondition(reach >= 1, "Hole fill needs a reach of at least 1 px, got \(reach)")
    self.reach = reach
  }

  /// The map with its holes filled where a candidate passes, and how many were filled.
  ///
  /// - Parameters:
  ///   - disparity: `[H, W, 1]`, the left view's marked map; non-finite pixels are unknown.
  ///   - guide: `[H, W, 1 or 3]`, the left view.
  ///   - right: `[H, W, 1]`, the right view's dense disparity `d_R`.
  ///   - maximumDifference: `τ`.
  public func apply(
    to disparity: Image, guide: Image, right: Image, maximumDifference: Float
  ) -> (disparity: Image, filled: Int) {
    let (width, height, channels) = (disparity.width, disparity.height, guide.channels)
    precondition(
      disparity.channels == 1 && right.channels == 1 && guide.width == width
        && guide.height == height && right.width == width && right.height == height
        && (channels == 1 || channels == 3),
      "The hole fill needs [H, W, 1] maps and a [H, W, 1 or 3] guide of one size")
    guard width > 0, height > 0 else { return (disparity, 0) }
    let (above, below) = verticalNeighbours(of: disparity)
    var output = disparity
    var filledPerRow = [Int](repeating: 0, count: height)
    let reach = reach
    output.pixels.withUnsafeMutableBufferPointer { out in
      filledPerRow.withUnsafeMutableBufferPointer { filled in
        disparity.pixels.withUnsafeBufferPointer { map in
          guide.pixels.withUnsafeBufferPointer { colours in
            right.pixels.withUnsafeBufferPointer { rightMap in
              let shared = UncheckedSendable((out, filled, map, colours, rightMap))
              Parallel.forEachRange(height, minimumChunk: 8) { rows in
                let (out, filled, map, colours, rightMap) = shared.value
                // The nearest kept column at or after each column of the row (−1: none).
                var next = [Int32](repeating: -1, count: width)
                for y in rows {
                  let row = y * width
                  var following: Int32 = -1
                  for x in stride(from: width - 1, through: 0, by: -1) {
                    if map[row + x].isFinite { following = Int32(x) }
                    next[x] = following
                  }
                  var (previous, count) = (-1, 0)
                  for x in 0..<width {
                    guard !map[row + x].isFinite else {
                      previous = x
                      continue
                    }
                    var (best, nearest) = (Float.nan, Float.infinity)
                    func consider(_ q: Int) {
                      let d = map[q]
                      guard
                        LeftRightConsistency.disagreement(
                          d, x: x, direction: -1, other: rightMap.baseAddress! + row,
                          width: width) <= maximumDifference
                      else { return }
                      let distance = Self.colourDistance(
                        colours.baseAddress!, channels: channels, row + x, q)
                      if distance < nearest { (best, nearest) = (d, distance) }
                    }
                    if previous >= 0 && x - previous <= reach { consider(row + previous) }
                    let after = Int(next[x])
                    if after >= 0 && after - x <= reach { consider(row + after) }
                    if above[row + x] >= 0 { consider(Int(above[row + x])) }
                    if below[row + x] >= 0 { consider(Int(below[row + x])) }
                    if !best.isNaN {
                      out[row + x] = best
                      count += 1
                    }
                  }
                  filled[y] = count
                }
              }
            }
          }
        }
      }
    }
    return (output, filledPerRow.reduce(0, +))
  }

  /// `‖I(p) − I(q)‖²` over the guide's channels, summed in channel order.
  @inline(__always)
  static func colourDistance(_ colours: UnsafePointer<Float>, channels: Int, _ p: Int, _ q: Int)
    -> Float
  {
    var distance: Float = 0
    for c in 0..<channels {
      let delta = colours[q * channels + c] - colours[p * channels + c]
      distance += delta * delta
    }
    return distance
  }

  /// For each pixel, the index of the nearest kept pixel above it and below it in its column
  /// within ``reach`` rows (−1: none), `[H·W]` each.
  func verticalNeighbours(of disparity: Image) -> (above: [Int32], below: [Int32]) {
    let (width, height, reach) = (disparity.width, disparity.height, reach)
    var above = [Int32](repeating: -1, count: width * height)
    var below = [Int32](repeating: -1, count: width * height)
    above.withUnsafeMutableBufferPointer { above in
      below.withUnsafeMutableBufferPointer { below in
        disparity.pixels.withUnsafeBufferPointer { map in
          let shared = UncheckedSendable((above, below, map))
          // Columns in blocks, each block's rows in order: the reads stay along rows.
          Parallel.forEachRange(width, minimumChunk: 64) { columns in
            let (above, below, map) = shared.value
            var last = [Int](repeating: -1, count: columns.count)
            for y in 0..<height {
              for (k, x) in columns.enumerated() {
                let index = y * width + x
                if map[index].isFinite {
                  last[k] = y
                } else if last[k] >= 0 && y - last[k] <= reach {
                  above[index] = Int32(last[k] * width + x)
                }
              }
            }
            for k in last.indices { last[k] = -1 }
            for y in stride(from: height - 1, through: 0, by: -1) {
              for (k, x) in columns.enumerated() {
                let index = y * width + x
                if map[index].isFinite {
                  last[k] = y
                } else if last[k] >= 0 && last[k] - y <= reach {
                  below[index] = Int32(last[k] * width + x)
                }
              }
            }
          }
        }
      }
    }
    return (above, below)
  }
}
