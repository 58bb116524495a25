import StereoData
import StereoDepth
import StereoTensor
import Testing

/// The fill of a marked map's holes: a kept neighbour's disparity, kept where the right view
/// agrees with it.
@Suite("Hole fill: a kept neighbour's disparity, re-checked by the right view")
struct HoleFillTests {
  static func row(_ values: [Float]) -> Image {
    Image(width: values.count, height: 1, channels: 1, pixels: values)
  }

  @Test("By hand: the left neighbour where the right view agrees, nothing where it does not")
  func byHand() {
    // One row, one colour: every candidate is as near in colour, so the first that passes wins
    // (left, then right). τ = 1.
    //   d   = [1, 1.2, ∞, ∞, 3, 3, 3],  d_R = [1.2, 1.2, 3, 3, 3, 3, 3]
    //   x=2: left 1.2 → u = 0.8, d_R = 0.2·1.2 + 0.8·1.2 = 1.2, e = 0 → passes;
    //        right 3 → u = −1, outside → 1.2
    //   x=3: left 1.2 → u = 1.8, d_R = 0.2·1.2 + 0.8·3 = 2.64, e = 1.44 → fails;
    //        right 3 → u = 0, d_R = 1.2, e = 1.8 → fails → unknown
    let disparity = Self.row([1, 1.2, .infinity, .infinity, 3, 3, 3])
    let guide = Self.row([Float](repeating: 0.5, count: 7))
    let right = Self.row([1.2, 1.2, 3, 3, 3, 3, 3])
    let (filled, count) = HoleFill().apply(
      to: disparity, guide: guide, right: right, maximumDifference: 1)
    #expect(count == 1)
    #expect(filled.pixels[2] == 1.2 && filled.pixels[3] == .infinity)
    #expect(Array(filled.pixels[0..<2]) == [1, 1.2] && Array(filled.pixels[4...]) == [3, 3, 3])
    // With d_R(0) = 3, x=3's right candidate passes: u = 0, e = 0.
    let agreeing = HoleFill().apply(
      to: disparity, guide: guide, right: Self.row([3, 1.2, 3, 3, 3, 3, 3]),
      maximumDifference: 1)
    // x=2's left candidate now reads 0.2·3 + 0.8·1.2 = 1.56, e = 0.36: still 1.2.
    #expect(agreeing.filled == 2)
    #expect(agreeing.disparity.pixels[2] == 1.2 && agreeing.disparity.pixels[3] == 3)
  }

  @Test("Of the candidates that pass, the nearest in colour; beyond the reach, none")
  func colourAndReach() {
    // Width 12: x=0…4 surface A (d = 2, red), x=5 a hole coloured like B, x=6…11 surface B
    // (d = 4, blue). Both candidates pass: left 2 → u = 3, d_R = 2; right 4 → u = 1, d_R = 4.
    var colours = [Float]()
    for x in 0..<12 { colours += x < 5 ? [1, 0, 0] : [0, 0, 1] }
    var d = [Float](repeating: 2, count: 12)
    d[5] = .nan
    for x in 6..<12 { d[x] = 4 }
    var r = [Float](repeating: 0, count: 12)
    (r[1], r[3]) = (4, 2)
    let guide = Image(width: 12, height: 1, channels: 3, pixels: colours)
    let coloured = HoleFill().apply(
      to: Self.row(d), guide: guide, right: Self.row(r), maximumDifference: 1)
    #expect(coloured.filled == 1 && coloured.disparity.pixels[5] == 4)
    // One grey guide: a tie, and the left candidate comes first.
    let grey = HoleFill().apply(
      to: Self.row(d), guide: Self.row([Float](repeating: 0.3, count: 12)), right: Self.row(r),
      maximumDifference: 1)
    #expect(grey.filled == 1 && grey.disparity.pixels[5] == 2)
    // A column of a 3×5 map: kept pixels at (2, 0) with d = 1 and (2, 4) with d = 2, the rest
    // unknown. d_R is 9 except 1 at (1, 1) and 2 at (0, 2).
    let wide = Image(
      width: 3, height: 5, channels: 1,
      pixels: [
        .infinity, .infinity, 1, .infinity, .infinity, .infinity, .infinity, .infinity,
        .infinity, .infinity, .infinity, .infinity, .infinity, .infinity, 2,
      ])
    let flat = Image(width: 3, height: 5, channels: 1, pixels: [Float](repeating: 0.5, count: 15))
    var rightPixels = [Float](repeating: 9, count: 15)
    (rightPixels[3 * 1 + 1], rightPixels[3 * 2 + 0]) = (1, 2)
    let rightMap = Image(width: 3, height: 5, channels: 1, pixels: rightPixels)
    let short = HoleFill(reach: 1).apply(
      to: wide, guide: flat, right: rightMap, maximumDifference: 0.5)
    // Reach 1: (2, 1) takes 1 from above (u = 1, d_R = 1); (2, 2) has no candidate within 1 row.
    #expect(short.disparity.pixels[3 * 1 + 2] == 1)
    #expect(short.disparity.pixels[3 * 2 + 2] == .infinity)
    let long = HoleFill(reach: 2).apply(
      to: wide, guide: flat, right: rightMap, maximumDifference: 0.5)
    // Reach 2: (2, 2) has both: above 1 → u = 1, d_R = 9, fails; below 2 → u = 0, d_R = 2.
    #expect(long.disparity.pixels[3 * 2 + 2] == 2)
  }

