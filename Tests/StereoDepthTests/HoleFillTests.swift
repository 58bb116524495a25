import StereoClassic
import StereoData
import StereoDepth
import StereoTensor
import Testing

/// The fill of a marked map's holes: a colour-weighted median proposal, kept where the right view
/// agrees with it.
@Suite("Hole fill: proposals from the kept pixels, re-checked by the right view")
struct HoleFillTests {
  static func row(_ values: [Float]) -> Image {
    Image(width: values.count, height: 1, channels: 1, pixels: values)
  }

  @Test("By hand: the median bin's mean is kept where the right view agrees, not where it does not")
  func byHand() {
    // One row, one colour everywhere, so every vote weighs weight(0) = 1. Radius 2, step 1.
    //   d   = [1, 1.2, ∞, ∞, 3, 3, 3]
    //   x=2: votes x=0,1,4 → bins 1, 1, 3; W = 3, half 1.5; bin 1 reaches 2 ≥ 1.5
    //        → m = (1 + 1.2)/2 = 1.1; u = 2 − 1.1 = 0.9, d_R(0.9) = 1.1, e = 0 → filled
    //   x=3: votes x=1,4,5 → bins 1, 3, 3; bin 1 reaches 1 < 1.5, bin 3 reaches 3 → m = 3;
    //        u = 0, d_R(0) = 1.1, e = 1.9 > τ = 1 → stays unknown (the right view sees another
    //        surface there)
    let disparity = Self.row([1, 1.2, .infinity, .infinity, 3, 3, 3])
    let guide = Self.row([Float](repeating: 0.5, count: 7))
    let right = Self.row([1.1, 1.1, 3, 3, 3, 3, 3])
    let fill = HoleFill(radius: 2, step: 1)
    #expect(WeightedMedianFilter.weight(0) == 1)
    let (filled, count) = fill.apply(
      to: disparity, guide: guide, right: right, maximumDifference: 1)
    #expect(count == 1)
    #expect(abs(filled.pixels[2] - 1.1) < 1e-6)
    #expect(filled.pixels[3] == .infinity)
    #expect(Array(filled.pixels[0..<2]) == [1, 1.2] && Array(filled.pixels[4...]) == [3, 3, 3])
    // With the right view agreeing at u = 0 (d_R(0) = 3), x=3 takes 3 too.
    let agreeing = fill.apply(
      to: disparity, guide: guide, right: Self.row([3, 1.1, 3, 3, 3, 3, 3]), maximumDifference: 1)
    // x=2 then points to u = 0.9: 0.1·3 + 0.9·1.1 = 1.29, e = 0.19 ≤ 1, still filled.
    #expect(agreeing.filled == 2 && agreeing.disparity.pixels[3] == 3)
    #expect(abs(agreeing.disparity.pixels[2] - 1.1) < 1e-6)
  }

  @Test("The colour decides between two surfaces with as many votes each")
  func colourDecides() {
    // Width 16: x=0…8 surface A (d = 2, red), x=9 a hole coloured like B, x=10…15 surface B
    // (d = 5, blue). Radius 3, step 1: the hole's votes are A at x=6,7,8 and B at x=10,11,12.
    // A's colour distance² is 2 → weight(−2/(2·0.1²)) = weight(−100) = 0 (below exp's limit),
    // so W = 3 from B alone and m = 5; u = 9 − 5 = 4, d_R(4) = 5 → filled with 5.
    // With one grey guide all six votes weigh 1: bin 2 reaches 3 = W/2 first → m = 2; u = 7,
    // d_R(7) = 2 → filled with 2.
    var colours = [Float]()
    for x in 0..<16 { colours += x < 9 ? [1, 0, 0] : [0, 0, 1] }
    let guide = Image(width: 16, height: 1, channels: 3, pixels: colours)
    var d = [Float](repeating: 2, count: 16)
    d[9] = .nan
    for x in 10..<16 { d[x] = 5 }
    var r = [Float](repeating: 0, count: 16)
    (r[4], r[7]) = (5, 2)
    let fill = HoleFill(radius: 3, step: 1)
    let coloured = fill.apply(
      to: Self.row(d), guide: guide, right: Self.row(r), maximumDifference: 1)
    #expect(coloured.filled == 1 && coloured.disparity.pixels[9] == 5)
    let grey = fill.apply(
      to: Self.row(d), guide: Self.row([Float](repeating: 0.3, count: 16)), right: Self.row(r),
      maximumDifference: 1)
    #expect(grey.filled == 1 && grey.disparity.pixels[9] == 2)
  }

