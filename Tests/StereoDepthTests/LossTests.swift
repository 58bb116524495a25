import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Losses")
struct LossTests {
  @Test(
    "Edge-aware smoothness, hand-computed on a 1x3 map, composed and fused",
    arguments: [false, true])
  func edgeAwareHandComputed(fused: Bool) {
    // d = [1, 2, 3] → mean 2 → d̄ = [0.5, 1, 1.5]; |∂x d̄| = [0.5, 0.5].
    // Image rows of one channel: [0, 0, 1] → |∂x I| = [0, 1]; weights exp(0)=1, exp(−1).
    // x term: mean(0.5·1, 0.5·e⁻¹) = 0.25·(1 + e⁻¹); no y term (H = 1).
    let disparity = Tensor(shape: [1, 1, 3, 1], scalars: [1, 2, 3])
    let image = Tensor(shape: [1, 1, 3, 1], scalars: [0, 0, 1])
    let loss = fused ? SmoothnessLoss.edgeAwareFused : SmoothnessLoss.edgeAware
    let value = loss(disparity, image, 0).scalar
    #expect(Swift.abs(value - Float(0.25 * (1 + Foundation.exp(-1.0)))) < 1e-6)
  }

  @Test(
    "Fused edge-aware smoothness equals the composition, forward and backward",
    arguments: [(2, 7, 9, 0), (1, 1, 5, 2), (3, 6, 1, -3), (2, 33, 41, 1)])
  func edgeAwareFusedMatchesComposition(n: Int, h: Int, w: Int, minimum: Int) {
    let image = randomTensor([n, h, w, 3], seed: UInt64(h * w), in: 0...1)
    let disparity = randomTensor(
      [n, h, w, 1], seed: UInt64(h + w), in: Float(minimum)...Float(minimum + 6))
    func run(_ fused: Bool) -> (Float, Tensor) {
      let parameter = Parameter(disparity)
      let loss =
        fused
        ? SmoothnessLoss.edgeAwareFused(
          disparity: parameter.tracked, image: image, minimumDisparity: Float(minimum))
        : SmoothnessLoss.edgeAware(
          disparity: parameter.tracked, image: image, minimumDisparity: Float(minimum))
      loss.scaled(by: 3).backward()
      return (loss.scalar, parameter.gradient!)
    }
    let (fused, fusedGradient) = run(true)
    let (plain, plainGradient) = withBackend(Backends.reference) { run(false) }
    #expect(
      Swift.abs(fused - plain) <= 1e-5 * Swift.max(1, Swift.abs(plain)), "\(fused) vs \(plain)")
    #expect(toleranceRatio(fusedGradient, plainGradient, absolute: 1e-6, relative: 1e-4) <= 1)
  }

  @Test("2017 gradient magnitude, hand-computed on a spike")
  func gradient2017HandComputed() {
    // A 5x5 map, zero except 4 at the centre: the only cropped pixel is the centre, whose four
    // differences are all 4 → 0.25·√(4·16) = 2.
    var scalars = [Float](repeating: 0, count: 25)
    scalars[12] = 4
    let g = SmoothnessLoss.gradientMagnitude2017(Tensor(shape: [1, 5, 5, 1], scalars: scalars))
    #expect(g.shape == [1, 1, 1, 1])
    #expect(Swift.abs(g.scalar - 2) < 1e-5)
  }

  @Test("L1 weighted by validity: Σ w·e / Σ w")
  func weightedL1() {
    let rendered = Tensor(shape: [1, 1, 2, 1], scalars: [1, 5])
    let target = Tensor(shape: [1, 1, 2, 1], scalars: [0, 0])
    let weights = Tensor(shape: [1, 1, 2, 1], scalars: [1, 0.25])
    let error = AppearanceLoss.perPixel(rendered, target, ssimWeight: 0)
    // (1·1 + 0.25·5) / 1.25 = 1.8
    #expect(Swift.abs(AppearanceLoss.weightedMean(error, weights: weights).scalar - 1.8) < 1e-6)
  }

  @Test("SSIM of an image with itself is 1")
  func ssimIdentity() {
    let x = randomTensor([1, 6, 7, 3], seed: 3, in: 0...1)
    #expect(AppearanceLoss.ssim(x, x).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-4 })
  }

  @Test("Loss gradients match finite differences")
  func gradients() {
    let image = randomTensor([2, 7, 8, 3], seed: 4, in: 0...1)
    let disparity = randomTensor([2, 7, 8, 1], seed: 5, in: 1...5)
    var checks = checkGradients(at: [disparity]) { x in
      SmoothnessLoss.edgeAware(disparity: x[0], image: image, minimumDisparity: 0)
    }
    checks += checkGradients(at: [disparity]) { x in
      SmoothnessLoss.edgeAwareFused(disparity: x[0], image: image, minimumDisparity: 0.5)
    }
    checks += checkGradients(at: [disparity]) { x in
      SmoothnessLoss.gradient2017(disparity: x[0], image: image)
    }
    let other = randomTensor([2, 7, 8, 3], seed: 6, in: 0...1)
    checks += checkGradients(at: [other], step: 2e-3) { x in
      AppearanceLoss.perPixel(x[0], image, ssimWeight: 0.85).sum()
    }
    for check in checks { #expect(check.worstError < 2e-2, "\(check)") }
  }

  @Test(
    "The whole objective differentiates correctly through both selection layers",
    arguments: [false, true])
  func wholeObjective(consistency: Bool) {
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: -1, maximumDisparity: 4)
    let loss = StereoLoss(
      configuration: LossConfiguration(
        smoothness: .edgeAware, smoothnessWeight: 0.1, ssimWeight: 0.85,
        consistencyWeight: consistency ? 1 : 0),
      minimumDisparity: configuration.minimumDisparity)
    let left = randomTensor([1, 4, 9, 3], seed: 7, in: 0...1)
    let right = randomTensor([1, 4, 9, 3], seed: 8, in: 0...1)
    let model = WNet(configuration: configuration)
    let logits = [
      randomTensor([1, 4, 9, 6], seed: 9, in: -2...2),
      randomTensor([1, 4, 9, 6], seed: 10, in: -2...2),
    ]
    let checks = checkGradients(at: logits, step: 2e-3) { x in
      let l = model.leftSelection(logits: x[0], source: right)
      let r = model.rightSelection(logits: x[1], source: left)
      var output = WNetOutput(left: l, right: r)
      if consistency {
        output.warpedDisparities = (
          model.leftSelection(logits: x[0], source: r.disparity).reconstruction,
          model.rightSelection(logits: x[1], source: l.disparity).reconstruction
        )
      }
      return loss(output, left: left, right: right).total
    }
    for check in checks { #expect(check.worstError < 2e-2, "\(check)") }
  }
}
