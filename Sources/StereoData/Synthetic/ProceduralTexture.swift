import Foundation

/// A colour texture defined everywhere in the plane, from hashed value noise: no storage, and the
/// same colour at the same texture coordinate in whichever view samples it.
///
/// The colour at `(u, v)` (pixels) is built in layers, then clamped to [0, 1]:
///
///     n    = fbm(u/g, v; coarseScale, 4 octaves)           value noise in [0, 1]
///     rgb  = mix(palette[0], palette[1], n)                 smooth colour variation
///     rgb  = mix(rgb, palette[2], strength·pattern(u, v))   stripes, checker or blobs
///     rgb += fineAmplitude·(2·fbm(u/g, v; fineScale, 2) − 1)  pixel-scale grain, all channels
///
/// `g` is ``grain``, the noise's stretch along the rows: 1 for the isotropic textures, 6-20 for
/// the wood-like ones (``random(using:grainProbability:)``), whose rows change so little along
/// a row that matching them is ambiguous there, as on a plank whose grain runs along the rows.
///
/// `fbm` sums octaves of value noise (random values on an integer lattice, blended with the
/// quintic fade `6t⁵ − 15t⁴ + 10t³`), each at half the scale and half the amplitude of the last,
/// normalised to [0, 1]. The fine grain, a few pixels across, makes every patch distinctive, so
/// matching is well posed; the coarse layers and patterns give regions of their own colour.
public struct ProceduralTexture: Sendable, Equatable {
  /// A layer drawn in `palette[2]` over the noise.
  public enum Pattern: Sendable, Equatable {
    /// No pattern.
    case none
    /// Soft sinusoidal stripes of `period` pixels across direction `angle` (radians).
    case stripes(period: Float, angle: Float)
    /// A checkerboard of `size`-pixel squares rotated by `angle`, edges softened over about a
    /// tenth of a square so that it renders without aliasing.
    case checker(size: Float, angle: Float)
    /// Blobs where low-frequency noise of feature size `scale` exceeds ½.
    case blobs(scale: Float)
  }

  /// Seeds the lattice hash: textures with different seeds are independent.
  public var seed: UInt64
  /// Three colours, RGB in [0, 1].
  public var palette: [SIMD3<Float>]
  /// The feature size of the coarse noise, in pixels.
  public var coarseScale: Float
  /// The feature size of the fine grain, in pixels.
  public var fineScale: Float
  /// The fine grain's amplitude.
  public var fineAmplitude: Float
  /// The pattern layer.
  public var pattern: Pattern
  /// How strongly the pattern shows, in [0, 1].
  public var patternStrength: Float
  /// The noise layers' stretch along the rows, `g` above (1: isotropic).
  public var grain: Float

  /// Creates a texture.
  public init(
    seed: UInt64, palette: [SIMD3<Float>], coarseScale: Float = 24, fineScale: Float = 3,
    fineAmplitude: Float = 0.2, pattern: Pattern = .none, patternStrength: Float = 0.5,
    grain: Float = 1
  ) {
    precondition(palette.count == 3, "A texture needs 3 palette colours, got \(palette.count)")
    precondition(
      coarseScale > 0 && fineScale > 0, "Scales must be positive: \(coarseScale), \(fineScale)")
    precondition(grain > 0, "The grain's stretch must be positive: \(grain)")
    self.seed = seed
    self.palette = palette
    self.coarseScale = coarseScale
    self.fineScale = fineScale
    self.fineAmplitude = fineAmplitude
    self.pattern = pattern
    self.patternStrength = patternStrength
    self.grain = grain
  }

  /// A random texture: palette, scales and one of the four patterns drawn from `generator`;
  /// then, with probability `grainProbability` (no draw when it is 0, so that the stream is
  /// that of the isotropic textures), a wood-like one: its noise stretched along the rows by
  /// ``grain`` drawn in [6, 20], and its pattern none or horizontal stripes (period 5-16 px, the
  /// angle within 0.05 rad of the rows) in equal shares.
  public static func random(
    using generator: inout some RandomNumberGenerator, grainProbability: Float = 0
  ) -> Self {
    func uniform(_ range: ClosedRange<Float>) -> Float {
      Float.random(in: range, using: &generator)
    }
    let palette = (0..<3).map { _ in
      SIMD3(uniform(0.05...0.95), uniform(0.05...0.95), uniform(0.05...0.95))
    }
    let angle = uniform(0...Float.pi)
    let pattern: Pattern
    switch Int.random(in: 0..<4, using: &generator) {
    case 0: pattern = .none
    case 1: pattern = .stripes(period: uniform(5...16), angle: angle)
    case 2: pattern = .checker(size: uniform(4...12), angle: angle)
    default: pattern = .blobs(scale: uniform(10...30))
    }
    var texture = ProceduralTexture(
      seed: generator.next(), palette: palette, coarseScale: uniform(12...40),
      fineScale: uniform(2.5...5), fineAmplitude: uniform(0.12...0.25), pattern: pattern,
      patternStrength: uniform(0.3...0.7))
    if grainProbability > 0 && uniform(0...1) < grainProbability {
      texture.grain = uniform(6...20)
      texture.pattern =
        Bool.random(using: &generator)
        ? .none : .stripes(period: uniform(5...16), angle: Float.pi / 2 + uniform(-0.05...0.05))
    }
    return texture
  }