  @Test("Too little support leaves the hole unknown: W < w_min")
  func support() {
    // x=3's only vote within radius 1 is x=2 (x=4 is unknown): W = 1 < 2.
    let disparity = Self.row([1, 1, 1, .infinity, .infinity])
    let guide = Self.row([Float](repeating: 0.5, count: 5))
    let right = Self.row([Float](repeating: 1, count: 5))
    let strict = HoleFill(radius: 1, step: 1).apply(
      to: disparity, guide: guide, right: right, maximumDifference: 1)
    #expect(strict.filled == 0 && strict.disparity.pixels[3] == .infinity)
    let loose = HoleFill(radius: 1, step: 1, minimumWeight: 1).apply(
      to: disparity, guide: guide, right: right, maximumDifference: 1)
    // x=3 takes 1 (u = 2, d_R = 1); x=4's only vote is unknown: no proposal.
    #expect(loose.filled == 1 && loose.disparity.pixels[3] == 1)
    #expect(loose.disparity.pixels[4] == .infinity)
  }

  /// The formula written out vote by vote: the votes in scan order, grouped by bin in that order.
  static func reference(
    _ disparity: Image, guide: Image, right: Image, fill: HoleFill, tau: Float
  ) -> [Float] {
    let (width, height, channels) = (disparity.width, disparity.height, guide.channels)
    let reach = fill.radius / fill.step
    var output = disparity.pixels
    for y in 0..<height {
      for x in 0..<width where !disparity.pixels[y * width + x].isFinite {
        var votes: [(bin: Int, weight: Float, value: Float)] = []
        for i in -reach...reach {
          for j in -reach...reach {
            let (v, u) = (y + i * fill.step, x + j * fill.step)
            guard (0..<height).contains(v), (0..<width).contains(u) else { continue }
            let d = disparity.pixels[v * width + u]
            guard d.isFinite else { continue }
            var distance: Float = 0
            for c in 0..<channels {
              let delta =
                guide.pixels[(v * width + u) * channels + c]
                - guide.pixels[(y * width + x) * channels + c]
              distance = c == 0 ? delta * delta : distance.addingProduct(delta, delta)
            }
            let w = WeightedMedianFilter.weight(
              distance * (-1 / (2 * fill.sigmaColour * fill.sigmaColour)))
            let bin = Int(min(max((d + 0.5).rounded(.down), 0), 65_535))
            votes.append((bin, w, d))
          }
        }
        let total = votes.reduce(Float(0)) { $0 + $1.weight }
        guard total >= fill.minimumWeight, total > 0 else { continue }
        var cumulative: Float = 0
        var proposal: Float?
        for bin in Set(votes.map(\.bin)).sorted() {
          let inBin = votes.filter { $0.bin == bin }
          let weight = inBin.reduce(Float(0)) { $0 + $1.weight }
          cumulative += weight
          if cumulative >= total / 2 && weight > 0 {
            let moment = inBin.reduce(Float(0)) { $0.addingProduct($1.weight, $1.value) }
            proposal = moment / weight
            break
          }
        }
        guard let m = proposal else { continue }
        let u = Float(x) - m
        guard u >= 0, u <= Float(width - 1) else { continue }
        let left = Int(u.rounded(.down))
        let f = u - Float(left)
        let sampled =
          (1 - f) * right.pixels[y * width + left]
          + f * right.pixels[y * width + min(left + 1, width - 1)]
        if abs(m - sampled) <= tau { output[y * width + x] = m }
      }
    }
    return output
  }

