import Foundation
import StereoClassic
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

/// The weighted median by hand, and against a NumPy transcription of its formula.
@Suite("Weighted median filter")
struct WeightedMedianFilterTests {
  @Test("A pixel with the near surface's colour moves onto it; sub-pixel values stay, by hand")
  func byHand() {
    // 1 × 5, radius 1 (windows of three pixels in a row), σ 0.1, tolerance 1:
    //   colours: black, black, black, white, white; disparities 10, 10.4, 20, 20, unknown.
    // x = 2 (black, 20): votes 10 (black, weight 1), 20 (itself, 1), 20 (white, e^{-150} ≈ 0):
    //   half of the total (≈ 2) is reached at bin 10, and |20 − 10| > 1: it moves to 10.
    // x = 1 (black, 10.4): bins 10, 10, 20 with weights 1, 1, 1: median 10, |10.4 − 10| ≤ 1:
    //   it keeps 10.4. x = 3 (white, 20): the black 20 weighs ≈ 0, itself 1, x = 4 is unknown:
    //   median 20. x = 0: bins 10, 10: median 10. x = 4 stays unknown.
    let guide = Image(
      width: 5, height: 1, channels: 3, pixels: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    let map = Image(width: 5, height: 1, channels: 1, pixels: [10, 10.4, 20, 20, .infinity])
    let filter = WeightedMedianFilter(radius: 1, sigmaColour: 0.1, tolerance: 1)
    let (filtered, changed) = filter.apply(to: map, guide: guide)
    #expect(filtered.pixels == [10, 10.4, 10, 20, .infinity])
    #expect(changed == 1)
    // A grey guide counts as three equal channels: the same result.
    let grey = Image(width: 5, height: 1, channels: 1, pixels: [0, 0, 0, 1, 1])
    #expect(filter.apply(to: map, guide: grey).disparity == filtered)
    // A tolerance of 10 keeps every pixel; an all-unknown map stays as it is.
    let lenient = WeightedMedianFilter(radius: 1, sigmaColour: 0.1, tolerance: 10)
    #expect(lenient.apply(to: map, guide: guide).changed == 0)
    let unknown = Image(width: 5, height: 1, channels: 1, repeating: .infinity)
    #expect(filter.apply(to: unknown, guide: guide).disparity == unknown)
  }

  @Test(
    "Gives what NumPy gives from the formula",
    .enabled(if: OpenCVPython.isAvailable, OpenCVPython.skipNote),
    arguments: [(3, 0.1, Float(1)), (9, 0.1, Float(1)), (2, 0.3, Float(0.5))])
  func matchesNumPy(radius: Int, sigma: Double, tolerance: Float) throws {
    // Three rectangles of their own colour and disparity over a slanted background, each
    // fattened by 2-4 px into the background (the disparity spills over, the colour does not),
    // with sub-pixel noise, colour noise and 10 % unknown pixels.
    let (width, height) = (41, 29)
    var generator = SeededGenerator(seed: 9)
    var map = (0..<(width * height)).map { Float(8) + Float($0 % width) * 0.15 }
    var colours = [Float](repeating: 0.2, count: width * height * 3)
    for (index, colour) in [[0.9, 0.1, 0.1], [0.1, 0.8, 0.2], [0.5, 0.5, 0.95]].enumerated() {
      let (w, h) = (
        Int.random(in: 6...12, using: &generator), Int.random(in: 5...10, using: &generator)
      )
      let (x0, y0) = (
        Int.random(in: 0..<width - w - 4, using: &generator),
        Int.random(in: 0..<height - h, using: &generator)
      )
      let disparity = Float(20 + 9 * index)
      let spill = Int.random(in: 2...4, using: &generator)
      for y in y0..<y0 + h {
        for x in x0..<x0 + w + spill {
          map[y * width + x] = disparity
          guard x < x0 + w else { continue }
          for c in 0..<3 { colours[(y * width + x) * 3 + c] = Float(colour[c]) }
        }
      }
    }
    for index in map.indices {
      map[index] += Float.random(in: -0.4...0.4, using: &generator)
      if Int.random(in: 0..<10, using: &generator) == 0 { map[index] = .infinity }
    }
    colours = colours.map { min(max($0 + Float.random(in: -0.05...0.05, using: &generator), 0), 1) }
    let guide = Image(width: width, height: height, channels: 3, pixels: colours)
    let filter = WeightedMedianFilter(radius: radius, sigmaColour: sigma, tolerance: tolerance)
    let (filtered, changed) = filter.apply(
      to: Image(width: width, height: height, channels: 1, pixels: map), guide: guide)

    let folder = try TemporaryFolder()
    let (mapFile, guideFile, output) = (
      folder.file("map.raw"), folder.file("guide.raw"), folder.file("out.raw")
    )
    func write(_ values: [Float], to url: URL) throws {
      try Data(values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        .write(to: url)
    }
    try write(map, to: mapFile)
    try write(colours, to: guideFile)
    _ = try OpenCVPython.runScript(
      """
      import sys, numpy as np
      h, w, r, s, tol = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
      d = np.fromfile(sys.argv[1], dtype='<f4').reshape(h, w).astype(np.float64)
      c = np.round(np.fromfile(sys.argv[2], dtype='<f4').reshape(h, w, 3).astype(np.float64) * 255) / 255
      known = np.isfinite(d)
      bins = np.where(known, np.maximum(np.round(d), 0), -1).astype(np.int64)
      out = d.copy()
      for y in range(h):
          for x in range(w):
              if not known[y, x]:
                  continue
              ys, xs = slice(max(0, y - r), y + r + 1), slice(max(0, x - r), x + r + 1)
              k = known[ys, xs]
              wt = np.exp(-((c[ys, xs] - c[y, x]) ** 2).sum(-1) / (2 * s * s))[k]
              b = bins[ys, xs][k]
              hist = np.bincount(b, wt)
              cum = np.cumsum(hist)
              m = int(np.argmax(cum >= wt.sum() / 2))
              if abs(d[y, x] - m) > tol:
                  out[y, x] = m
      out.astype('<f4').tofile(sys.argv[3])
      """,
      arguments: [
        mapFile.path, guideFile.path, output.path, "\(height)", "\(width)", "\(radius)",
        "\(sigma)", "\(tolerance)",
      ])
    let expected = OpenCVPython.floats(try Data(contentsOf: output))
    #expect(filtered.pixels == expected)
    #expect(changed == zip(map, expected).filter { $0 != $1 && $0.isFinite }.count)
    #expect(changed > 20, "the spilled pixels move")
  }
}
