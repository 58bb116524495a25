import StereoNN
import StereoTensor
import Testing

@Suite("Initializers")
struct InitializerTests {
  /// Mean and (biased) standard deviation, in Double.
  static func moments(_ t: Tensor) -> (mean: Double, deviation: Double) {
    let values = t.scalars.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
  }

  @Test("Fans of [C_out, KH, KW, C_in/groups] filters")
  func fans() {
    // 3×3, 4 → 8: fanIn = 9·4, fanOut = 9·8.
    #expect(Initializer.fans([8, 3, 3, 4]) == (36, 72))
    // Depthwise 3×3 over 16 channels (16 groups of one): fanIn = fanOut = 9.
    #expect(Initializer.fans([16, 3, 3, 1], groups: 16) == (9, 9))
    #expect(Initializer.fans([32, 1, 1, 64]) == (64, 32))
  }

  // 64·3·3·32 = 18,432 draws: the sample standard deviation's relative error is about
  // 1/√(2·18432) ≈ 0.5%, and the mean's error about 0.7% of σ; the tolerances are 4-6 of those.
  static let shape = [64, 3, 3, 32]

  @Test("He normal has mean 0 and standard deviation √(2/fanIn)")
  func heNormal() {
    var generator = SeededGenerator(seed: 3)
    let filter = Initializer.heNormal(Self.shape, using: &generator)
    let sigma = (2.0 / 288).squareRoot()
    let (mean, deviation) = Self.moments(filter)
    #expect(filter.shape == Self.shape)
    #expect(abs(mean) < 0.03 * sigma, "mean \(mean)")
    #expect(abs(deviation / sigma - 1) < 0.03, "deviation \(deviation) against \(sigma)")
  }

  @Test("He uniform lies in ±√(6/fanIn) and has variance 2/fanIn")
  func heUniform() {
    var generator = SeededGenerator(seed: 4)
    let filter = Initializer.heUniform(Self.shape, using: &generator)
    let limit = (6.0 / 288).squareRoot()
    checkUniform(filter, limit: limit)
  }

  @Test("Glorot uniform lies in ±√(6/(fanIn + fanOut)) and has variance 2/(fanIn + fanOut)")
  func glorotUniform() {
    var generator = SeededGenerator(seed: 5)
    let filter = Initializer.glorotUniform(Self.shape, using: &generator)
    let limit = (6.0 / (288 + 576)).squareRoot()
    checkUniform(filter, limit: limit)
  }

  @Test("Groups change the bounds: a depthwise filter's limit uses fanIn = KH·KW")
  func depthwise() {
    var generator = SeededGenerator(seed: 6)
    let filter = Initializer.heUniform([2048, 3, 3, 1], groups: 2048, using: &generator)
    checkUniform(filter, limit: (6.0 / 9).squareRoot())
  }

  @Test("The same seed gives the same weights, another seed others")
  func seeded() {
    var a = SeededGenerator(seed: 7)
    var b = SeededGenerator(seed: 7)
    var c = SeededGenerator(seed: 8)
    let first = Initializer.heNormal([4, 3, 3, 2], using: &a).scalars
    #expect(first == Initializer.heNormal([4, 3, 3, 2], using: &b).scalars)
    #expect(first != Initializer.heNormal([4, 3, 3, 2], using: &c).scalars)
  }

  /// U(−a, a): every value within a, the extremes close to ±a, σ = a/√3.
  func checkUniform(
    _ t: Tensor, limit: Double, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let values = t.scalars.map(Double.init)
    let (low, high) = (values.min() ?? 0, values.max() ?? 0)
    #expect(
      low >= -limit && high <= limit, "range \(low)…\(high), limit \(limit)",
      sourceLocation: sourceLocation)
    #expect(
      low < -0.99 * limit && high > 0.99 * limit, "range \(low)…\(high) fills ±\(limit)",
      sourceLocation: sourceLocation)
    let (mean, deviation) = Self.moments(t)
    let sigma = limit / 3.0.squareRoot()
    #expect(abs(mean) < 0.04 * sigma, "mean \(mean)", sourceLocation: sourceLocation)
    #expect(
      abs(deviation / sigma - 1) < 0.03, "deviation \(deviation) against \(sigma)",
      sourceLocation: sourceLocation)
  }
}