  @Test(
    "Random maps with holes, edges and both guides: the fill equals the formula written out",
    arguments: [(1, 2, 1), (3, 3, 1), (3, 4, 2), (1, 5, 3)])
  func againstReference(channels: Int, radius: Int, step: Int) {
    var generator = SeededGenerator(seed: UInt64(channels * 100 + radius * 10 + step))
    let (width, height) = (23, 11)
    let guide = Self.randomImage(width, height, channels, below: 0.3, using: &generator)
    // Two surfaces with a step, about a third of the pixels unknown (∞ or NaN).
    let disparity = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { index in
        let r = Float.random(in: 0..<1, using: &generator)
        if r < 0.2 { return .infinity }
        if r < 0.33 { return .nan }
        return (index % width < 12 ? 3 : 7) + Float.random(in: 0..<1, using: &generator) * 1.4
      })
    let right = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { _ in 2.5 + Float.random(in: 0..<1, using: &generator) * 5
      })
    let fill = HoleFill(radius: radius, step: step, minimumWeight: 0.5)
    let expected = Self.reference(disparity, guide: guide, right: right, fill: fill, tau: 1.5)
    // The Swift path, and the C kernel at every lane width this CPU runs.
    for lanes in [nil] + WeightedMedianFilter.laneChoices.map(Optional.some) {
      let (filled, count) = fill.apply(
        to: disparity, guide: guide, right: right, maximumDifference: 1.5, lanes: lanes)
      #expect(count > 0)
      #expect(
        count
          == zip(disparity.pixels, expected).filter { !$0.0.isFinite && $0.1.isFinite }.count)
      for (a, b) in zip(filled.pixels, expected) {
        #expect(a == b || (a.isNaN && b.isNaN))
      }
    }
  }

  /// A `[height, width, channels]` image of uniform random values in `[0, below)`.
  static func randomImage(
    _ width: Int, _ height: Int, _ channels: Int, below: Float,
    using generator: inout SeededGenerator
  ) -> Image {
    Image(
      width: width, height: height, channels: channels,
      pixels: (0..<(width * height * channels)).map { _ in
        Float.random(in: 0..<1, using: &generator) * below
      })
  }

  @Test(
    "The C kernel gives the Swift path's map bit for bit, at every lane width this CPU runs",
    arguments: [
      (1, 2, 1, 0.2), (3, 3, 1, 0.2), (3, 8, 4, 0.2), (3, 8, 4, 0.1), (1, 6, 3, 0.2),
      (3, 9, 2, 0.1),
    ] as [(Int, Int, Int, Float)])
  func kernelAgainstSwift(channels: Int, radius: Int, step: Int, sigma: Float) {
    let lanes = WeightedMedianFilter.laneChoices
    guard !lanes.isEmpty else { return }
    var generator = SeededGenerator(seed: UInt64(channels * 1000 + radius * 10 + step))
    // 37 columns: blocks of 8 and 16 end inside the row; holes at the borders and in runs.
    let (width, height) = (37, 19)
    let guide = Self.randomImage(width, height, channels, below: 0.4, using: &generator)
    let disparity = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { index in
        let (x, y) = (index % width, index / width)
        if (5..<9).contains(x) && (4..<12).contains(y) { return .infinity }
        let r = Float.random(in: 0..<1, using: &generator)
        if r < 0.2 { return .infinity }
        if r < 0.3 { return .nan }
        // Three surfaces, one of them at negative disparities (bin 0).
        return x < 12 ? -1 + r : x < 25 ? 4 + 3 * r : 11.5 + r
      })
    let right = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { _ in Float.random(in: 0..<1, using: &generator) * 13 })
    // One colour everywhere too: every vote weighs 1, so running sums meet W/2 exactly.
    let flat = Image(
      width: width, height: height, channels: channels,
      pixels: [Float](repeating: 0.25, count: width * height * channels))
    let fill = HoleFill(radius: radius, step: step, sigmaColour: sigma, minimumWeight: 0.5)
    for guide in [guide, flat] {
      let swift = fill.apply(
        to: disparity, guide: guide, right: right, maximumDifference: 3, lanes: nil)
      #expect(swift.filled > 0)
      for lane in lanes {
        let kernel = fill.apply(
          to: disparity, guide: guide, right: right, maximumDifference: 3, lanes: lane)
        #expect(kernel.filled == swift.filled)
        #expect(
          zip(kernel.disparity.pixels, swift.disparity.pixels).allSatisfy {
            $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN)
          })
      }
    }
  }

  @Test("The rule fills last and counts the filled pixels as valid")
  func inTheRule() {
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 1, speckles: .off, median: nil,
      holes: HoleFill(radius: 2, step: 1))
    // The byHand row: x=2 and x=3 fail the check (e = 5); x=2 is then filled with 1.1.
    let disparity = Self.row([1, 1.2, 9, 9, 3, 3, 3])
    let e = Self.row([0, 0, 5, 5, 0, 0, 0])
    let (marked, _, count) = rule.apply(
      disparity: disparity, peak: Self.row([Float](repeating: 1, count: 7)),
      leftRightDifference: e, guide: Self.row([Float](repeating: 0.5, count: 7)),
      rightDisparity: Self.row([1.1, 1.1, 3, 3, 3, 3, 3]))
    #expect(count == 6)
    #expect(abs(marked.pixels[2] - 1.1) < 1e-6 && marked.pixels[3] == .infinity)
    #expect(InvalidPixelRule.standard.holes == .standard)
    #expect(HoleFill.standard == HoleFill(radius: 8, step: 4, sigmaColour: 0.2, minimumWeight: 2))
  }
}
