import StereoData
import StereoDepth
import StereoTensor
import Testing

@Suite("Error against density")
struct SparsificationCurveTests {
  /// Four pixels whose order is set by confidence.
  ///
  /// Ground truth 10 everywhere; errors [4, 0, 2, 6]; confidence [0.1, 0.9, 0.5, NaN].
  /// Order by confidence: x = 1, 2, 0, then 3 (NaN last). n = 4, k = ⌊ρ·4 + ½⌋.
  ///
  ///     ρ      k  pixels      EPE              D1 (ε > 3 and > 5 %)
  ///     0.1    0  —           0 (empty)        0
  ///     0.25   1  1           0                0
  ///     0.5    2  1, 2        1                0
  ///     0.75   3  1, 2, 0     2                1/3
  ///     1      4  all         3                1/2
  @Test("Keeps the most confident pixels first")
  func handComputed() {
    let curve = SparsificationCurve(
      estimate: Image(width: 4, height: 1, channels: 1, pixels: [14, 10, 12, 16]),
      groundTruth: Image(width: 4, height: 1, channels: 1, repeating: 10),
      confidence: Image(width: 4, height: 1, channels: 1, pixels: [0.1, 0.9, 0.5, .nan]),
      densities: [0.1, 0.25, 0.5, 0.75, 1])
    #expect(curve.points.map { $0.metrics.evaluatedPixels } == [0, 1, 2, 3, 4])
    #expect(curve.points.map { $0.metrics.endPointError } == [0, 0, 1, 2, 3])
    #expect(curve.points.map { $0.metrics.d1Outliers } == [0, 0, 0, 1, 2])
    #expect(curve.points.map { $0.density } == [0.1, 0.25, 0.5, 0.75, 1])
  }

  @Test("The full-density point equals the plain metrics")
  func fullDensity() {
    var generator = SeededGenerator(seed: 7)
    let truth = (0..<300).map { _ in Float.random(in: 10...40, using: &generator) }
    let estimate = truth.map { $0 + Float.random(in: -6...6, using: &generator) }
    let confidence = (0..<300).map { _ in Float.random(in: 0...1, using: &generator) }
    let image = { (values: [Float]) in Image(width: 20, height: 15, channels: 1, pixels: values) }
    let curve = SparsificationCurve(
      estimate: image(estimate), groundTruth: image(truth), confidence: image(confidence))
    #expect(curve.points.count == 10)
    let last = curve.points.last?.metrics
    #expect(last == DisparityMetrics(estimate: image(estimate), groundTruth: image(truth)))
    // The oracle keeps the smallest errors: its EPE never decreases with density, and no other
    // confidence beats it at any density.
    let oracle = SparsificationCurve.oracle(estimate: image(estimate), groundTruth: image(truth))
    let errors = oracle.points.map { $0.metrics.endPointError }
    #expect(zip(errors, errors.dropFirst()).allSatisfy { $0 <= $1 }, "\(errors)")
    for (point, best) in zip(curve.points, oracle.points) {
      #expect(point.metrics.endPointError >= best.metrics.endPointError - 1e-9)
    }
    #expect(oracle.points.last?.metrics == last)
    #expect(errors[0] < 0.5 * errors[9], "oracle at 10 % \(errors[0]) vs 100 % \(errors[9])")
  }
}
