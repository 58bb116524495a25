import Foundation
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

@Suite("Occlusion mask and proxy term")
struct OcclusionAndProxyLossTests {
  // One row of six pixels. Left: x=0 points outside (u = −0.5); x=3 points at u = 0, where the
  // right view says 1, not 3; x=5 points at u = 3.4, where linear sampling reads
  // 0.6·1 + 0.4·3 = 1.8, within 0.5 of 1.6 (the nearest pixel, 1, would not be).
  // Right: x=2 points at u = 4 (left says 1, not 2), x=4 outside (u = 7), x=5 at u = 5 (1.6 ≠ 0).
  let leftDisparity: [Float] = [0.5, 1, 1, 3, 1, 1.6]
  let rightDisparity: [Float] = [1, 1, 2, 1, 3, 0]
  let leftMask: [Float] = [0, 1, 1, 0, 1, 1]
  let rightMask: [Float] = [1, 1, 0, 1, 0, 0]

  @Test("The left-right check masks the hand-computed pixels of both views")
  func maskByHand() {
    let masks = OcclusionMask.masks(
      left: Tensor(shape: [1, 1, 6, 1], scalars: leftDisparity),
      right: Tensor(shape: [1, 1, 6, 1], scalars: rightDisparity), threshold: 0.5)
    #expect(masks.left.scalars == leftMask)
    #expect(masks.right.scalars == rightMask)
    #expect(!masks.left.requiresGradient && !masks.right.requiresGradient)
    // A 2 px threshold also keeps the left view's x=3 (off by 2), never x=0 (it points outside).
    let loose = OcclusionMask.masks(
      left: Tensor(shape: [1, 1, 6, 1], scalars: leftDisparity),
      right: Tensor(shape: [1, 1, 6, 1], scalars: rightDisparity), threshold: 2)
    #expect(loose.left.scalars == [0, 1, 1, 1, 1, 1])
  }

  /// A hand-built output whose reconstructions miss the views by `error` in every channel.
  func output(error: [Float], leftDisparity: Tensor, rightDisparity: Tensor, image: Tensor)
    -> WNetOutput
  {
    let offset = Tensor(
      shape: [1, 1, 6, 3], scalars: error.flatMap { [$0, $0, $0] })
    let ones = Tensor.ones([1, 1, 6, 1])
    return WNetOutput(
      left: SelectionOutput(
        reconstruction: image + offset, disparity: leftDisparity, validity: ones,
        probabilities: ones),
      right: SelectionOutput(
        reconstruction: image + offset, disparity: rightDisparity, validity: ones,
        probabilities: ones))
  }

  /// The hand-built row output on a grey row, its reconstructions off by 0.1, 0.2, …, 0.6.
  func rowOutput() -> (WNetOutput, image: Tensor) {
    let image = Tensor(shape: [1, 1, 6, 3], repeating: 0.25)
    let built = output(
      error: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
      leftDisparity: Tensor(shape: [1, 1, 6, 1], scalars: leftDisparity),
      rightDisparity: Tensor(shape: [1, 1, 6, 1], scalars: rightDisparity), image: image)
    return (built, image)
  }

  @Test("The occlusion mask leaves the masked pixels out of each view's reconstruction mean")
  func maskedReconstruction() {
    let (built, image) = rowOutput()
    func total(masked: Bool) -> LossTerms {
      StereoLoss(
        configuration: LossConfiguration(
          smoothness: .edgeAware, smoothnessWeight: 0, occlusionMask: masked,
          occlusionThreshold: 0.5),
        minimumDisparity: 0)(built, left: image, right: image).terms
    }
    // Left keeps x = 1, 2, 4, 5: (0.2 + 0.3 + 0.5 + 0.6)/4; right keeps x = 0, 1, 3.
    let expected: Float = 1.6 / 4 + 0.7 / 3
    #expect(Swift.abs(total(masked: true).reconstruction - expected) < 1e-5)
    #expect(Swift.abs(total(masked: false).reconstruction - 0.7) < 1e-5)
  }

