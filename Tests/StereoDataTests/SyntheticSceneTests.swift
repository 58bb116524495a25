import Foundation
import StereoData
import StereoTensor
import Testing

/// Ground truth of the synthetic renderer, checked by hand and by resampling the right view.
@Suite("Synthetic stereo scenes")
struct SyntheticSceneTests {
  static func texture(seed: UInt64) -> ProceduralTexture {
    ProceduralTexture(
      seed: seed, palette: [SIMD3(0.1, 0.3, 0.8), SIMD3(0.9, 0.6, 0.2), SIMD3(0.2, 0.9, 0.4)],
      pattern: .stripes(period: 7, angle: 0.6))
  }

  /// The right view sampled at column `x` (linear between pixel centres; rows are exact), or nil
  /// outside `[0, W − 1]`.
  static func sample(_ image: Image, y: Int, x: Float) -> SIMD3<Float>? {
    guard x >= 0 && x <= Float(image.width - 1) else { return nil }
    let x0 = min(Int(x.rounded(.down)), image.width - 2)
    let t = x - Float(x0)
    return SIMD3<Float>(
      (0..<3).map { (1 - t) * image[y, x0, $0] + t * image[y, x0 + 1, $0] })
  }

  static func color(_ image: Image, y: Int, x: Int) -> SIMD3<Float> {
    SIMD3(image[y, x, 0], image[y, x, 1], image[y, x, 2])
  }

  static func meanAbsolute(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    (abs(a.x - b.x) + abs(a.y - b.y) + abs(a.z - b.z)) / 3
  }

