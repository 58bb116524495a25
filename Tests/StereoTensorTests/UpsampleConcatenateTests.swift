import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Fused up-sampling + concatenation")
struct UpsampleConcatenateTests {
  @Test(
    "Equals the reference backend's up-sampling then concatenation, forward and backward",
    arguments: [[1, 1, 1, 3, 2], [2, 3, 5, 4, 7], [1, 4, 2, 16, 16], [2, 5, 3, 1, 9]])
  func matchesComposition(sizes: [Int]) {
    let (n, h, w, cx, cs) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4])
    let x = randomTensor([n, h, w, cx], seed: 60)
    let skip = randomTensor([n, 2 * h, 2 * w, cs], seed: 61)
    let weights = randomTensor([n, 2 * h, 2 * w, cx + cs], seed: 62)
    func run(_ fused: Bool) -> [Tensor] {
      let (px, pskip) = (Parameter(x), Parameter(skip))
      let y =
        fused
        ? Tensor.upsampled2xConcatenated(px.tracked, pskip.tracked)
        : Tensor.concatenate([px.tracked.upsampled2x(), pskip.tracked], axis: 3)
      (y * weights).sum().backward()
      return [y, px.gradient!, pskip.gradient!]
    }
    let fused = run(true)
    let plain = withBackend(Backends.reference) { run(false) }
    for (a, b) in zip(fused, plain) {
      #expect(a.shape == b.shape)
      #expect(maximumAbsoluteDifference(a, b) < 1e-5)
    }
  }

  @Test("Gradients match finite differences")
  func finiteDifferences() {
    let inputs = [randomTensor([2, 3, 4, 3], seed: 63), randomTensor([2, 6, 8, 2], seed: 64)]
    let checks = checkGradients(at: inputs) { x in Tensor.upsampled2xConcatenated(x[0], x[1]) }
    for check in checks { #expect(check.worstError < 1e-2, "\(check)") }
  }

  @Test("A skip of the wrong size stops with the shapes")
  func badSkip() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.upsampled2xConcatenated(Tensor.zeros([1, 2, 2, 1]), Tensor.zeros([1, 4, 5, 1]))
    }
  }
}

@Suite("Fused up-sampling + scaling (coarse-to-fine disparities)")
struct UpsampleScaledTests {
  /// One row `(1, 2)`, scale 2: outputs `2·(¼·1 + ¾·1)`, `2·(¾·1 + ¼·2)`, `2·(¼·1 + ¾·2)`,
  /// `2·(¾·2 + ¼·2)` = 2, 2.5, 3.5, 4 (edges clamped), on both output rows.
  @Test("By hand: a 1×2 map up-sampled and doubled")
  func handComputed() {
    let x = Tensor(shape: [1, 1, 2, 1], scalars: [1, 2])
    let y = x.upsampled2xScaled(by: 2)
    #expect(y.shape == [1, 2, 4, 1])
    #expect(y.scalars == [2, 2.5, 3.5, 4, 2, 2.5, 3.5, 4])
  }

  @Test(
    "Equals the reference backend's bilinear resize times the scale",
    arguments: [[1, 1, 1, 1], [2, 3, 5, 1], [1, 4, 7, 3], [2, 5, 2, 8]])
  func matchesComposition(sizes: [Int]) {
    let (n, h, w, c) = (sizes[0], sizes[1], sizes[2], sizes[3])
    let x = randomTensor([n, h, w, c], seed: 70, in: -3...40)
    let fused = x.upsampled2xScaled(by: 2)
    let plain = withBackend(Backends.reference) {
      x.resizedBilinear(height: 2 * h, width: 2 * w).scaled(by: 2)
    }
    #expect(fused.shape == plain.shape)
    #expect(maximumAbsoluteDifference(fused, plain) < 1e-4)
  }
}
