import StereoData

/// The KITTI devkit's fill-in of missing disparities, applied to an estimate before it is scored.
///
/// KITTI scores every pixel with ground truth, so a sparse estimate must be completed first. The
/// devkit (`DisparityImage::interpolateBackground` in `io_disp.h` of the KITTI 2012/2015 stereo
/// devkit, A. Geiger) does it in two passes, and this reimplements them step for step:
///
/// 1. **Rows.** In each row, every run of missing pixels with a known pixel on *both* sides takes
///    the smaller of those two neighbours, `min(d[x₁ − 1], d[x₂ + 1])`: the farther surface, since
///    a hole in a disparity map is mostly an occluded background. A run touching the left border
///    takes the first known value of the row, one touching the right border the last. A row with
///    no known pixel is left as it is.
/// 2. **Columns.** In each column, pixels above the first known one take its value, pixels below
///    the last known one take that. Interior gaps are *not* filled: after step 1 they can only be
///    whole rows that had no known pixel.
///
/// Pixels that neither pass reaches (the estimate is empty, or whole rows are empty between known
/// rows) keep ``unfilledValue``, the `-1` the devkit stores for invalid pixels, so they are scored
/// exactly as the devkit scores them.
///
/// Shapes: `[H, W, 1]` → `[H, W, 1]`.
public enum BackgroundInterpolation {
  /// The value left where no pass reaches: the devkit's invalid marker.
  public static let unfilledValue: Float = -1

  /// Fills the missing pixels of a disparity map.
  ///
  /// - Parameters:
  ///   - disparity: A `[H, W, 1]` map.
  ///   - isMissing: `H·W` flags, row-major: `true` where the value is missing. The values there are
  ///     ignored.
  /// - Returns: The filled map; values at known pixels are unchanged.
  public static func filling(_ disparity: Image, isMissing: [Bool]) -> Image {
    precondition(
      disparity.channels == 1, "A disparity map has 1 channel, got \(disparity.channels)")
    let width = disparity.width
    let height = disparity.height
    precondition(
      isMissing.count == width * height,
      "\(isMissing.count) missing flags for a \(width)x\(height) map")
    var values = disparity.pixels
    var known = isMissing.map { !$0 }

    // Stage 1: rows.
    for y in 0..<height {
      let row = y * width
      var runLength = 0
      for x in 0..<width {
        guard known[row + x] else {
          runLength += 1
          continue
        }
        let first = x - runLength
        // Only runs with a known neighbour on both sides; the devkit's `u1 > 0` test.
        if runLength > 0 && first > 0 {
          let fill = min(values[row + first - 1], values[row + x])
          for u in first..<x {
            values[row + u] = fill
            known[row + u] = true
          }
        }
        runLength = 0
      }
      if let firstKnown = (0..<width).first(where: { known[row + $0] }) {
        for u in 0..<firstKnown {
          values[row + u] = values[row + firstKnown]
          known[row + u] = true
        }
      }
      if let lastKnown = (0..<width).last(where: { known[row + $0] }) {
        for u in (lastKnown + 1)..<width {
          values[row + u] = values[row + lastKnown]
          known[row + u] = true
        }
      }
    }

    // Stage 2: columns, extrapolating to the top and bottom only.
    for x in 0..<width {
      if let firstKnown = (0..<height).first(where: { known[$0 * width + x] }) {
        for v in 0..<firstKnown {
          values[v * width + x] = values[firstKnown * width + x]
          known[v * width + x] = true
        }
      }
      if let lastKnown = (0..<height).last(where: { known[$0 * width + x] }) {
        for v in (lastKnown + 1)..<height {
          values[v * width + x] = values[lastKnown * width + x]
          known[v * width + x] = true
        }
      }
    }

    for index in values.indices where !known[index] { values[index] = unfilledValue }
    return Image(width: width, height: height, channels: 1, pixels: values)
  }

  /// Fills the pixels of an estimate that are missing by ``DisparityMetrics/Configuration``'s rule:
  /// non-finite, or at most `estimatesAbove`.
  ///
  /// - Parameters:
  ///   - estimate: A `[H, W, 1]` disparity map.
  ///   - estimatesAbove: The value that estimates must exceed (KITTI: 0, a PNG's unknown).
  /// - Returns: The filled `[H, W, 1]` map.
  public static func filling(_ estimate: Image, estimatesAbove: Float = 0) -> Image {
    filling(
      estimate,
      isMissing: estimate.pixels.map {
        DisparityMetrics.Configuration.isMissing($0, estimatesAbove: estimatesAbove)
      })
  }
}