  /// A 24×20 scene: background at d = 2, a square at d = 6 over left columns 10…19 and rows
  /// 5…14 (x ∈ [9.5, 19.5], y ∈ [4.5, 14.5]). By hand:
  ///
  /// - Right view: the square is seen where x_r + 6 ∈ [9.5, 19.5], columns 4…13.
  /// - Left mask, square rows: columns 0, 1 → 0 (x − 2 < 0); columns 6…9 → 0 (x − 2 = 4…7 shows
  ///   the square in the right view: occluded); all else 1. Other rows: only columns 0, 1 are 0.
  /// - Right mask, square rows: columns 14…17 → 0 (x_r + 2 = 16…19 is the square in the left
  ///   view); columns 22, 23 → 0 (x_r + 2 > 23). Other rows: only columns 22, 23 are 0.
  @Test("A square in front of a plane: disparities and occlusion masks by hand")
  func handComputedSquare() {
    let scene = SyntheticScene(
      width: 24, height: 20,
      surfaces: [
        SyntheticSurface(
          plane: .frontoParallel(2), shape: .everywhere, texture: Self.texture(seed: 1)),
        SyntheticSurface(
          plane: .frontoParallel(6),
          shape: .rectangle(center: SIMD2(14.5, 9.5), halfSize: SIMD2(5, 5), angle: 0),
          texture: Self.texture(seed: 2)),
      ])
    let pair = scene.render()
    for y in 0..<20 {
      let squareRow = (5...14).contains(y)
      for x in 0..<24 {
        let leftInSquare = squareRow && (10...19).contains(x)
        let rightInSquare = squareRow && (4...13).contains(x)
        #expect(pair.leftDisparity[y, x, 0] == (leftInSquare ? 6 : 2), "left d at (\(x), \(y))")
        #expect(pair.rightDisparity[y, x, 0] == (rightInSquare ? 6 : 2), "right d at (\(x), \(y))")
        let leftVisible = x >= 2 && !(squareRow && (6...9).contains(x))
        let rightVisible = x <= 21 && !(squareRow && (14...17).contains(x))
        #expect(pair.leftNonOccluded[y, x, 0] == (leftVisible ? 1 : 0), "left mask at (\(x), \(y))")
        #expect(
          pair.rightNonOccluded[y, x, 0] == (rightVisible ? 1 : 0), "right mask at (\(x), \(y))")
      }
    }
    // Integer disparities map every sub-pixel sample onto the same texture point: inside the
    // square and inside visible background, colours agree exactly.
    #expect(Self.color(pair.left, y: 10, x: 15) == Self.color(pair.right, y: 10, x: 9))
    #expect(Self.color(pair.left, y: 2, x: 12) == Self.color(pair.right, y: 2, x: 10))
    #expect(Self.color(pair.left, y: 10, x: 15) != Self.color(pair.left, y: 10, x: 16))
  }

  @Test("A constant integer shift gives an exactly shifted right view", arguments: [0, 3])
  func constantIntegerShift(shift: Int) {
    let pair = SyntheticScene.constantShift(
      width: 40, height: 12, disparity: Float(shift), texture: Self.texture(seed: 5)
    ).render()
    for y in 0..<12 {
      for x in 0..<40 {
        #expect(pair.leftDisparity[y, x, 0] == Float(shift))
        #expect(pair.rightDisparity[y, x, 0] == Float(shift))
        #expect(pair.leftNonOccluded[y, x, 0] == (x >= shift ? 1 : 0))
        #expect(pair.rightNonOccluded[y, x, 0] == (x + shift <= 39 ? 1 : 0))
        if x >= shift {
          #expect(Self.color(pair.left, y: y, x: x) == Self.color(pair.right, y: y, x: x - shift))
        }
      }
    }
  }

  /// Residuals of `left(x, y) − right(x − d − offset, y)` over non-occluded left pixels.
  static func residuals(_ pair: SyntheticStereoPair, offset: Float = 0) -> [Float] {
    var result: [Float] = []
    for y in 0..<pair.left.height {
      for x in 0..<pair.left.width where pair.leftNonOccluded[y, x, 0] == 1 {
        let target = Float(x) - pair.leftDisparity[y, x, 0] - offset
        if let right = sample(pair.right, y: y, x: target) {
          result.append(meanAbsolute(color(pair.left, y: y, x: x), right))
        }
      }
    }
    return result.sorted()
  }

  @Test("A fractional constant shift matches under linear resampling")
  func constantFractionalShift() throws {
    let pair = SyntheticScene.constantShift(
      width: 64, height: 16, disparity: 2.25, texture: Self.texture(seed: 6)
    ).render()
    #expect(pair.leftDisparity.pixels.allSatisfy { $0 == 2.25 })
    let errors = Self.residuals(pair)
    let mean = errors.reduce(0, +) / Float(errors.count)
    let control = Self.residuals(pair, offset: 1.5)
    let controlMean = control.reduce(0, +) / Float(control.count)
    // Linear resampling of a box-filtered texture a few pixels across is accurate to ~1 %.
    #expect(mean < 0.01, "mean residual \(mean)")
    #expect(controlMean > 4 * mean, "a wrong disparity must match worse: \(controlMean) vs \(mean)")
  }

  /// Random scenes, ranges 0…47, −16…15 and 0…16.
  ///
  /// The tolerances come from the rendering model (box-filtered texture with
  /// 2.5 px or coarser grain, resampled linearly), not from the code under test; pixels whose
  /// box straddles an occlusion edge blend two surfaces, so the tail is bounded by the 90th
  /// percentile rather than the maximum. A disparity off by 1.5 px must do several times worse.
  @Test(
    "Random scenes: left(x, y) ≈ right(x − d, y) on non-occluded pixels",
    arguments: [(Float(0), Float(47), UInt64(11)), (-16, 15, 12), (0, 16, 13)])
  func randomScenes(low: Float, high: Float, seed: UInt64) throws {
    let configuration = SyntheticStereoGenerator.Configuration(
      width: 120, height: 80, minimumDisparity: low, maximumDisparity: high)
    var generator = SeededGenerator(seed: seed)
    let pair = SyntheticStereoGenerator(configuration: configuration).makePair(using: &generator)

    let disparities = pair.leftDisparity.pixels + pair.rightDisparity.pixels
    #expect(disparities.allSatisfy { $0.isFinite && $0 >= low - 1e-3 && $0 <= high + 1e-3 })
    let masks = pair.leftNonOccluded.pixels + pair.rightNonOccluded.pixels
    #expect(masks.allSatisfy { $0 == 0 || $0 == 1 })
    let visible = pair.leftNonOccluded.pixels.reduce(0, +) / Float(120 * 80)
    #expect(visible > 0.5 && visible < 1, "non-occluded fraction \(visible)")

    let errors = Self.residuals(pair)
    try #require(errors.count > 1000)
    let mean = errors.reduce(0, +) / Float(errors.count)
    let percentile90 = errors[errors.count * 9 / 10]
    let control = Self.residuals(pair, offset: 1.5)
    let controlMean = control.reduce(0, +) / Float(control.count)
    #expect(mean < 0.015, "mean residual \(mean)")
    #expect(percentile90 < 0.04, "90th percentile \(percentile90)")
    #expect(controlMean > 4 * mean, "wrong disparity \(controlMean) vs right \(mean)")

    // The right view's disparity agrees: along one plane it is linear in x_r, so resampling it at
    // x − d gives d back wherever both neighbours belong to the same surface.
    var checked = 0
    for y in 0..<80 {
      for x in 0..<120 where pair.leftNonOccluded[y, x, 0] == 1 {
        let d = pair.leftDisparity[y, x, 0]
        let target = Float(x) - d
        let x0 = min(Int(target.rounded(.down)), 118)
        guard x0 >= 0, pair.rightNonOccluded[y, x0, 0] == 1,
          pair.rightNonOccluded[y, x0 + 1, 0] == 1,
          abs(pair.rightDisparity[y, x0, 0] - d) < 0.5,
          abs(pair.rightDisparity[y, x0 + 1, 0] - d) < 0.5
        else { continue }
        let t = target - Float(x0)
        let resampled =
          (1 - t) * pair.rightDisparity[y, x0, 0] + t * pair.rightDisparity[y, x0 + 1, 0]
        #expect(abs(resampled - d) < 2e-3, "right d at \(target) vs left d at (\(x), \(y))")
        checked += 1
      }
    }
    #expect(checked > 1000)
  }

  /// A 120×80 scene with disparities 0…47 drawn from `seed`.
  static func scene(
    seed: UInt64, objects: ClosedRange<Int>, thinBars: ClosedRange<Int> = 0...0, folds: Float = 0,
    grain: Float = 0
  ) -> SyntheticScene {
    var random = SeededGenerator(seed: seed)
    return SyntheticStereoGenerator(
      configuration: .init(
        width: 120, height: 80, minimumDisparity: 0, maximumDisparity: 47, objectCount: objects,
        thinBars: thinBars, foldProbability: folds, grainProbability: grain)
    ).makeScene(using: &random)
  }

  /// The same scene with the configuration's defaults for everything else (no thin bars, folds
  /// or grain given at all): what an option left at 0 must reproduce.
  static func unsetScene(seed: UInt64, objects: ClosedRange<Int>) -> SyntheticScene {
    var random = SeededGenerator(seed: seed)
    return SyntheticStereoGenerator(
      configuration: .init(
        width: 120, height: 80, minimumDisparity: 0, maximumDisparity: 47, objectCount: objects)
    ).makeScene(using: &random)
  }

  /// A wood-like texture is the isotropic one with its noise stretched along the rows by `g`:
  /// without a pattern its colour at `(u, v)` is the unstretched texture's at `(u/g, v)`, so it
  /// changes `g` times more slowly along a row than down a column.
  @Test("Wood grain stretches the noise along the rows; none by default, the stream unchanged")
  func grain() throws {
    let plain = ProceduralTexture(
      seed: 41, palette: [SIMD3(0.2, 0.3, 0.1), SIMD3(0.8, 0.6, 0.4), SIMD3(0.5, 0.5, 0.9)],
      coarseScale: 20, fineScale: 3, fineAmplitude: 0.2)
    var grained = plain
    grained.grain = 8
    var (along, across) = (Float(0), Float(0))
    for y in 0..<40 {
      for x in 0..<60 {
        let (u, v) = (Float(x) + 0.3, Float(y) + 0.7)
        #expect(grained.color(u: u, v: v) == plain.color(u: u / 8, v: v), "(\(u), \(v))")
        let here = grained.color(u: u, v: v)
        func change(_ other: SIMD3<Float>) -> Float {
          let d = other - here
          return abs(d.x) + abs(d.y) + abs(d.z)
        }
        along += change(grained.color(u: u + 1, v: v))
        across += change(grained.color(u: u, v: v + 1))
      }
    }
    #expect(along * 3 < across, "along the rows \(along), across \(across)")
    for seed: UInt64 in [3, 4, 5] {
      // Probability 0 draws nothing: the scenes of before, to the bit.
      let unset = Self.unsetScene(seed: seed, objects: 1...3)
      #expect(Self.scene(seed: seed, objects: 1...3, grain: 0) == unset)
      #expect(unset.surfaces.allSatisfy { $0.texture.grain == 1 })
      // Probability 1: every surface wood-like, stretched 6-20 times, no pattern or stripes
      // across the columns (along the rows), the planes and shapes drawn as before them.
      let wood = Self.scene(seed: seed, objects: 1...3, grain: 1)
      #expect(wood.surfaces.first?.plane == unset.surfaces.first?.plane)
      for surface in wood.surfaces {
        #expect((6...20).contains(surface.texture.grain))
        switch surface.texture.pattern {
        case .none: break
        case .stripes(let period, let angle):
          #expect((5...16).contains(period) && abs(angle - Float.pi / 2) <= 0.05)
        default: Issue.record("a wood-like texture with \(surface.texture.pattern)")
        }
      }
      let pair = wood.render()
      #expect(
        pair.leftDisparity.pixels.allSatisfy { $0.isFinite && $0 >= -1e-3 && $0 <= 47 + 1e-3 })
    }
  }

  @Test("Thin bars come after the objects, leave them as they were, and are 1-4 px thick")
  func thinBars() throws {
    func scene(bars: ClosedRange<Int>, seed: UInt64) -> SyntheticScene {
      Self.scene(seed: seed, objects: 1...3, thinBars: bars)
    }
    for seed: UInt64 in [5, 6, 7] {
      let plain = scene(bars: 0...0, seed: seed)
      let barred = scene(bars: 2...2, seed: seed)
      #expect(barred.surfaces.count == plain.surfaces.count + 2)
      #expect(Array(barred.surfaces.prefix(plain.surfaces.count)) == plain.surfaces)
      for surface in barred.surfaces.dropFirst(plain.surfaces.count) {
        guard case .rectangle(_, let half, _) = surface.shape else {
          Issue.record("a bar is not a rectangle: \(surface.shape)")
          continue
        }
        #expect((0.5...2).contains(half.y) && (12...36).contains(half.x), "\(half)")
        // Its footprint on the pixel centres: about 2·half.x long and 2·half.y ≤ 4 px thick (a
        // thin strip holds up to one more centre per unit of its length).
        var area = 0
        for y in 0..<80 {
          for x in 0..<120 where surface.shape.contains(x: Float(x), y: Float(y)) { area += 1 }
        }
        #expect(Float(area) <= 2 * half.x * (2 * half.y + 2) + 8, "area \(area) for \(half)")
      }
      let pair = barred.render()
      let disparities = pair.leftDisparity.pixels + pair.rightDisparity.pixels
      #expect(disparities.allSatisfy { $0.isFinite && $0 >= -1e-3 && $0 <= 47 + 1e-3 })
    }
  }

  /// A folded background is the nearer of two planes crossing at the crease: the left view's
  /// truth there is `max(p₁, p₂)`, both planes are seen, and the valley stays in range.
  @Test("A folded background is two crossing planes, the nearer seen, in range; none by default")
  func folds() throws {
    func scene(folds: Float, seed: UInt64) -> SyntheticScene {
      Self.scene(seed: seed, objects: 0...0, folds: folds)
    }
    for seed: UInt64 in [3, 4, 5] {
      let unset = Self.unsetScene(seed: seed, objects: 0...0)
      #expect(scene(folds: 0, seed: seed) == unset)
      #expect(unset.surfaces.count == 1)
      let folded = scene(folds: 1, seed: seed)
      #expect(folded.surfaces.count == 2)
      #expect(folded.surfaces.allSatisfy { $0.shape == .everywhere })
      let (p1, p2) = (folded.surfaces[0].plane, folded.surfaces[1].plane)
      #expect(abs(p1.a) <= 0.5 + 1e-6 && abs(p2.a) <= 0.5 + 1e-6)
      let pair = folded.render()
      var seen = [0, 0]
      for y in 0..<80 {
        for x in 0..<120 {
          let (u, v) = (Float(x), Float(y))
          let expected = max(p1.disparity(x: u, y: v), p2.disparity(x: u, y: v))
          #expect(abs(pair.leftDisparity[y, x, 0] - expected) < 1e-4, "(\(x), \(y))")
          seen[p1.disparity(x: u, y: v) >= p2.disparity(x: u, y: v) ? 0 : 1] += 1
        }
      }
      #expect(seen[0] > 0 && seen[1] > 0, "the crease crosses the image: \(seen)")
      let disparities = pair.leftDisparity.pixels + pair.rightDisparity.pixels
      #expect(disparities.allSatisfy { $0.isFinite && $0 >= -1e-3 && $0 <= 47 + 1e-3 })
    }
  }

  @Test("The same seed gives the same pair; another seed another")
  func seeded() {
    let generator = SyntheticStereoGenerator(
      configuration: .init(width: 48, height: 32, minimumDisparity: 0, maximumDisparity: 16))
    var first = SeededGenerator(seed: 99)
    var second = SeededGenerator(seed: 99)
    var third = SeededGenerator(seed: 100)
    let a = generator.makePair(using: &first)
    #expect(a == generator.makePair(using: &second))
    #expect(a.left != generator.makePair(using: &third).left)
  }

  /// d = 0.2·x + 0.1·y + 3 at (10, 5) is 5.5, seen in the right view at 4.5;
  /// x = (4.5 + 0.1·5 + 3) / (1 − 0.2) = 10.
  @Test("Planes invert between views; rotated shapes contain what they should")
  func geometry() throws {
    let plane = DisparityPlane(a: 0.2, b: 0.1, c: 3)
    #expect(plane.disparity(x: 10, y: 5) == 5.5)
    #expect(abs(plane.leftColumn(rightX: 4.5, y: 5) - 10) < 1e-5)
    // Half-size (4, 1) turned a quarter turn: long along y.
    let bar = SyntheticShape.rectangle(center: SIMD2(10, 10), halfSize: SIMD2(4, 1), angle: .pi / 2)
    #expect(bar.contains(x: 10, y: 13.9) && !bar.contains(x: 13.9, y: 10))
    let bounds = try #require(bar.bounds)
    #expect(abs(bounds.minimum.x - 9) < 1e-5 && abs(bounds.maximum.y - 14) < 1e-5)
    let disc = SyntheticShape.ellipse(center: SIMD2(0, 0), radii: SIMD2(3, 1), angle: 0)
    #expect(disc.contains(x: 2.9, y: 0) && !disc.contains(x: 0, y: 1.1))
  }

  @Test("Textures are deterministic, in range and textured at every pattern")
  func textures() {
    var generator = SeededGenerator(seed: 4)
    for pattern: ProceduralTexture.Pattern in [
      .none, .stripes(period: 6, angle: 1), .checker(size: 5, angle: 0.3), .blobs(scale: 12),
    ] {
      var texture = ProceduralTexture.random(using: &generator)
      texture.pattern = pattern
      let values = (0..<400).map { texture.color(u: Float($0 % 20) * 1.3, v: Float($0 / 20) * 1.7) }
      #expect(values.allSatisfy { ($0.min() >= 0) && ($0.max() <= 1) })
      let grey = values.map { ($0.x + $0.y + $0.z) / 3 }
      let mean = grey.reduce(0, +) / Float(grey.count)
      let spread = (grey.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(grey.count))
        .squareRoot()
      #expect(spread > 0.03, "\(pattern): standard deviation \(spread)")
      #expect(texture.color(u: 3.25, v: -7.5) == texture.color(u: 3.25, v: -7.5))
    }
  }
}
