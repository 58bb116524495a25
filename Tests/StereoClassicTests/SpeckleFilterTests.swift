import Foundation
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoClassic

/// The speckle filter by hand, and against OpenCV's `cv2.filterSpeckles`.
@Suite("Speckle filter")
struct SpeckleFilterTests {
  @Test("Regions of at most the size go, larger ones and broken links stay, by hand")
  func byHand() {
    let inf = Float.infinity
    // 3 × 5, difference 1:
    //   row 0: a plane 10, 10.5, 11, 11.5, 12 (steps of 0.5: one region with rows 1-2's 12s)
    //   row 1: 10, [20, 20.5], 30, 12      two pixels at 20/20.5 (a region of 2); 30 alone
    //   row 2: 10, 10, inf, [40], 12       inf connects nothing; 40 alone
    let map = Image(
      width: 5, height: 3, channels: 1,
      pixels: [10, 10.5, 11, 11.5, 12, 10, 20, 20.5, 30, 12, 10, 10, inf, 40, 12])
    let (filtered, removed) = SpeckleFilter(maximumSize: 2, maximumDifference: 1).apply(to: map)
    #expect(
      filtered.pixels == [10, 10.5, 11, 11.5, 12, 10, inf, inf, inf, 12, 10, 10, inf, inf, 12])
    #expect(removed == 4)
    // Size 1 keeps the pair; difference 0.4 splits the plane into single pixels, all removed
    // except the 10s (four connected) and the 12s (three).
    #expect(SpeckleFilter(maximumSize: 1, maximumDifference: 1).apply(to: map).removed == 2)
    let split = SpeckleFilter(maximumSize: 2, maximumDifference: 0.4).apply(to: map)
    #expect(split.removed == 7)
    #expect(SpeckleFilter.off.apply(to: map).disparity == map)
  }

  @Test(
    "Marks the pixels cv2.filterSpeckles marks",
    .enabled(if: OpenCVPython.isAvailable, OpenCVPython.skipNote),
    arguments: [(12, Float(1)), (4, Float(0.5)), (40, Float(2))])
  func matchesOpenCV(size: Int, difference: Float) throws {
    // A slanted plane (steps of 0.25 px) with rectangles 3-8 px off it and 10 % unknown pixels,
    // all multiples of 1/16 so that OpenCV's fixed point is exact.
    let (width, height) = (37, 23)
    var generator = SeededGenerator(seed: 5)
    var pixels = (0..<(width * height)).map { Float(5) + Float($0 % width) * 0.25 }
    for _ in 0..<30 {
      let (w, h) = (
        Int.random(in: 1...6, using: &generator), Int.random(in: 1...6, using: &generator)
      )
      let (x0, y0) = (
        Int.random(in: 0..<width - w, using: &generator),
        Int.random(in: 0..<height - h, using: &generator)
      )
      let offset = Float(Int.random(in: 48...128, using: &generator)) / 16
      for y in y0..<y0 + h { for x in x0..<x0 + w { pixels[y * width + x] += offset } }
    }
    for index in pixels.indices where Int.random(in: 0..<10, using: &generator) == 0 {
      pixels[index] = .infinity
    }
    let map = Image(width: width, height: height, channels: 1, pixels: pixels)
    let (filtered, removed) = SpeckleFilter(maximumSize: size, maximumDifference: difference)
      .apply(to: map)

    let folder = try TemporaryFolder()
    let (input, output) = (folder.file("map.raw"), folder.file("marked.raw"))
    try Data(pixels.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
      .write(to: input)
    _ = try OpenCVPython.runScript(
      """
      import sys, numpy as np, cv2
      h, w, size, diff = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
      d = np.fromfile(sys.argv[1], dtype='<f4').reshape(h, w)
      q = np.where(np.isfinite(d), np.round(d * 16), -16).astype(np.int16)
      cv2.filterSpeckles(q, -16, size, int(round(diff * 16)))
      (q == -16).astype(np.uint8).tofile(sys.argv[2])
      """,
      arguments: [input.path, output.path, "\(height)", "\(width)", "\(size)", "\(difference)"])
    let expected = OpenCVPython.values(try Data(contentsOf: output), as: UInt8.self)
    #expect(filtered.pixels.map { $0.isFinite ? 0 : 1 } == expected.map(Int.init))
    #expect(removed == expected.filter { $0 == 1 }.count - pixels.filter { !$0.isFinite }.count)
    #expect(removed > 0 && removed < pixels.count / 2)
  }

  /// A slanted plane with blobs of 1-9 px off it (many crossing any band edge), unknown pixels,
  /// and steps within and beyond the difference.
  static func blobs(width: Int, height: Int, seed: UInt64) -> Image {
    var generator = SeededGenerator(seed: seed)
    var pixels = (0..<(width * height)).map { Float(5) + Float($0 % width) * 0.25 }
    for _ in 0..<(width * height / 12) {
      let (w, h) = (
        Int.random(in: 1...9, using: &generator), Int.random(in: 1...9, using: &generator)
      )
      let (x0, y0) = (
        Int.random(in: 0...(width - w), using: &generator),
        Int.random(in: 0...(height - h), using: &generator)
      )
      let offset = Float(Int.random(in: 0...160, using: &generator)) / 16
      for y in y0..<y0 + h { for x in x0..<x0 + w { pixels[y * width + x] += offset } }
    }
    for index in pixels.indices where Int.random(in: 0..<8, using: &generator) == 0 {
      pixels[index] = .infinity
    }
    return Image(width: width, height: height, channels: 1, pixels: pixels)
  }

  @Test(
    "In bands, the same pixels as one search over the whole map",
    arguments: [(2, 12, Float(1)), (3, 40, Float(2)), (7, 5, Float(0.5)), (16, 100, Float(2))])
  func bandsMatchSerial(bands: Int, size: Int, difference: Float) {
    for (width, height, seed) in [(61, 97, UInt64(1)), (37, 23, 2), (128, 64, 3)] {
      let map = Self.blobs(width: width, height: height, seed: seed)
      let filter = SpeckleFilter(maximumSize: size, maximumDifference: difference)
      var (serial, banded) = (map, map)
      let serialRemoved = filter.applySerially(to: &serial)
      let bandedRemoved = filter.applyInBands(to: &banded, bands: bands)
      #expect(serialRemoved > 0)
      #expect(bandedRemoved == serialRemoved, "\(width)x\(height), \(bands) bands")
      let differing = banded.pixels.indices.filter {
        banded.pixels[$0].isFinite != serial.pixels[$0].isFinite
      }
      #expect(
        differing.isEmpty,
        "\(differing.count) pixels differ, first \(differing.prefix(3).map { ($0 % width, $0 / width, map.pixels[$0], serial.pixels[$0].isFinite) })"
      )
    }
  }

  @Test(
    "Timing: the standard filter at 640x480 and 1282x1110",
    .enabled(if: ProcessInfo.processInfo.environment["WNET_TIMING"] != nil))
  func timing() {
    for (width, height) in [(640, 480), (1282, 1110)] {
      // A slanted plane with 1 % unknown pixels and an 8×8 block of noise every 32 pixels.
      var generator = SeededGenerator(seed: 1)
      let pixels = (0..<(width * height)).map { index -> Float in
        let (x, y) = (index % width, index / width)
        if Int.random(in: 0..<100, using: &generator) == 0 { return .infinity }
        if x % 32 < 8 && y % 32 < 8 { return Float.random(in: 0..<100, using: &generator) }
        return 20 + Float(x) * 0.05
      }
      let map = Image(width: width, height: height, channels: 1, pixels: pixels)
      var times: [Double] = []
      for _ in 0..<7 {
        let start = Date()
        _ = SpeckleFilter.standard.apply(to: map)
        times.append(Date().timeIntervalSince(start) * 1000)
      }
      print(
        String(
          format: "speckle filter %dx%d: %.2f ms (median of 7)", width, height,
          times.sorted()[3]))
    }
  }
}
