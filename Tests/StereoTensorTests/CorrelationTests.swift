import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Correlation (cost volume)")
struct CorrelationTests {
  /// One row, W = 3, C = 2: L = [(1, 2), (3, 4), (5, 6)], R = [(1, 0), (0, 1), (2, 2)].
  let left = Tensor(shape: [1, 1, 3, 2], scalars: [1, 2, 3, 4, 5, 6])
  let right = Tensor(shape: [1, 1, 3, 2], scalars: [1, 0, 0, 1, 2, 2])

  func expectClose(
    _ actual: Tensor, _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.scalars.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual.scalars, expected) {
      #expect(
        Swift.abs(a - e) < 1e-6, "\(actual.scalars) vs \(expected)", sourceLocation: sourceLocation)
    }
  }

  @Test("Left view, d = 0…1: ⟨L(x), R(x − d)⟩ / C, 0 outside the image")
  func leftHandComputed() {
    let volume = Tensor.correlation(
      left: left, right: right, minimumDisparity: 0, candidateCount: 2)
    #expect(volume.shape == [1, 1, 3, 2])
    // x=0: L0·R0 = 1 → ½, R(−1) outside → 0; x=1: L1·R1 = 4 → 2, L1·R0 = 3 → 1.5;
    // x=2: L2·R2 = 10 + 12 = 22 → 11, L2·R1 = 6 → 3.
    expectClose(volume, [0.5, 0, 2, 1.5, 11, 3])
  }

  @Test("Right view, d = 0…1: ⟨R(x), L(x + d)⟩ / C, 0 outside the image")
  func rightHandComputed() {
    let volume = Tensor.correlation(
      left: left, right: right, minimumDisparity: 0, candidateCount: 2, view: .right)
    // x=0: R0·L0 = 1 → ½, R0·L1 = 3 → 1.5; x=1: R1·L1 = 4 → 2, R1·L2 = 6 → 3;
    // x=2: R2·L2 = 22 → 11, L(3) outside → 0.
    expectClose(volume, [0.5, 1.5, 2, 3, 11, 0])
  }

  @Test("Negative candidates, d = −1…0 on the left view: ⟨L(x), R(x + 1)⟩ and ⟨L(x), R(x)⟩")
  func negativeHandComputed() {
    let volume = Tensor.correlation(
      left: left, right: right, minimumDisparity: -1, candidateCount: 2)
    // x=0: L0·R1 = 2 → 1, L0·R0 = 1 → ½; x=1: L1·R2 = 14 → 7, L1·R1 = 4 → 2;
    // x=2: R(3) outside → 0, L2·R2 = 22 → 11.
    expectClose(volume, [1, 0.5, 7, 2, 0, 11])
  }

  /// (N, H, W, C, d_0, D): lane tails (D not a multiple of 8), one channel, negative and
  /// beyond-the-image candidates, D > 16 for the two-vector path.
  static let layouts: [[Int]] = [
    [2, 3, 11, 3, 0, 5], [1, 2, 9, 1, -3, 7], [2, 2, 13, 17, 2, 20], [1, 3, 6, 8, -2, 16],
    [1, 1, 5, 4, 3, 9], [1, 2, 7, 5, -9, 3],
  ]

  @Test(
    "The fused kernel equals the composition of shifts, products and a channel mean",
    arguments: 0..<6, [CorrelationView.left, .right])
  func fusedMatchesComposition(layout: Int, view: CorrelationView) {
    let sizes = Self.layouts[layout]
    let (n, h, w, c, minimum, d) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
    let left = randomTensor([n, h, w, c], seed: UInt64(layout))
    let right = randomTensor([n, h, w, c], seed: UInt64(layout + 20))
    let weights = randomTensor([n, h, w, d], seed: 40)
    func run(_ fused: Bool) -> [Tensor] {
      let (l, r) = (Parameter(left), Parameter(right))
      let volume =
        fused
        ? Tensor.correlation(
          left: l.tracked, right: r.tracked, minimumDisparity: minimum, candidateCount: d,
          view: view)
        : Tensor.composedCorrelation(
          left: l.tracked, right: r.tracked, minimumDisparity: minimum, candidateCount: d,
          view: view)
      (volume * weights).sum().backward()
      return [volume, l.gradient!, r.gradient!]
    }
    let fused = run(true)
    let plain = withBackend(Backends.reference) { run(false) }
    for (index, (a, b)) in zip(fused, plain).enumerated() {
      #expect(a.shape == b.shape)
      #expect(maximumAbsoluteDifference(a, b) < 1e-5, "output \(index) of layout \(sizes)")
    }
  }

  @Test(
    "Gradients in both feature maps match finite differences",
    arguments: [CorrelationView.left, .right])
  func finiteDifferences(view: CorrelationView) {
    let inputs = [randomTensor([1, 2, 9, 5], seed: 7), randomTensor([1, 2, 9, 5], seed: 8)]
    let checks = checkGradients(at: inputs, maximumElements: 90) { x in
      Tensor.correlation(
        left: x[0], right: x[1], minimumDisparity: -2, candidateCount: 6, view: view)
    }
    for (index, check) in checks.enumerated() {
      #expect(check.worstError < 1e-2, "input \(index): \(check)")
    }
  }

  @Test("The right view's volume is the left one sheared: right(x, k) = left(x + d_k, k)")
  func rightIsShearedLeft() {
    let (w, minimum, d) = (12, -2, 9)
    let left = randomTensor([2, 3, w, 6], seed: 11), right = randomTensor([2, 3, w, 6], seed: 12)
    let leftVolume = Tensor.correlation(
      left: left, right: right, minimumDisparity: minimum, candidateCount: d)
    let rightVolume = Tensor.correlation(
      left: left, right: right, minimumDisparity: minimum, candidateCount: d, view: .right)
    var compared = 0
    for n in 0..<2 {
      for y in 0..<3 {
        for x in 0..<w {
          for k in 0..<d where (0..<w).contains(x + minimum + k) {
            let expected = leftVolume[n, y, x + minimum + k, k]
            #expect(Swift.abs(rightVolume[n, y, x, k] - expected) < 1e-6)
            compared += 1
          }
        }
      }
    }
    #expect(compared > 2 * 3 * w * d / 2)
  }
}
