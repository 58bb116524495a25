import StereoData

/// Removes speckles from a disparity map: small connected regions that disagree with everything
/// around them, as OpenCV's `filterSpeckles` (SGBM's `speckleWindowSize` and `speckleRange`).
///
/// Two 4-neighbours `p`, `q` are connected when both are known (finite) and
///
///     |d(p) − d(q)| ≤ maximumDifference
///
/// and every connected region of at most ``maximumSize`` pixels becomes unknown (`+∞`). OpenCV
/// compares 16×-fixed-point integers; on disparities that are multiples of 1/16 both agree
/// exactly. Linear in the pixels: each pixel joins one region once (breadth first, no recursion).
public struct SpeckleFilter: Sendable, Equatable {
  /// The largest region removed, in pixels; 0 disables the filter.
  public var maximumSize: Int
  /// The largest disparity step within a region, in the map's pixels.
  public var maximumDifference: Float

  /// The SGBM proxies' settings (``ProxyDisparityConfiguration/standardMatcher``): 100 pixels,
  /// 2 px.
  public static let standard = SpeckleFilter(
    maximumSize: ProxyDisparityConfiguration.standardMatcher.speckleWindowSize,
    maximumDifference: Float(ProxyDisparityConfiguration.standardMatcher.speckleRange))
  /// The filter that removes nothing.
  public static let off = SpeckleFilter(maximumSize: 0, maximumDifference: 0)

  /// Creates a filter; `maximumSize ≥ 0` and `maximumDifference ≥ 0`, finite.
  public init(maximumSize: Int, maximumDifference: Float) {
    precondition(
      maximumSize >= 0 && maximumDifference >= 0 && maximumDifference.isFinite,
      "A speckle filter needs a size ≥ 0 and a finite difference ≥ 0, got \(maximumSize), "
        + "\(maximumDifference)")
    self.maximumSize = maximumSize
    self.maximumDifference = maximumDifference
  }

  /// The map with its speckles `+∞`.
  ///
  /// - Parameter disparity: `[H, W, 1]`; non-finite pixels are unknown and connect to nothing.
  /// - Returns: the filtered map and the number of pixels it removed.
  public func apply(to disparity: Image) -> (disparity: Image, removed: Int) {
    var filtered = disparity
    let removed = apply(to: &filtered)
    return (filtered, removed)
  }

  /// Sets the speckles of `disparity` (`[H, W, 1]`) to `+∞` in place; returns how many pixels.
  public func apply(to disparity: inout Image) -> Int {
    precondition(
      disparity.channels == 1 && disparity.pixels.count < Int(Int32.max),
      "The speckle filter needs a [H, W, 1] map of fewer than 2³¹ pixels")
    guard maximumSize > 0 else { return 0 }
    let width = disparity.width
    let count = disparity.pixels.count
    var visited = [Bool](repeating: false, count: count)
    var region = [Int32](repeating: 0, count: count)
    var removed = 0
    let limit = maximumDifference
    disparity.pixels.withUnsafeMutableBufferPointer { values in
      visited.withUnsafeMutableBufferPointer { visited in
        region.withUnsafeMutableBufferPointer { region in
          // region[0..<end] holds the current region; [next..<end] is its unexpanded part.
          var end = 0
          func join(_ q: Int, from d: Float) {  // q < 0: outside the image
            if q >= 0 && !visited[q] && values[q].isFinite && abs(values[q] - d) <= limit {
              visited[q] = true
              region[end] = Int32(truncatingIfNeeded: q)
              end += 1
            }
          }
          for start in 0..<count where !visited[start] && values[start].isFinite {
            visited[start] = true
            region[0] = Int32(truncatingIfNeeded: start)
            end = 1
            var next = 0
            while next < end {
              let p = Int(region[next])
              next += 1
              let (d, x) = (values[p], p % width)
              join(x > 0 ? p - 1 : -1, from: d)
              join(x < width - 1 ? p + 1 : -1, from: d)
              join(p - width, from: d)
              join(p + width < count ? p + width : -1, from: d)
            }
            if end <= maximumSize {
              for i in 0..<end { values[Int(region[i])] = .infinity }
              removed += end
            }
          }
        }
      }
    }
    return removed
  }
}