  /// The rule written out: walk from each hole in the four directions to the first kept pixel.
  static func reference(
    _ disparity: Image, guide: Image, right: Image, reach: Int, tau: Float
  ) -> [Float] {
    let (width, height, channels) = (disparity.width, disparity.height, guide.channels)
    var output = disparity.pixels
    func kept(_ x: Int, _ y: Int) -> Bool { disparity.pixels[y * width + x].isFinite }
    for y in 0..<height {
      for x in 0..<width where !kept(x, y) {
        var candidates: [(Int, Int)] = []
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
          for k in 1...reach {
            let (u, v) = (x + k * dx, y + k * dy)
            guard (0..<width).contains(u), (0..<height).contains(v) else { break }
            if kept(u, v) {
              candidates.append((u, v))
              break
            }
          }
        }
        var (best, nearest) = (Float.nan, Float.infinity)
        for (u, v) in candidates {
          let d = disparity.pixels[v * width + u]
          let position = Float(x) - d
          guard position >= 0, position <= Float(width - 1) else { continue }
          let left = Int(position.rounded(.down))
          let f = position - Float(left)
          let sampled =
            (1 - f) * right.pixels[y * width + left]
            + f * right.pixels[y * width + min(left + 1, width - 1)]
          guard abs(d - sampled) <= tau else { continue }
          var distance: Float = 0
          for c in 0..<channels {
            let delta =
              guide.pixels[(v * width + u) * channels + c]
              - guide.pixels[(y * width + x) * channels + c]
            distance += delta * delta
          }
          if distance < nearest { (best, nearest) = (d, distance) }
        }
        if !best.isNaN { output[y * width + x] = best }
      }
    }
    return output
  }

  @Test(
    "Random maps with holes and both guides: the fill equals the rule written out",
    arguments: [(1, 1), (3, 2), (3, 5), (1, 32)])
  func againstReference(channels: Int, reach: Int) {
    var generator = SeededGenerator(seed: UInt64(channels * 100 + reach))
    func unit() -> Float { Float.random(in: 0..<1, using: &generator) }
    let (width, height) = (29, 13)
    let guide = Image(
      width: width, height: height, channels: channels,
      pixels: (0..<(width * height * channels)).map { _ in unit() })
    // Two surfaces with a step; about half the pixels unknown (∞ or NaN) in runs.
    let disparity = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { index in
        let r = unit()
        if r < 0.35 { return .infinity }
        if r < 0.5 { return .nan }
        return (index % width < 15 ? 3 : 7) + unit() * 1.5
      })
    let right = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { _ in 2.5 + unit() * 6 })
    let (filled, count) = HoleFill(reach: reach).apply(
      to: disparity, guide: guide, right: right, maximumDifference: 1.5)
    let expected = Self.reference(
      disparity, guide: guide, right: right, reach: reach, tau: 1.5)
    #expect(count > 0)
    #expect(
      count == zip(disparity.pixels, expected).filter { !$0.0.isFinite && $0.1.isFinite }.count)
    for (a, b) in zip(filled.pixels, expected) {
      #expect(a == b || (a.isNaN && b.isNaN))
    }
  }

  @Test("The rule fills last and counts the filled pixels as valid; off by default")
  func inTheRule() {
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 1, speckles: .off, median: nil, holes: HoleFill())
    // The byHand row: x=2 and x=3 fail the check (e = 5); x=2 is then filled with 1.2.
    let (marked, _, count) = rule.apply(
      disparity: Self.row([1, 1.2, 9, 9, 3, 3, 3]),
      peak: Self.row([Float](repeating: 1, count: 7)),
      leftRightDifference: Self.row([0, 0, 5, 5, 0, 0, 0]),
      guide: Self.row([Float](repeating: 0.5, count: 7)),
      rightDisparity: Self.row([1.2, 1.2, 3, 3, 3, 3, 3]))
    #expect(count == 6)
    #expect(marked.pixels[2] == 1.2 && marked.pixels[3] == .infinity)
    #expect(InvalidPixelRule.standard.holes == nil)
  }
}
