import Foundation
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Second-order smoothness")
struct SecondOrderSmoothnessTests {
  @Test("Hand-computed on a 1x4 map with an image edge")
  func handComputed() {
    // d = [1, 2, 4, 9] → mean 4 → d̄ = [0.25, 0.5, 1, 2.25]; steps [0.25, 0.5, 1.25];
    // second differences |0.25|, |0.75| at x = 1, 2.
    // Image of one channel [0, 0, 0, 1] → steps g = [0, 0, 1]; weights exp(−(0 + 0)) = 1 at x = 1
    // and exp(−(0 + 1)) = e⁻¹ at x = 2. Mean (0.25 + 0.75·e⁻¹) / 2; no y term (H = 1).
    let disparity = Tensor(shape: [1, 1, 4, 1], scalars: [1, 2, 4, 9])
    let image = Tensor(shape: [1, 1, 4, 1], scalars: [0, 0, 0, 1])
    let value = SmoothnessLoss.secondOrder(disparity: disparity, image: image, minimumDisparity: 0)
      .scalar
    let expected = (0.25 + 0.75 * Foundation.exp(-1.0)) / 2
    #expect(Swift.abs(Double(value) - expected) < 1e-6)
  }

  @Test("Zero on slanted planes, positive on a bent surface")
  func planes() {
    let (h, w) = (5, 7)
    let image = randomTensor([1, h, w, 3], seed: 1, in: 0...1)
    let plane = Tensor(
      shape: [1, h, w, 1],
      scalars: (0..<(h * w)).map { Float(3 + 0.5 * Double($0 % w) - 0.25 * Double($0 / w)) })
    #expect(
      SmoothnessLoss.secondOrder(disparity: plane, image: image, minimumDisparity: -2).scalar
        < 1e-6)
    let bent = Tensor(
      shape: [1, h, w, 1], scalars: (0..<(h * w)).map { Float(3 + Swift.abs($0 % w - 3)) })
    #expect(
      SmoothnessLoss.secondOrder(disparity: bent, image: image, minimumDisparity: 0).scalar > 0.01)
  }

  @Test("Gradients match finite differences", arguments: [(2, 7, 8, 0), (1, 2, 6, 1)])
  func gradients(n: Int, h: Int, w: Int, minimum: Int) {
    let image = randomTensor([n, h, w, 3], seed: 4, in: 0...1)
    let disparity = randomTensor([n, h, w, 1], seed: 5, in: 1...5)
    let checks = checkGradients(at: [disparity]) { x in
      SmoothnessLoss.secondOrder(
        disparity: x[0], image: image, minimumDisparity: Float(minimum))
    }
    for check in checks { #expect(check.worstError < 2e-2, "\(check)") }
  }

  @Test("The objective adds λ₂ times the term at every scale, and older recipes decode without it")
  func objective() throws {
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: -1, maximumDisparity: 4)
    let left = randomTensor([1, 4, 9, 3], seed: 7, in: 0...1)
    let right = randomTensor([1, 4, 9, 3], seed: 8, in: 0...1)
    let model = WNet(configuration: configuration)
    let l = model.leftSelection(
      logits: randomTensor([1, 4, 9, 6], seed: 9, in: -2...2), source: right)
    let r = model.rightSelection(
      logits: randomTensor([1, 4, 9, 6], seed: 10, in: -2...2), source: left)
    let output = WNetOutput(left: l, right: r)
    func terms(_ weight: Float) -> LossTerms {
      StereoLoss(
        configuration: LossConfiguration(
          smoothness: .edgeAware, smoothnessWeight: 0.1, secondOrderSmoothnessWeight: weight),
        minimumDisparity: -1)(output, left: left, right: right).terms
    }
    let (off, on) = (terms(0), terms(0.5))
    let expected =
      SmoothnessLoss.secondOrder(disparity: l.disparity, image: left, minimumDisparity: -1).scalar
      + SmoothnessLoss.secondOrder(disparity: r.disparity, image: right, minimumDisparity: -1)
      .scalar
    #expect(off.secondOrderSmoothness == 0)
    #expect(Swift.abs(on.secondOrderSmoothness - expected) < 1e-5)
    #expect(Swift.abs(on.total - off.total - 0.5 * expected) < 1e-5)
    // A recipe written before the option decodes with the term off.
    var stored =
      try JSONSerialization.jsonObject(
        with: JSONEncoder().encode(LossConfiguration.preset(.matching))) as! [String: Any]
    stored.removeValue(forKey: "secondOrderSmoothnessWeight")
    let decoded = try JSONDecoder().decode(
      LossConfiguration.self, from: JSONSerialization.data(withJSONObject: stored))
    #expect(decoded == LossConfiguration.preset(.matching))
  }
}
