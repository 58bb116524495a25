import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// A textured pair with a constant shift: `left(x) = right(x − shift)`, texture at several
/// scales (16, 8, 4 and 2 px value noise, bilinearly up-sampled) so that every pyramid level
/// sees structure. `[batch, height, width, 3]` each, in [0, 1].
func multiScaleShiftPair(batch: Int, height: Int, width: Int, shift: Int, seed: UInt64) -> (
  left: Tensor, right: Tensor
) {
  let wide = width + shift
  var texture = Tensor.zeros([batch, height, wide, 3])
  for (index, cell) in [16, 8, 4, 2].enumerated() {
    let coarse = randomTensor(
      [batch, (height + cell - 1) / cell + 1, (wide + cell - 1) / cell + 1, 3],
      seed: seed &+ UInt64(index), in: 0...1)
    texture = texture + coarse.resizedBilinear(height: height, width: wide).scaled(by: 0.25)
  }
  // right = texture[shift..<shift + W] so that right(x − shift) = texture(x) = left(x).
  return (texture.slice(axis: 2, 0..<width), texture.slice(axis: 2, shift..<(shift + width)))
}

@Suite("The matching preset")
struct MatchingWNetTests {
  @Test("Its scales: 1/8 absolute candidates over the range, then offsets at 1/4, 1/2 and 1/1")
  func scales() {
    let configuration = WNetConfiguration(preset: .matching)
    #expect(configuration.minimumDisparity == 0 && configuration.maximumDisparity == 255)
    #expect(configuration.sizeMultiple == 8)
    #expect(MatchingWNet.coarseRange(configuration) == (0, 32))
    // ⌊−20/8⌋ = −3; (100 + 24 + 1)/8 rounded up = 16 candidates −3…12, i.e. −24…96 px.
    let shifted = WNetConfiguration(preset: .matching, minimumDisparity: -20, maximumDisparity: 100)
    #expect(MatchingWNet.coarseRange(shifted) == (-3, 16))
    let model = WNet(configuration: WNetConfiguration(preset: .matching, maximumDisparity: 63))
    let pair = multiScaleShiftPair(batch: 1, height: 24, width: 40, shift: 5, seed: 1)
    let output = withoutGradients {
      var context = ForwardContext(isTraining: true)
      return model(left: pair.left, right: pair.right, context: &context)
    }
    #expect(output.scales.map(\.factor) == [8, 4, 2, 1])
    #expect(output.scales.map { $0.left.probabilities.shape[3] } == [8, 5, 5, 5])
    #expect(
      output.scales.map { $0.leftImage.shape } == [
        [1, 3, 5, 3], [1, 6, 10, 3], [1, 12, 20, 3], [1, 24, 40, 3],
      ])
    // The 1/8 view is the 8×8 box average of the input.
    var box: Float = 0
    for y in 0..<8 { for x in 0..<8 { box += pair.left[0, y, x, 1] } }
    #expect(abs(output.scales[0].leftImage[0, 0, 0, 1] - box / 64) < 1e-5)
    #expect(output.left.disparity.shape == [1, 24, 40, 1])
  }

  @Test("The coarse context branch: sizes of 16, its units, stored in the checkpoint only when set")
  func coarseContext() throws {
    let configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 63, coarseContext: true)
    #expect(configuration.sizeMultiple == 16)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .realtime, coarseContext: true).problems.isEmpty)
    let model = WNet(configuration: configuration, seed: 2)
    let plain = WNet(
      configuration: WNetConfiguration(preset: .matching, maximumDisparity: 63), seed: 2)
    let names = Set(model.parameters.entries.map(\.0))
    let plainNames = Set(plain.parameters.entries.map(\.0))
    // Three 48→48 units at 1/16 and a 96→48 merge replace the second 48→48 unit at 1/8.
    #expect(names.contains("coarse.context.2.conv.filter"))
    #expect(model.parameters["coarse.context.merge.conv.filter"]?.value.count == 48 * 96 * 9)
    #expect(!names.contains("coarse.1.conv.filter") && plainNames.contains("coarse.1.conv.filter"))
    #expect(plainNames.allSatisfy { !$0.hasPrefix("coarse.context") })
    // The scales are those of the plain network (the branch lives inside the 1/8 aggregation).
    let pair = multiScaleShiftPair(batch: 1, height: 32, width: 48, shift: 5, seed: 1)
    let output = withoutGradients {
      var context = ForwardContext(isTraining: true)
      return model(left: pair.left, right: pair.right, context: &context)
    }
    #expect(output.scales.map { $0.left.probabilities.shape[3] } == [8, 5, 5, 5])
    #expect(output.left.disparity.shape == [1, 32, 48, 1])
    // JSON: the key is written only when set; metadata without it reads as `false`.
    let encoder = JSONEncoder()
    let withKey = String(decoding: try encoder.encode(configuration), as: UTF8.self)
    let withoutKey = String(
      decoding: try encoder.encode(WNetConfiguration(preset: .matching)), as: UTF8.self)
    #expect(withKey.contains("\"coarseContext\":true"))
    #expect(!withoutKey.contains("coarseContext"))
    let old = #"{"preset":"matching","minimumDisparity":0,"maximumDisparity":255}"#
    let decoded = try JSONDecoder().decode(WNetConfiguration.self, from: Data(old.utf8))
    #expect(decoded == WNetConfiguration(preset: .matching))
    #expect(
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(withKey.utf8)) == configuration)
    // A setting this version does not know is refused, not ignored (it would build another net).
    let newer = #"{"preset":"matching","minimumDisparity":0,"maximumDisparity":255,"wider":true}"#
    #expect {
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(newer.utf8))
    } throws: { error in
      guard case DecodingError.dataCorrupted(let context) = error else { return false }
      return context.debugDescription.contains("'wider'")
    }
    // A saved context model loads as one, with its weights.
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-context-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try WNetCheckpoint.save(
      model, optimizer: nil,
      metadata: CheckpointMetadata(configuration: configuration, step: 0, training: nil), to: url)
    let loaded = try WNetCheckpoint.loadModel(url).model
    #expect(loaded.configuration.coarseContext)
    #expect(
      loaded.parameters["coarse.context.0.conv.filter"]?.value.scalars
        == model.parameters["coarse.context.0.conv.filter"]?.value.scalars)
  }

  @Test("Deep features: three more 32→32 units at 1/8, stored in the checkpoint only when set")
  func deepFeatures() throws {
    let configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 63, deepFeatures: true)
    #expect(configuration.problems.isEmpty && configuration.sizeMultiple == 8)
    #expect(!WNetConfiguration(preset: .original, deepFeatures: true).problems.isEmpty)
    let model = WNet(configuration: configuration, seed: 3)
    let plain = WNet(
      configuration: WNetConfiguration(preset: .matching, maximumDisparity: 63), seed: 3)
    // 3 units × (32·32·9 weights + 32 scales + 32 shifts) trainable, nothing else changes.
    #expect(
      model.parameters.trainableCount - plain.parameters.trainableCount
        == 3 * (32 * 32 * 9 + 2 * 32))
    #expect(model.parameters["features.2.4.conv.filter"]?.value.count == 32 * 32 * 9)
    #expect(plain.parameters["features.2.2.conv.filter"] == nil)
    let pair = multiScaleShiftPair(batch: 1, height: 32, width: 48, shift: 5, seed: 1)
    let output = withoutGradients {
      var context = ForwardContext(isTraining: true)
      return model(left: pair.left, right: pair.right, context: &context)
    }
    #expect(output.scales.map { $0.left.probabilities.shape[3] } == [8, 5, 5, 5])
    try expectStoredOnlyWhenSet(configuration, key: "deepFeatures")
  }

  @Test("The local coarse estimate: the expectation around the argmax, hand-computed")
  func localExpectation() {
    // e_k = exp(x_k − x_k*). Pixel 1: k* = 1, window {0, 1, 2}, weights 1/3, 1, 1/3, so
    // 10 + (0·0.2 + 1·0.6 + 2·0.2) = 11; the whole distribution (1, 3, 1, 1, 2, 1)/9 would give
    // 10 + 21/9. Pixel 2: k* = 0 at the border, weights 1, 1/2: 10 + 1/3. Pixel 3: a tie picks
    // the first maximum, weights 1, 1 (and 0 for k = 2 at distance 2): 10.5.
    let (l2, l3) = (Foundation.log(Float(2)), Foundation.log(Float(3)))
    let logits = Tensor(
      shape: [1, 1, 3, 6],
      scalars: [0, l3, 0, 0, l2, 0] + [2 * l2, l2, 0, 0, 0, 0] + [1, 1, 1 - 5 * l3, 1, 1, 1])
    let local = DisparityConfidence.localExpectedDisparity(
      logits: logits, minimumDisparity: 10, radius: 1
    ).scalars
    for (value, expected) in zip(local, [11, 10 + 1 / 3, 10.5] as [Float]) {
      #expect(abs(value - expected) < 1e-5, "\(local)")
    }
    let whole = DisparityConfidence.expectedDisparity(
      logits: logits, minimumDisparity: 10, base: nil
    ).scalars
    #expect(abs(whole[0] - (10 + 21 / 9)) < 1e-5)
    // Radius 0 is the argmax itself.
    #expect(
      DisparityConfidence.localExpectedDisparity(logits: logits, minimumDisparity: 10, radius: 0)
        .scalars == [11, 10, 10])
    // A base is added per pixel (offsets around an up-sampled estimate).
    let based = DisparityConfidence.localExpectedDisparity(
      logits: logits, minimumDisparity: 10, radius: 1,
      base: Tensor(shape: [1, 1, 3, 1], scalars: [100, -4, 0.5])
    ).scalars
    for (value, expected) in zip(based, [111, 6 + 1 / 3, 11] as [Float]) {
      #expect(abs(value - expected) < 1e-4, "\(based)")
    }
  }

  @Test("Local refinement estimates are stored only when set and change only the hand-offs")
  func localRefinementEstimates() throws {
    let configuration = WNetConfiguration(
      preset: .matching, cosineCorrelation: true, localRefinementEstimates: true)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .original, localRefinementEstimates: true).problems.isEmpty)
    try expectStoredOnlyWhenSet(configuration, key: "localRefinementEstimates")
    var plainConfiguration = configuration
    plainConfiguration.localRefinementEstimates = false
    let local = makePerturbedModel(configuration, seed: 5)
    let plain = makePerturbedModel(plainConfiguration, seed: 5)
    #expect(local.parameters.trainableCount == plain.parameters.trainableCount)
    let pair = multiScaleShiftPair(batch: 1, height: 32, width: 48, shift: 5, seed: 1)
    func scales(_ model: WNet) -> [ScaleOutput] {
      withoutGradients {
        var context = ForwardContext.inference
        return model(left: pair.left, right: pair.right, context: &context).scales
      }
    }
    let (a, b) = (scales(local), scales(plain))
    // The coarse and 1/4 scales come before any refinement hand-off: identical.
    #expect(maximumAbsoluteDifference(a[0].left.disparity, b[0].left.disparity) == 0)
    #expect(maximumAbsoluteDifference(a[1].left.probabilities, b[1].left.probabilities) == 0)
    // A scale's base d0 = its disparity − Σ_k P_k·o_k (offsets −2…2). The 1/2 scale's base must
    // be 2·up×2 of the 1/4 scale's local estimate, hand-computed from its distribution.
    func base(_ scale: ScaleOutput) -> Tensor {
      let offsets = DisparityConfidence.expectedDisparity(
        logits: scale.left.probabilities.log(), minimumDisparity: -2, base: nil)
      return scale.left.disparity - offsets
    }
    let handedOn = DisparityConfidence.localExpectedDisparity(
      logits: a[1].left.probabilities.log(), minimumDisparity: -2, radius: 1, base: base(a[1]))
    let expected = handedOn.upsampled2x().scaled(by: 2)
    #expect(maximumAbsoluteDifference(base(a[2]), expected) < 1e-3)
    #expect(maximumAbsoluteDifference(base(b[2]), expected) > 1e-3)
  }

  @Test("The local coarse estimate is stored only when set and needs the matching preset")
  func localCoarseEstimate() throws {
    let configuration = WNetConfiguration(preset: .matching, localCoarseEstimate: true)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .realtime, localCoarseEstimate: true).problems.isEmpty)
    try expectStoredOnlyWhenSet(configuration, key: "localCoarseEstimate")
    // Same weights, another estimate handed to 1/4: the same parameters, other disparities.
    let local = makePerturbedModel(configuration, seed: 5)
    let plain = makePerturbedModel(.matching, seed: 5)
    #expect(local.parameters.trainableCount == plain.parameters.trainableCount)
    let left = randomTensor([1, 32, 48, 3], seed: 1, in: 0...1)
    let right = randomTensor([1, 32, 48, 3], seed: 2, in: 0...1)
    let input = Tensor.concatenate([left, right], axis: 3)
    let a = InferencePlan(local.network)(input).disparity
    let b = InferencePlan(plain.network)(input).disparity
    #expect(maximumAbsoluteDifference(a, b) > 0.1)
  }

  @Test("The correlation skip: one learned scale, its gradient against finite differences")
  func correlationSkip() throws {
    let configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 31, cosineCorrelation: true, correlationSkip: true)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .original, correlationSkip: true).problems.isEmpty)
    try expectStoredOnlyWhenSet(configuration, key: "correlationSkip")
    let model = WNet(configuration: configuration, seed: 5)
    var plainConfiguration = configuration
    plainConfiguration.correlationSkip = false
    let plain = WNet(configuration: plainConfiguration, seed: 5)
    #expect(model.parameters.trainableCount == plain.parameters.trainableCount + 1)
    let scale = try #require(model.parameters["coarse.skip.scale"])
    #expect(scale.value.scalars == [MatchingWNet.correlationSkipInitialScale])
    // The coarse scale's reconstruction error depends on α through its scores alone (the finer
    // scales see it only through their constant base), so finite differences see the gradient.
    let pair = multiScaleShiftPair(batch: 1, height: 16, width: 32, shift: 3, seed: 2)
    func coarseError() -> Tensor {
      var context = ForwardContext(isTraining: true)
      let coarse = model(left: pair.left, right: pair.right, context: &context).scales[0]
      return (coarse.left.reconstruction - coarse.leftImage).abs().mean()
    }
    model.parameters.zeroGradients()
    coarseError().backward()
    let analytic = try #require(scale.gradient).scalars[0]
    let h: Float = 1e-2
    let original = scale.value.scalars[0]
    scale.value = Tensor([original + h])
    let plus = withoutGradients { coarseError().scalar }
    scale.value = Tensor([original - h])
    let minus = withoutGradients { coarseError().scalar }
    scale.value = Tensor([original])
    let numeric = (plus - minus) / (2 * h)
    #expect(abs(analytic) > 1e-5, "α should matter: \(analytic)")
    #expect(
      abs(numeric - analytic) <= 0.05 * abs(analytic), "analytic \(analytic), numeric \(numeric)")
  }

  @Test(
    "Wide refinement: nine offsets at 1/4 only, reaching +4 of its pixels; stored only when set")
  func wideRefinement() throws {
    let configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 31, cosineCorrelation: true, wideRefinement: true)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .realtime, wideRefinement: true).problems.isEmpty)
    try expectStoredOnlyWhenSet(configuration, key: "wideRefinement")
    #expect(MatchingWNet.refinementRadii(configuration) == [4, 2, 2])
    var plainConfiguration = configuration
    plainConfiguration.wideRefinement = false
    #expect(MatchingWNet.refinementRadii(plainConfiguration) == [2, 2, 2])
    // 1/4: its first unit reads 24 features + 9 correlations, its head gives 9 scores; the
    // finer scales keep 5. Four more correlation channels × 24 × 9 taps and four more head
    // outputs × (24 × 9 + 1) are the only new parameters.
    let wide = WNet(configuration: configuration, seed: 5)
    let plain = WNet(configuration: plainConfiguration, seed: 5)
    #expect(wide.parameters["refine.0.head.filter"]?.value.shape.contains(9) == true)
    #expect(wide.parameters["refine.1.head.filter"]?.value.shape.contains(5) == true)
    #expect(
      wide.parameters.trainableCount == plain.parameters.trainableCount + 4 * 24 * 9
        + 4 * (24 * 9 + 1))
    // A 1/4 head that puts all its mass on the last offset: the 1/4 disparity is the up-sampled
    // coarse one (×2 in value) plus 4. Bilinear ×2 with edge replication keeps the mean, so
    // mean(d¼) = 2·mean(d⅛) + 4 exactly.
    let (coarse, quarter) = try quarterMeansWithLastOffset(wide)
    #expect(abs(quarter - (2 * coarse + 4)) < 1e-3, "d¼ \(quarter), d⅛ \(coarse)")
  }

  @Test(
    "Quarter coarse: the range at 1/4, refinement at 1/2 and 1/1; transplanted by name and shape")
  func quarterCoarse() throws {
    let configuration = WNetConfiguration(
      preset: .matching, maximumDisparity: 31, cosineCorrelation: true, quarterCoarse: true)
    #expect(configuration.problems.isEmpty)
    #expect(!WNetConfiguration(preset: .realtime, quarterCoarse: true).problems.isEmpty)
    var wide = configuration
    wide.wideRefinement = true
    #expect(!wide.problems.isEmpty)
    try expectStoredOnlyWhenSet(configuration, key: "quarterCoarse")
    // 0…31 at 1/4: ⌈32/4⌉ = 8 candidates; sizes in multiples of 4.
    #expect(MatchingWNet.coarseRange(configuration) == (0, 8))
    #expect(configuration.sizeMultiple == 4)
    var eighth = configuration
    eighth.quarterCoarse = false
    let quarter = WNet(configuration: configuration, seed: 5)
    let plain = WNet(configuration: eighth, seed: 5)
    let names = quarter.parameters.names
    #expect(!names.contains { $0.hasPrefix("features.2.") || $0.hasPrefix("refine.0.") })
    #expect(names.contains("refine.1.head.filter") && names.contains("refine.2.head.filter"))
    // The first coarse unit reads 24 features + 8 correlations (1/8: 32 + 4); the head gives 8.
    #expect(quarter.parameters["coarse.0.conv.filter"]?.value.shape.contains(24 + 8) == true)
    #expect(quarter.parameters["coarse.head.bias"]?.value.shape == [8])

    var context = ForwardContext(isTraining: true)
    let pair = multiScaleShiftPair(batch: 1, height: 16, width: 32, shift: 3, seed: 2)
    let output = withoutGradients { quarter(left: pair.left, right: pair.right, context: &context) }
    #expect(output.scales.map(\.factor) == [4, 2, 1])
    #expect(output.scales[0].left.disparity.shape == [1, 4, 8, 1])
    #expect(output.left.disparity.shape == [1, 16, 32, 1])

    // From the 1/8 model: every parameter of the same name and shape copied, the others seeded.
    let (transplanted, fresh) = plain.transplanted(into: configuration, seed: 5)
    #expect(fresh == ["coarse.0.conv.filter", "coarse.head.filter", "coarse.head.bias"])
    for (name, parameter) in transplanted.parameters.entries {
      let expected = fresh.contains(name) ? quarter.parameters[name]! : plain.parameters[name]!
      #expect(parameter.value.scalars == expected.value.scalars, "\(name)")
    }
  }

  @Test(
    "Cosine correlation: RMS-normalized features, hand-computed, in one pass as composed; stored only when set"
  )
  func cosineCorrelation() throws {
    // One pixel (3, 4): mean square 12.5, + ε 0.5 = 13, so (3, 4)/√13; a zero pixel stays zero.
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [3, 4, 0, 0])
    let y = Tensor.rmsNormalized(x, epsilon: 0.5).scalars
    let expected: [Float] = [3 / Float(13).squareRoot(), 4 / Float(13).squareRoot(), 0, 0]
    #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(y)")
    // Untracked, one pass per pixel: the tracked composition's values within rounding.
    let features = randomTensor([2, 3, 5, 24], seed: 7, in: -2...2)
    let onePass = Tensor.rmsNormalized(features, epsilon: 0.01).scalars
    let composed = Tensor.rmsNormalized(Parameter(features).tracked, epsilon: 0.01).scalars
    #expect(zip(onePass, composed).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
    // Scaling a pixel's features (contrast) leaves them nearly unchanged for small ε.
    let scaled = Tensor.rmsNormalized(x.scaled(by: 0.25), epsilon: 1e-6).scalars
    #expect(abs(scaled[0] - 3 / Float(12.5).squareRoot()) < 1e-4)
    // The gradient against central differences, through the composition.
    let input = randomTensor([1, 2, 3, 4], seed: 3, in: -1...1)
    let weights = randomTensor([1, 2, 3, 4], seed: 4, in: -1...1)
    let variable = Parameter(input)
    (Tensor.rmsNormalized(variable.tracked, epsilon: 0.01) * weights).sum().backward()
    let analytic = try #require(variable.gradient).scalars
    for index in [0, 5, 11, 17, 23] {
      var values = input.scalars
      values[index] += 1e-2
      let plus =
        (Tensor.rmsNormalized(Tensor(shape: input.shape, scalars: values), epsilon: 0.01)
        * weights).sum().scalar
      values[index] -= 2e-2
      let minus =
        (Tensor.rmsNormalized(Tensor(shape: input.shape, scalars: values), epsilon: 0.01)
        * weights).sum().scalar
      let numeric = (plus - minus) / 2e-2
      #expect(abs(numeric - analytic[index]) < 2e-2, "[\(index)] \(analytic[index]) vs \(numeric)")
    }
    let configuration = WNetConfiguration(preset: .matching, cosineCorrelation: true)
    #expect(configuration.problems.isEmpty && configuration.sizeMultiple == 8)
    #expect(!WNetConfiguration(preset: .original, cosineCorrelation: true).problems.isEmpty)
    let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    #expect(json.contains("\"cosineCorrelation\":true"))
    #expect(
      try JSONDecoder().decode(WNetConfiguration.self, from: Data(json.utf8)) == configuration)
  }

  @Test("The training loss's gradient matches finite differences at the finest scale")
  func lossGradient() {
    // The base disparities d0 are constants by design (coarse estimates steer, but are not moved
    // by, the finer scales), and the validity weights are constants too; so parameters of the
    // finest scale alone, with validity weighting off, have a gradient that finite differences
    // of the whole loss see exactly.
    let model = WNet(
      configuration: WNetConfiguration(preset: .matching, maximumDisparity: 31), seed: 5)
    let loss = StereoLoss(
      configuration: LossConfiguration(
        smoothness: .edgeAware, smoothnessWeight: 0.1, ssimWeight: 0.85, masksOutOfBounds: false),
      minimumDisparity: 0)
    let pair = multiScaleShiftPair(batch: 2, height: 16, width: 32, shift: 3, seed: 2)
    func value() -> Float {
      withoutGradients {
        var context = ForwardContext(isTraining: true)
        return loss(
          model(left: pair.left, right: pair.right, context: &context), left: pair.left,
          right: pair.right
        ).total.scalar
      }
    }
    let parameters = model.parameters
    parameters.zeroGradients()
    var context = ForwardContext(isTraining: true)
    let output = model(left: pair.left, right: pair.right, context: &context)
    loss(output, left: pair.left, right: pair.right).total.backward()
    for name in [
      "refine.2.head.filter", "refine.2.head.bias", "refine.2.0.conv.filter",
      "features.full.conv.filter", "features.full.bn.scale",
    ] {
      guard let parameter = parameters[name], let gradient = parameter.gradient else {
        Issue.record("no gradient for \(name)")
        continue
      }
      let analytic = gradient.scalars
      let scale = max(analytic.map(abs).max() ?? 0, 1e-4)
      let count = parameter.value.count
      for index in stride(from: 0, to: count, by: max(1, count / 6)) {
        let h: Float = 1e-2
        var values = parameter.value.scalars
        let original = values[index]
        values[index] = original + h
        parameter.value = Tensor(shape: parameter.shape, scalars: values)
        let plus = value()
        values[index] = original - h
        parameter.value = Tensor(shape: parameter.shape, scalars: values)
        let minus = value()
        values[index] = original
        parameter.value = Tensor(shape: parameter.shape, scalars: values)
        let numeric = (plus - minus) / (2 * h)
        // 5% of the largest gradient, but no less than what Float32 differences can resolve:
        // the loss (about 1) summed over a few thousand terms is good to about 1e-6, so
        // (plus − minus) / 2h is good to about 5e-5; 1e-4 is twice that (one thread's
        // summation order once put features.full.bn.scale, scale 0.0014, 1e-6 over 5%).
        #expect(
          abs(numeric - analytic[index]) <= max(0.05 * scale, 1e-4),
          "\(name)[\(index)]: analytic \(analytic[index]), numeric \(numeric), scale \(scale)")
      }
    }
    parameters.zeroGradients()
  }

  @Test("A tiny training run recovers a known 100 px shift at full resolution")
  func recoversHundredPixelShift() throws {
    let (height, width, shift) = (64, 320, 100)
    let recipe = TrainingRecipe(
      model: WNetConfiguration(preset: .matching, minimumDisparity: 0, maximumDisparity: 127),
      batchSize: 2, height: height, width: width, learningRate: 5e-3, steps: 120, seed: 3)
    let trainer = try Trainer(recipe: recipe)
    let pair = multiScaleShiftPair(batch: 2, height: height, width: width, shift: shift, seed: 4)
    let batch = StereoBatchTensors(left: pair.left, right: pair.right)
    let first = try trainer.train(on: batch)
    var last = first
    for _ in 1..<recipe.steps { last = try trainer.train(on: batch) }
    #expect(
      last.reconstruction < first.reconstruction,
      "reconstruction \(first.reconstruction) → \(last.reconstruction)")
    // The inference path (the compiled plan) on the interior: columns whose match is inside the
    // right view, away from the borders.
    let disparity = DisparityEstimator(model: trainer.model).estimate(
      left: pair.left, right: pair.right
    ).disparity
    var errors: [Float] = []
    for n in 0..<2 {
      for y in 8..<(height - 8) {
        for x in (shift + 16)..<(width - 8) { errors.append(abs(disparity[n, y, x, 0] - 100)) }
      }
    }
    let meanError = errors.reduce(0, +) / Float(errors.count)
    let within = Float(errors.filter { $0 <= 1 }.count) / Float(errors.count)
    #expect(meanError < 1, "mean |d − 100| \(meanError) px on the interior")
    #expect(within > 0.5, "share within 1 px \(within) (the median error is under 1 px)")
    var signed: Float = 0
    for n in 0..<2 {
      for y in 8..<(height - 8) {
        for x in (shift + 16)..<(width - 8) { signed += disparity[n, y, x, 0] - 100 }
      }
    }
    print(
      "matching 100 px shift: mean |d − 100| \(meanError) px, mean d − 100 "
        + "\(signed / Float(errors.count)), \(within) within 1 px")
  }
}