  /// The colour at texture coordinate `(u, v)`, RGB in [0, 1].
  @inlinable
  public func color(u: Float, v: Float) -> SIMD3<Float> {
    let coarse = Self.fractalNoise(u: u / grain, v: v, scale: coarseScale, octaves: 4, seed: seed)
    var rgb = palette[0] + coarse * (palette[1] - palette[0])
    let layer = patternStrength * patternValue(u: u, v: v)
    rgb += layer * (palette[2] - rgb)
    let fine = Self.fractalNoise(
      u: u / grain, v: v, scale: fineScale, octaves: 2, seed: seed &+ 0x51)
    rgb += fineAmplitude * (2 * fine - 1)
    return rgb.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 1))
  }

  /// The pattern's weight at `(u, v)`, in [0, 1].
  @inlinable
  func patternValue(u: Float, v: Float) -> Float {
    switch pattern {
    case .none:
      return 0
    case .stripes(let period, let angle):
      let along =
        u * Float(Foundation.cos(Double(angle))) + v * Float(Foundation.sin(Double(angle)))
      return 0.5 + 0.5 * Float(Foundation.sin(Double(2 * Float.pi * along / period)))
    case .checker(let size, let angle):
      let cosine = Float(Foundation.cos(Double(angle)))
      let sine = Float(Foundation.sin(Double(angle)))
      let p = (cosine * u + sine * v) / size
      let q = (-sine * u + cosine * v) / size
      // sin(πp)·sin(πq) changes sign at the square edges; steepening and clamping it gives
      // squares with edges about a tenth of a square wide.
      let product = Float(
        Foundation.sin(Double(Float.pi * p)) * Foundation.sin(Double(Float.pi * q)))
      return 0.5 + 0.5 * min(max(8 * product, -1), 1)
    case .blobs(let scale):
      let n = Self.fractalNoise(u: u, v: v, scale: scale, octaves: 2, seed: seed &+ 0xB10B)
      let t = min(max((n - 0.45) / 0.1, 0), 1)
      return t * t * (3 - 2 * t)
    }
  }

  /// Octaves of value noise, normalised to [0, 1]: octave `k` has feature size `scale / 2ᵏ` and
  /// amplitude `2⁻ᵏ`.
  @inlinable
  static func fractalNoise(u: Float, v: Float, scale: Float, octaves: Int, seed: UInt64) -> Float {
    var sum: Float = 0
    var amplitude: Float = 1
    var total: Float = 0
    var frequency = 1 / scale
    for octave in 0..<octaves {
      sum +=
        amplitude * valueNoise(u * frequency, v * frequency, seed: seed &+ UInt64(octave) &* 0x9E37)
      total += amplitude
      amplitude *= 0.5
      frequency *= 2
    }
    return sum / total
  }

  /// Value noise: lattice values blended with the quintic fade; in [0, 1].
  @inlinable
  static func valueNoise(_ x: Float, _ y: Float, seed: UInt64) -> Float {
    let x0 = x.rounded(.down)
    let y0 = y.rounded(.down)
    let ix = Int64(x0)
    let iy = Int64(y0)
    let tx = fade(x - x0)
    let ty = fade(y - y0)
    let topLeft = lattice(ix, iy, seed)
    let bottomLeft = lattice(ix, iy + 1, seed)
    let top = topLeft + tx * (lattice(ix + 1, iy, seed) - topLeft)
    let bottom = bottomLeft + tx * (lattice(ix + 1, iy + 1, seed) - bottomLeft)
    return top + ty * (bottom - top)
  }

  @inlinable
  static func fade(_ t: Float) -> Float { t * t * t * (t * (6 * t - 15) + 10) }

  /// A hashed value in [0, 1) for lattice point `(i, j)` (the SplitMix64 finaliser).
  @inlinable
  static func lattice(_ i: Int64, _ j: Int64, _ seed: UInt64) -> Float {
    var h = seed ^ (UInt64(bitPattern: i) &* 0x9E37_79B9_7F4A_7C15)
    h ^= UInt64(bitPattern: j) &* 0xC2B2_AE3D_27D4_EB4F
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    h ^= h >> 31
    return Float(h >> 40) * (1 / Float(1 << 24))
  }
}
