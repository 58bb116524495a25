import StereoData
import Testing

@testable import StereoDepth

@Suite("Turbo colormap and disparity colouring")
struct DisparityColorizerTests {
  /// Entries of the published Turbo table (Mikhailov 2019, turbo_colormap.c), index: RGB.
  static let published: [(index: Int, color: SIMD3<Float>)] = [
    (0, SIMD3(0.18995, 0.07176, 0.23217)), (32, SIMD3(0.27628, 0.42118, 0.89123)),
    (64, SIMD3(0.15844, 0.73551, 0.92305)), (96, SIMD3(0.19659, 0.94901, 0.59466)),
    (128, SIMD3(0.64362, 0.98999, 0.23356)), (160, SIMD3(0.93301, 0.81236, 0.22667)),
    (192, SIMD3(0.98360, 0.49291, 0.12849)), (224, SIMD3(0.81608, 0.18462, 0.01809)),
    (255, SIMD3(0.47960, 0.01583, 0.01055)),
  ]

  func close(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ tolerance: Float = 1e-5) -> Bool {
    (0..<3).allSatisfy { Swift.abs(a[$0] - b[$0]) <= tolerance }
  }

  @Test("t = i/255 gives the published table entries; t is clamped")
  func tableEntries() {
    for (index, color) in Self.published {
      let ours = TurboColormap.color(at: Float(index) / 255)
      #expect(close(ours, color), "entry \(index): \(ours) vs \(color)")
    }
    #expect(close(TurboColormap.color(at: -3), Self.published[0].color))
    #expect(close(TurboColormap.color(at: 7), Self.published[8].color))
    #expect(close(TurboColormap.color(at: .nan), Self.published[0].color))
  }

  @Test("Between entries the colour is interpolated linearly")
  func interpolation() {
    // Halfway between entries 0 and 1: (0.18995 + 0.19483)/2, (0.07176 + 0.08339)/2, …
    let middle = TurboColormap.color(at: 0.5 / 255)
    #expect(close(middle, SIMD3(0.19239, 0.077575, 0.24683)), "\(middle)")
  }

  @Test("A fixed range maps min to the first colour and max to the last; unknown is its own colour")
  func fixedRange() {
    let map = Image(width: 5, height: 1, channels: 1, pixels: [0, 10, .nan, 20, 5])
    let colorizer = DisparityColorizer(
      range: .fixed(minimum: 0, maximum: 20), unknownColor: SIMD3(1, 0, 1))
    let image = colorizer.colorized(map)
    #expect(image.channels == 3 && image.width == 5)
    let colors = (0..<5).map { SIMD3(image[0, $0, 0], image[0, $0, 1], image[0, $0, 2]) }
    #expect(close(colors[0], TurboColormap.color(at: 0)))
    #expect(close(colors[1], TurboColormap.color(at: 0.5)))
    #expect(colors[2] == SIMD3(1, 0, 1))
    #expect(close(colors[3], TurboColormap.color(at: 1)))
    #expect(close(colors[4], TurboColormap.color(at: 0.25)))
  }

  @Test("Percentile ranges follow NumPy's linear interpolation and ignore unknown values")
  func percentiles() throws {
    // 1…101 plus unknowns: percentile p sits at position p/100·100, value p + 1.
    let values = (1...101).map(Float.init) + [.nan, .infinity]
    let map = Image(width: values.count, height: 1, channels: 1, pixels: values)
    let range = try #require(DisparityColorizer().resolvedRange(for: map))
    #expect(range.minimum == 2 && range.maximum == 100)
    // [0, 10]: the 25th percentile is 2.5, the 75th 7.5 (np.percentile([0, 10], [25, 75])).
    let pair = Image(width: 2, height: 1, channels: 1, pixels: [10, 0])
    let quartiles = try #require(
      DisparityColorizer(range: .percentiles(lower: 25, upper: 75)).resolvedRange(for: pair))
    #expect(quartiles.minimum == 2.5 && quartiles.maximum == 7.5)
    // No finite value: no range, every pixel unknown.
    let empty = Image(width: 2, height: 1, channels: 1, repeating: .nan)
    #expect(DisparityColorizer().resolvedRange(for: empty) == nil)
    #expect(DisparityColorizer().colorized(empty).pixels.allSatisfy { $0 == 0 })
  }

  /// The oracle: sort, then ``DisparityColorizer/percentile(_:ofSorted:)``.
  @Test(
    "Percentiles by selection are the sorted values' exactly, with duplicates and any count",
    arguments: [1, 2, 3, 7, 64, 1000, 4097])
  func percentilesBySelection(count: Int) {
    var seed: UInt64 = UInt64(count) &* 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {  // SplitMix64: the same values on every run
      seed &+= 0x9E37_79B9_7F4A_7C15
      var z = seed
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    let ps: [Double] = [0, 1, 25, 50, 75, 99, 100, 33.3, 0.01]
    // Distinct values, SGBM-like sixteenths with many repeats, and a constant map.
    let kinds: [[Float]] = [
      (0..<count).map { _ in Float(next() % 1_000_000) / 1000 - 100 },
      (0..<count).map { _ in Float(next() % 64) / 16 },
      [Float](repeating: 3.5, count: count),
    ]
    for values in kinds {
      let sorted = values.sorted()
      let expected = ps.map { DisparityColorizer.percentile($0, ofSorted: sorted) }
      #expect(DisparityColorizer.percentiles(ps, of: values) == expected, "\(count) values")
    }
  }
}
