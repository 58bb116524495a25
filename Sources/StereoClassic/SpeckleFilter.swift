import StereoData
import StereoTensor

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
  ///
  /// In bands of rows, one per thread (``applyInBands(to:bands:)``); the same pixels as one
  /// search over the whole map (``applySerially(to:)``), which small maps use.
  public func apply(to disparity: inout Image) -> Int {
    applyInBands(to: &disparity, bands: min(Parallel.threadCount, disparity.height / 16))
  }

  /// The filter with the rows split into `bands` bands searched in parallel, then one pass over
  /// what they could not decide:
  ///
  /// - each band labels its regions without looking past its rows (reading, never writing,
  ///   the rows beyond its edges): a region of at most ``maximumSize`` pixels with no link
  ///   across an edge is a whole speckle, and one of more pixels belongs to a larger region
  ///   either way, so both are decided; a small part that links across an edge is deferred;
  /// - the deferred parts are searched over the whole map, each stopped once it is larger than
  ///   ``maximumSize`` (at most `maximumSize + 1` pixels each) or reaches a pixel of an earlier
  ///   stopped search (the same larger region).
  ///
  /// Removals are applied only after the bands finish, so every band reads the input's values.
  /// One band (or fewer) runs ``applySerially(to:)``.
  func applyInBands(to disparity: inout Image, bands requested: Int) -> Int {
    precondition(
      disparity.channels == 1 && disparity.pixels.count < Int(Int32.max),
      "The speckle filter needs a [H, W, 1] map of fewer than 2³¹ pixels")
    guard maximumSize > 0 else { return 0 }
    let bands = min(requested, disparity.height)
    guard bands > 1 else { return applySerially(to: &disparity) }
    let (width, height, count) = (disparity.width, disparity.height, disparity.pixels.count)
    let (limit, maximumSize) = (maximumDifference, maximumSize)
    var visited = [Bool](repeating: false, count: count)
    var region = [Int32](repeating: 0, count: count)
    // Per band: the pixels of its whole speckles, and one pixel of each deferred part.
    var removals = [[Int32]](repeating: [], count: bands)
    var deferred = [[Int32]](repeating: [], count: bands)
    disparity.pixels.withUnsafeBufferPointer { values in
      visited.withUnsafeMutableBufferPointer { visited in
        region.withUnsafeMutableBufferPointer { region in
          removals.withUnsafeMutableBufferPointer { removals in
            deferred.withUnsafeMutableBufferPointer { deferred in
              let shared = UncheckedSendable((values, visited, region, removals, deferred))
              Parallel.forEachRange(bands, minimumChunk: 1) { chunk in
                let (values, visited, region, removals, deferred) = shared.value
                for band in chunk {
                  let (firstRow, endRow) = (height * band / bands, height * (band + 1) / bands)
                  let (begin, end) = (firstRow * width, endRow * width)
                  @inline(__always)
                  func linked(_ p: Int, _ q: Int) -> Bool {
                    values[q].isFinite && abs(values[q] - values[p]) <= limit
                  }
                  for start in begin..<end where !visited[start] && values[start].isFinite {
                    // region[begin + 0..<size]: this band's current region (its own rows only).
                    visited[start] = true
                    region[begin] = Int32(truncatingIfNeeded: start)
                    var (size, next, crosses) = (1, 0, false)
                    @inline(__always)
                    func join(_ q: Int, from p: Int) {  // q < 0: outside the band
                      if q >= 0 && !visited[q] && linked(p, q) {
                        visited[q] = true
                        region[begin + size] = Int32(truncatingIfNeeded: q)
                        size += 1
                      }
                    }
                    while next < size {
                      let p = Int(region[begin + next])
                      next += 1
                      let x = p % width
                      join(x > 0 ? p - 1 : -1, from: p)
                      join(x < width - 1 ? p + 1 : -1, from: p)
                      join(p - width >= begin ? p - width : -1, from: p)
                      join(p + width < end ? p + width : -1, from: p)
                      if !crosses {
                        crosses =
                          (p - width < begin && p - width >= 0 && linked(p, p - width))
                          || (p + width >= end && p + width < count && linked(p, p + width))
                      }
                    }
                    if size > maximumSize { continue }
                    if crosses {
                      deferred[band].append(Int32(truncatingIfNeeded: start))
                    } else {
                      removals[band].append(contentsOf: region[begin..<(begin + size)])
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var removed = 0
    disparity.pixels.withUnsafeMutableBufferPointer { values in
      for list in removals {
        for p in list { values[Int(p)] = .infinity }
        removed += list.count
      }
      let starts = deferred.joined()
      guard !starts.isEmpty else { return }
      // The deferred parts over the whole map (a removed speckle links to nothing, so its pixels
      // being +∞ now changes no search), `seen` holding the search that reached each pixel (0:
      // none). A search stopped early leaves its region partly marked; a later search that
      // reaches one of those pixels is in that region, so it is kept too.
      var seen = [Int32](repeating: 0, count: count)
      var part = [Int32](repeating: 0, count: maximumSize + 1)
      var search: Int32 = 0
      for start in starts.map(Int.init) where seen[start] == 0 {
        search += 1
        seen[start] = search
        part[0] = Int32(truncatingIfNeeded: start)
        var (size, next) = (1, 0)
        var larger = false  // more than a speckle's pixels: kept, the search stopped
        func join(_ q: Int, from p: Int) {  // q < 0: outside the map
          guard
            q >= 0 && seen[q] != search && values[q].isFinite
              && abs(values[q] - values[p]) <= limit
          else { return }
          guard seen[q] == 0 && size <= maximumSize else {
            larger = true
            return
          }
          seen[q] = search
          part[size] = Int32(truncatingIfNeeded: q)
          size += 1
        }
        while next < size && !larger {
          let p = Int(part[next])
          next += 1
          let x = p % width
          join(x > 0 ? p - 1 : -1, from: p)
          join(x < width - 1 ? p + 1 : -1, from: p)
          join(p - width, from: p)
          join(p + width < count ? p + width : -1, from: p)
        }
        if !larger && size <= maximumSize {
          for i in 0..<size { values[Int(part[i])] = .infinity }
          removed += size
        }
      }
    }
    return removed
  }

  /// ``apply(to:)-(inout Image)`` on one thread, one breadth-first search per region: the
  /// banded filter's oracle.
  func applySerially(to disparity: inout Image) -> Int {
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