/// The mean coarse and 1/4 disparities of `model` (a 1/8 `matching` network) in training mode
/// on a small shifted pair, after its 1/4 head is set to put all its mass on the last offset
/// (zero filter, bias 40 on the last output): each 1/4 pass then adds that offset exactly.
func quarterMeansWithLastOffset(_ model: WNet) throws -> (coarse: Float, quarter: Float) {
  let head = try #require(model.parameters["refine.0.head.filter"])
  head.value = Tensor.zeros(head.value.shape)
  let bias = try #require(model.parameters["refine.0.head.bias"])
  let k = bias.value.count
  bias.value = Tensor(shape: [k], scalars: [Float](repeating: 0, count: k - 1) + [40])
  let pair = multiScaleShiftPair(batch: 1, height: 16, width: 32, shift: 3, seed: 2)
  var context = ForwardContext(isTraining: true)
  let output = withoutGradients { model(left: pair.left, right: pair.right, context: &context) }
  #expect(output.scales.map(\.factor) == [8, 4, 2, 1])
  return (
    output.scales[0].left.disparity.mean().scalar, output.scales[1].left.disparity.mean().scalar
  )
}

/// Expects `configuration` (with `key` set) to write `"key":true`, a plain `matching`
/// configuration not to mention `key`, and the JSON to decode back to `configuration`.
func expectStoredOnlyWhenSet(_ configuration: WNetConfiguration, key: String) throws {
  let encoder = JSONEncoder()
  let withKey = String(decoding: try encoder.encode(configuration), as: UTF8.self)
  #expect(withKey.contains("\"\(key)\":true"))
  #expect(
    !String(decoding: try encoder.encode(WNetConfiguration(preset: .matching)), as: UTF8.self)
      .contains(key))
  #expect(
    try JSONDecoder().decode(WNetConfiguration.self, from: Data(withKey.utf8)) == configuration)
}