  @Test("The proxy term: Σ c·|d − p| / Σ c per view, its gradient λ·c·sign(d − p) / Σ c")
  func proxyTermByHand() {
    let image = Tensor(shape: [1, 1, 6, 3], repeating: 0.5)
    let left = Parameter(Tensor(shape: [1, 1, 6, 1], scalars: [1, 2, 3, 4, 5, 6]))
    let right = Parameter(Tensor(shape: [1, 1, 6, 1], scalars: [2, 2, 2, 2, 2, 2]))
    let proxy = ProxyTargets(
      leftDisparity: Tensor(shape: [1, 1, 6, 1], scalars: [1.5, .infinity, 2, 4, 9, 0]),
      leftConfidence: Tensor(shape: [1, 1, 6, 1], scalars: [1, 0, 0.5, 0.25, 0, 0]),
      rightDisparity: Tensor(shape: [1, 1, 6, 1], scalars: [3, 3, 1, 1, 1, 1]),
      rightConfidence: Tensor(shape: [1, 1, 6, 1], scalars: [1, 1, 0, 0, 0, 2]))
    let lambda: Float = 0.5
    let built = output(
      error: [0, 0, 0, 0, 0, 0], leftDisparity: left.tracked, rightDisparity: right.tracked,
      image: image)
    let loss = StereoLoss(
      configuration: LossConfiguration(
        smoothness: .edgeAware, smoothnessWeight: 0, proxyWeight: lambda),
      minimumDisparity: 0)
    let (total, terms) = loss(built, left: image, right: image, proxy: proxy)
    // Left: Σc = 1.75, Σ c·|d − p| = 1·0.5 + 0.5·1 + 0.25·0 = 1. Right: Σc = 4,
    // Σ c·|d − p| = 1 + 1 + 2·1 = 4.
    let expected: Float = 1 / 1.75 + 4 / 4
    #expect(Swift.abs(terms.proxy - expected) < 1e-5, "\(terms.proxy)")
    #expect(Swift.abs(total.scalar - lambda * expected) < 1e-5, "\(total.scalar)")
    total.backward()
    let leftGradient = left.gradient!.scalars
    let rightGradient = right.gradient!.scalars
    let expectedLeft: [Float] = [-1 / 1.75, 0, 0.5 / 1.75, 0, 0, 0].map { lambda * $0 }
    let expectedRight: [Float] = [-0.25, -0.25, 0, 0, 0, 0.5].map { lambda * $0 }
    for (got, want) in zip(leftGradient, expectedLeft) { #expect(Swift.abs(got - want) < 1e-5) }
    for (got, want) in zip(rightGradient, expectedRight) { #expect(Swift.abs(got - want) < 1e-5) }
    // Without proxies (synthetic batches) and at weight 0 the term is skipped.
    let without = loss(built, left: image, right: image).terms
    #expect(without.proxy == 0 && without.total == 0)
  }

  @Test("The coverage rule keeps the pixels some pixel of the other view maps onto")
  func coverageByHand() {
    // Row 0, the left view's mask from the right view's o: t = u + o = 1, 2, 3, 5.5, 6.5, 5.4.
    // Nearest pixels 1, 2, 3, 5 (6 and 7 are outside); the spans of the neighbours within 1 px
    // add nothing (u = 3, 4 span 5.5…6.5, outside). x = 0 (its match lies outside) and x = 4
    // (hidden behind the nearer u = 3, 4) are occluded.
    // Row 1, a stretched plane: t = 0, 1.9, 3.8, 5.7, 7.6, 9.5 rounds to 0, 2, 4 only; the spans
    // fill 1, 3 and 5.
    let right = Tensor(
      shape: [1, 2, 6, 1], scalars: [1, 1, 1, 2.5, 2.5, 0.4] + [0, 0.9, 1.8, 2.7, 3.6, 4.5])
    let left = OcclusionMask.covered(other: right, direction: -1)
    #expect(left.scalars == [0, 1, 1, 1, 0, 1] + [1, 1, 1, 1, 1, 1])
    #expect(!left.requiresGradient)
    // The right view's mask from the left view's d: t = u − d = 0, 1, 1.1, 1.2, 1, 2 covers
    // 0, 1, 2; the right view's x = 3…5 show what the left view does not. An unknown (+∞)
    // disparity maps nowhere.
    let own = Tensor(shape: [1, 1, 6, 1], scalars: [0, 0, 0.9, 1.8, 3, 3])
    #expect(OcclusionMask.covered(other: own, direction: 1).scalars == [1, 1, 1, 0, 0, 0])
    let unknown = Tensor(shape: [1, 1, 6, 1], scalars: [.infinity, 0, 0.9, 1.8, 3, 3])
    #expect(OcclusionMask.covered(other: unknown, direction: 1).scalars == [0, 1, 1, 0, 0, 0])
  }

  @Test("Under the coverage rule reconstruction and consistency skip the occluded pixels")
  func coverageMasksReconstructionAndConsistency() {
    let (rowBuilt, image) = rowOutput()
    var built = rowBuilt
    built.warpedDisparities = (Tensor.zeros([1, 1, 6, 1]), Tensor.zeros([1, 1, 6, 1]))
    func terms(_ rule: LossConfiguration.OcclusionRule) -> LossTerms {
      StereoLoss(
        configuration: LossConfiguration(
          smoothness: .edgeAware, smoothnessWeight: 0, consistencyWeight: 1, occlusionMask: true,
          occlusionThreshold: 0.5, occlusionRule: rule),
        minimumDisparity: 0)(built, left: image, right: image).terms
    }
    // Left: t = u + d_R = 1, 2, 4, 4, 7, 5 and the span 2…4 cover x = 1…5. Right: t = u − d_L =
    // −0.5, 0, 1, 0, 3, 3.4 cover x = 0, 1, 3.
    let coverage = terms(.coverage)
    #expect(Swift.abs(coverage.reconstruction - (2.0 / 5 + 0.7 / 3)) < 1e-5)
    // Consistency against warped maps of 0: mean |d| over the kept pixels of each view.
    #expect(Swift.abs(coverage.consistency - (7.6 / 5 + 3.0 / 3)) < 1e-5)
    // The left-right rule masks reconstruction only; consistency is over every pixel.
    let leftRight = terms(.leftRight)
    #expect(Swift.abs(leftRight.reconstruction - (1.6 / 4 + 0.7 / 3)) < 1e-5)
    #expect(Swift.abs(leftRight.consistency - (8.1 / 6 + 8.0 / 6)) < 1e-5)
  }

  @Test("The consistency term adds every scale's, each coarser one weighted")
  func consistencyAtEveryScale() {
    let image = Tensor(shape: [1, 1, 6, 3], repeating: 0.25)
    var built = output(
      error: [Float](repeating: 0, count: 6),
      leftDisparity: Tensor(shape: [1, 1, 6, 1], scalars: leftDisparity),
      rightDisparity: Tensor(shape: [1, 1, 6, 1], scalars: rightDisparity), image: image)
    built.warpedDisparities = (Tensor.zeros([1, 1, 6, 1]), Tensor.zeros([1, 1, 6, 1]))
    // A 1/2 scale of three pixels whose warped maps are d + 1 on the left, d − 2 on the right.
    let ones = Tensor.ones([1, 1, 3, 1])
    let coarseLeft = Tensor(shape: [1, 1, 3, 1], scalars: [1, 2, 3])
    let coarseRight = Tensor(shape: [1, 1, 3, 1], scalars: [0.5, 0.5, 0.5])
    let small = Tensor(shape: [1, 1, 3, 3], repeating: 0.25)
    var coarse = ScaleOutput(
      factor: 2,
      left: SelectionOutput(
        reconstruction: small, disparity: coarseLeft, validity: ones, probabilities: ones),
      right: SelectionOutput(
        reconstruction: small, disparity: coarseRight, validity: ones, probabilities: ones),
      leftImage: small, rightImage: small)
    coarse.warpedDisparities = (coarseLeft + ones, coarseRight - ones.scaled(by: 2))
    built.scales = [
      coarse,
      ScaleOutput(
        factor: 1, left: built.left, right: built.right, leftImage: image, rightImage: image),
    ]
    let terms = StereoLoss(
      configuration: LossConfiguration(
        smoothness: .edgeAware, smoothnessWeight: 0, consistencyWeight: 1,
        coarseScaleWeight: 0.5),
      minimumDisparity: 0)(built, left: image, right: image).terms
    // Finest: mean |d_L| + mean |d_R| = 8.1/6 + 8/6; the 1/2 scale: 0.5 · (1 + 2).
    #expect(Swift.abs(terms.consistency - (8.1 / 6 + 8.0 / 6 + 0.5 * 3)) < 1e-5)
  }

  @Test("The consistency term reaches the matching network's coarse scale")
  func consistencyReachesCoarseScale() {
    let model = WNet(
      configuration: WNetConfiguration(preset: .matching, maximumDisparity: 31), seed: 5)
    let pair = multiScaleShiftPair(batch: 1, height: 16, width: 32, shift: 3, seed: 2)
    func coarseGradient(consistency: Float) -> [Float] {
      let loss = StereoLoss(
        configuration: LossConfiguration(
          smoothness: .edgeAware, smoothnessWeight: 0, consistencyWeight: consistency),
        minimumDisparity: 0)
      let parameters = model.parameters
      parameters.zeroGradients()
      defer { parameters.zeroGradients() }
      var context = ForwardContext(isTraining: true)
      let output = model(
        left: pair.left, right: pair.right, context: &context, warpingDisparities: true)
      #expect(output.scales.allSatisfy { $0.warpedDisparities != nil })
      loss(output, left: pair.left, right: pair.right).total.backward()
      return parameters["coarse.head.filter"]?.gradient?.scalars ?? []
    }
    let without = coarseGradient(consistency: 0)
    let with = coarseGradient(consistency: 1)
    #expect(!without.isEmpty && with.count == without.count)
    let change = zip(with, without).map { Swift.abs($0 - $1) }.max() ?? 0
    #expect(change > 1e-6, "the consistency term adds nothing to the coarse head's gradient")
  }

  @Test("A stored loss without the new keys decodes with both levers off")
  func decodesOldConfiguration() throws {
    let json = """
      {"smoothness": "edgeAware", "smoothnessWeight": 0.1, "ssimWeight": 0,
       "consistencyWeight": 0, "masksOutOfBounds": true}
      """
    let decoded = try JSONDecoder().decode(LossConfiguration.self, from: Data(json.utf8))
    #expect(!decoded.occlusionMask && decoded.occlusionThreshold == 1 && decoded.proxyWeight == 0)
    #expect(decoded.occlusionRule == .leftRight)
    #expect(decoded == LossConfiguration.preset(.realtime))
    var changed = decoded
    changed.occlusionMask = true
    changed.proxyWeight = 0.25
    changed.occlusionRule = .coverage
    let roundTrip = try JSONDecoder().decode(
      LossConfiguration.self, from: try JSONEncoder().encode(changed))
    #expect(roundTrip == changed)
  }

  @Test("Downsampled targets: confidence-weighted block means over f, mean confidence")
  func downsampledByHand() {
    // One 2×4 view: blocks [[2, 4], [∞, 6]] and [[1, 1], [3, 3]] at f = 2.
    let proxy = ProxyTargets(
      leftDisparity: Tensor(shape: [1, 2, 4, 1], scalars: [2, 4, 1, 1, .infinity, 6, 3, 3]),
      leftConfidence: Tensor(shape: [1, 2, 4, 1], scalars: [1, 0.5, 0, 0, 1, 0.5, 0, 0]),
      rightDisparity: Tensor(shape: [1, 2, 4, 1], repeating: 4),
      rightConfidence: Tensor(shape: [1, 2, 4, 1], repeating: 1))
    let half = proxy.downsampled(by: 2)
    #expect(half.leftDisparity.shape == [1, 1, 2, 1])
    // (1·2 + 0.5·4 + 0.5·6)/2 / 2 = 7/4; the second block has no confidence.
    #expect(half.leftDisparity.scalars == [1.75, 0])
    #expect(half.leftConfidence.scalars == [0.5, 0])
    #expect(half.rightDisparity.scalars == [2, 2] && half.rightConfidence.scalars == [1, 1])
  }

  @Test("Padding for synthetic pairs adds pairs of confidence 0")
  func padding() {
    let proxy = ProxyTargets(
      leftDisparity: Tensor(shape: [1, 1, 2, 1], scalars: [3, .infinity]),
      leftConfidence: Tensor(shape: [1, 1, 2, 1], scalars: [1, 1]),
      rightDisparity: Tensor(shape: [1, 1, 2, 1], scalars: [1, 2]),
      rightConfidence: Tensor(shape: [1, 1, 2, 1], scalars: [0.5, 0]))
    #expect(proxy.leftDisparity.scalars == [3, 0] && proxy.leftConfidence.scalars == [1, 0])
    #expect(proxy.rightDisparity.scalars == [1, 0] && proxy.rightConfidence.scalars == [0.5, 0])
    let padded = proxy.padded(with: 2)
    #expect(padded.count == 3)
    #expect(padded.leftConfidence.scalars == [1, 0, 0, 0, 0, 0])
    #expect(padded.rightDisparity.scalars == [1, 0, 0, 0, 0, 0])
  }

  @Test("On featureless views the proxy term alone pulls the disparity to a constant proxy")
  func proxyPullsTraining() throws {
    let model = WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    var loss = LossConfiguration.preset(.realtime)
    loss.smoothnessWeight = 0
    loss.proxyWeight = 1
    let recipe = TrainingRecipe(
      model: model, loss: loss, batchSize: 2, height: 8, width: 16, learningRate: 1e-2,
      steps: 80, seed: 3)
    let trainer = try Trainer(recipe: recipe)
    // Identical uniform views: every disparity reconstructs them exactly, so only the proxy
    // term has a gradient.
    let view = Tensor(shape: [2, 8, 16, 3], repeating: 0.4)
    let target: Float = 5.5
    let map = Tensor(shape: [2, 8, 16, 1], repeating: target)
    let confidence = Tensor.ones([2, 8, 16, 1])
    let batch = StereoBatchTensors(
      left: view, right: view,
      proxy: ProxyTargets(
        leftDisparity: map, leftConfidence: confidence, rightDisparity: map,
        rightConfidence: confidence))
    // The proxy term (training mode) is Σ_views mean |d − 5.5|: it bounds each view's mean
    // distance to the proxy.
    let first = try trainer.train(on: batch)
    var last = first
    for _ in 1..<recipe.steps { last = try trainer.train(on: batch) }
    #expect(first.reconstruction < 1e-5, "\(first)")
    #expect(first.proxy > 1, "starts \(first.proxy) from the proxy")
    #expect(last.proxy < 0.5, "proxy term \(first.proxy) → \(last.proxy)")
  }
}
