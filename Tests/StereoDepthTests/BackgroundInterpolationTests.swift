import StereoData
import StereoDepth
import Testing

/// The devkit's fill-in on maps small enough to do by hand.
///
/// Expected values follow the two passes
/// described in `BackgroundInterpolation` (rows: interior runs take the smaller neighbour, border
/// runs the nearest known value; columns: extrapolate to top and bottom only).
@Suite("KITTI background interpolation")
struct BackgroundInterpolationTests {
  func row(_ values: [Float]) -> Image {
    Image(width: values.count, height: 1, channels: 1, pixels: values)
  }

  @Test("Interior runs take the smaller neighbour, border runs the nearest value")
  func rowRuns() {
    // Runs: x = 1…2 between 5 and 2 → min 2; x = 4 between 2 and 8 → 2; x = 6 trails → 8.
    let filled = BackgroundInterpolation.filling(row([5, .nan, .nan, 2, .nan, 8, .infinity]))
    #expect(filled.pixels == [5, 2, 2, 2, 2, 8, 8])
    // A leading run takes the first known value; a negative value is missing by default.
    let leading = BackgroundInterpolation.filling(row([-1.5, .nan, 3, 4]))
    #expect(leading.pixels == [3, 3, 3, 4])
  }

  @Test("A minimum estimate of -infinity keeps negative disparities")
  func negativeAllowed() {
    let filled = BackgroundInterpolation.filling(row([-1.5, .nan, 3]), estimatesAbove: -.infinity)
    // The run at x = 1 lies between -1.5 and 3: min is -1.5.
    #expect(filled.pixels == [-1.5, -1.5, 3])
  }

  @Test("Empty rows are filled from the column ends, interior empty rows stay at -1")
  func columns() {
    let nan = Float.nan
    // Row 1 has one known pixel → [4, 4, 4]; rows 0 and 2 copy it from the column pass.
    let single = Image(
      width: 3, height: 3, channels: 1, pixels: [nan, nan, nan, nan, 4, nan, nan, nan, nan])
    #expect(BackgroundInterpolation.filling(single).pixels == [Float](repeating: 4, count: 9))
    // Row 1 is empty between known rows: the devkit never fills it, so it keeps its -1.
    let gap = Image(width: 2, height: 3, channels: 1, pixels: [1, 1, nan, nan, 2, 2])
    #expect(BackgroundInterpolation.filling(gap).pixels == [1, 1, -1, -1, 2, 2])
    // Nothing known at all: everything -1, as the devkit scores an empty result.
    let empty = Image(width: 2, height: 2, channels: 1, repeating: .nan)
    #expect(BackgroundInterpolation.filling(empty).pixels == [-1, -1, -1, -1])
  }

  @Test("Column extrapolation uses values the row pass filled")
  func columnsAfterRows() {
    let nan = Float.nan
    // Row 1: [nan, 6, nan, 2] → interior run x = 2 → min(6, 2) = 2; x = 0 → 6: [6, 6, 2, 2].
    // Row 0 is empty → copied from row 1 by the column pass.
    let map = Image(width: 4, height: 2, channels: 1, pixels: [nan, nan, nan, nan, nan, 6, nan, 2])
    #expect(BackgroundInterpolation.filling(map).pixels == [6, 6, 2, 2, 6, 6, 2, 2])
  }
}
