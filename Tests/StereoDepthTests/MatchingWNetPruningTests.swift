import Foundation
import StereoNN
import StereoTensor
import Testing

@testable import StereoDepth

/// `slimHalfScale` and the pruning of a wider 1/2 scale into it (``MatchingWNet/prunedHalfScale(from:)``).
@Suite("Matching W-net: the slim 1/2 scale and its pruning")
struct MatchingWNetPruningTests {
  static let wide = WNetConfiguration(
    preset: .matching, maximumDisparity: 31, cosineCorrelation: true, localCoarseEstimate: true,
    localRefinementEstimates: true)
  static let slim = { () -> WNetConfiguration in
    var slim = wide
    slim.slimHalfScale = true
    return slim
  }()

  @Test("The slim 1/2 scale: 8 features, a 13→8 refinement unit; stored only when set")
  func shapes() throws {
    try expectMatchingOnlySetting(
      Self.slim, elsewhere: WNetConfiguration(preset: .realtime, slimHalfScale: true),
      key: "slimHalfScale")
    let model = WNet(configuration: Self.slim, seed: 3)
    #expect(model.parameters["features.0.0.conv.filter"]?.value.shape == [8, 3, 3, 3])
    #expect(model.parameters["features.1.0.conv.filter"]?.value.shape == [24, 3, 3, 8])
    #expect(model.parameters["refine.1.0.conv.filter"]?.value.shape == [8, 3, 3, 8 + 5])
    #expect(model.parameters["refine.1.head.filter"]?.value.shape == [5, 3, 3, 8])
    expectSameShapes(
      model, as: WNet(configuration: Self.wide, seed: 3),
      except: ["features.0.0", "features.1.0.conv", "refine.1.0", "refine.1.head.filter"])
  }

  @Test("The moments of relu(y), y ~ N(m, s²), against numerical integration")
  func rectifiedMoments() {
    for (scale, shift) in [(1.0, 0.0), (0.5, 1.2), (2.0, -1.5), (-0.7, 0.3)] as [(Float, Float)] {
      let (mean, square) = MatchingWNet.rectifiedMoments(scale: scale, shift: shift)
      // Trapezoids over ±12 standard deviations.
      let (s, m) = (abs(Double(scale)), Double(shift))
      let steps = 200_000
      let h = 24 * s / Double(steps)
      var (first, second) = (0.0, 0.0)
      for i in 0...steps {
        let y = m - 12 * s + Double(i) * h
        let weight = (i == 0 || i == steps ? 0.5 : 1) * h
        let density = exp(-0.5 * (y - m) * (y - m) / (s * s)) / (s * (2 * Double.pi).squareRoot())
        first += weight * max(y, 0) * density
        second += weight * max(y, 0) * max(y, 0) * density
      }
      #expect(abs(mean - first) < 1e-6, "E[relu] \(mean) against \(first)")
      #expect(abs(square - second) < 1e-6, "E[relu²] \(square) against \(second)")
    }
    #expect(MatchingWNet.rectifiedMoments(scale: 0, shift: 2) == (2, 4))
  }

  /// A wide model whose 1/2 features and 1/2 refinement unit have 8 channels that are always
  /// zero (batch norm shift −50 at a tiny scale) and 8 that are not.
  static func wideWithDeadChannels() -> WNet {
    let model = WNet(configuration: wide, seed: 11)
    var generator = SeededGenerator(seed: 4)
    for unit in ["features.0.0", "refine.1.0"] {
      let dead = [1, 2, 4, 7, 8, 11, 13, 14]
      let scale = model.parameters["\(unit).bn.scale"]!
      let shift = model.parameters["\(unit).bn.shift"]!
      let mean = model.parameters["\(unit).bn.running_mean"]!
      scale.value = Tensor(
        shape: [16],
        scalars: (0..<16).map {
          dead.contains($0) ? 1e-3 : Float.random(in: 0.5...1.5, using: &generator)
        })
      shift.value = Tensor(
        shape: [16],
        scalars: (0..<16).map {
          dead.contains($0) ? -50 : Float.random(in: -0.3...0.3, using: &generator)
        })
      mean.value = Tensor(
        shape: [16], scalars: (0..<16).map { _ in Float.random(in: -0.2...0.2, using: &generator) })
    }
    return model
  }

  @Test("Pruning channels that are always zero keeps the network's output")
  func deadChannelsPruned() {
    let wide = Self.wideWithDeadChannels()
    let (slim, fresh) = wide.transplanted(into: Self.slim, seed: 9)
    #expect(fresh.isEmpty, "\(fresh)")
    let largest = largestDisparityDifference(wide, slim)
    #expect(largest < 1e-4, "largest difference \(largest) px")
    // The kept channels are the live ones, in order.
    let kept = [0, 3, 5, 6, 9, 10, 12, 15]
    let wideShift = wide.parameters["features.0.0.bn.shift"]!.value.scalars
    #expect(slim.parameters["features.0.0.bn.shift"]!.value.scalars == kept.map { wideShift[$0] })
  }

  @Test(
    "Pruning matches benchmarks/prune_half.py (NumPy)",
    .enabled(if: PythonSupport.hasNumPy, PythonSupport.skipNote))
  func prototype() throws {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    // Random batch-norm parameters, so that the ranking and the folded means are not trivial.
    let wide = WNet(configuration: Self.wide, seed: 12)
    var generator = SeededGenerator(seed: 8)
    for (name, parameter) in wide.parameters.entries where name.contains(".bn.") {
      let range: ClosedRange<Float> = name.hasSuffix("variance") ? 0.5...2 : -1...1
      parameter.value = Tensor(
        shape: parameter.value.shape,
        scalars: (0..<parameter.value.count).map { _ in Float.random(in: range, using: &generator) }
      )
    }
    let source = folder.appendingPathComponent("wide.safetensors")
    let target = folder.appendingPathComponent("slim.safetensors")
    try WNetCheckpoint.save(
      wide, optimizer: nil,
      metadata: CheckpointMetadata(configuration: Self.wide, step: 0, training: nil), to: source)
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("benchmarks/prune_half.py")
    let result = try PythonSupport.run(arguments: [script.path, source.path, target.path, "8"])
    #expect(result.status == 0, "\(result.error)")
    let tensors = try SafeTensors.read(from: target).tensors
    let (slim, _) = wide.transplanted(into: Self.slim, seed: 9)
    for (name, parameter) in slim.parameters.entries {
      guard let expected = tensors["model.\(name)"] else {
        Issue.record("prune_half.py wrote no \(name)")
        continue
      }
      #expect(expected.shape == parameter.value.shape, "\(name)")
      let largest = zip(expected.scalars, parameter.value.scalars).map { abs($0 - $1) }.max() ?? 0
      #expect(largest < 1e-5, "\(name): largest difference \(largest)")
    }
  }
}

/// Expects `model` to have `reference`'s parameters and shapes, except those whose names start
/// with one of `changed`.
func expectSameShapes(_ model: WNet, as reference: WNet, except changed: [String]) {
  for (name, parameter) in reference.parameters.entries
  where !changed.contains(where: name.hasPrefix) {
    #expect(model.parameters[name]?.value.shape == parameter.value.shape, "\(name)")
  }
}

/// The largest difference between two models' left disparities, in pixels, on a 24×48 pair
/// shifted by 5 px (inference mode).
func largestDisparityDifference(_ a: WNet, _ b: WNet) -> Float {
  let pair = multiScaleShiftPair(batch: 1, height: 24, width: 48, shift: 5, seed: 6)
  func disparity(_ model: WNet) -> [Float] {
    withoutGradients {
      var context = ForwardContext.inference
      return model(left: pair.left, right: pair.right, context: &context).left.disparity.scalars
    }
  }
  return zip(disparity(a), disparity(b)).map { abs($0 - $1) }.max() ?? .infinity
}

/// Expects a `matching` setting `key`, on in `configuration`, to be valid there, refused in
/// `elsewhere` (another preset with it on) and stored only when set.
func expectMatchingOnlySetting(
  _ configuration: WNetConfiguration, elsewhere: WNetConfiguration, key: String
) throws {
  #expect(configuration.problems.isEmpty)
  #expect(!elsewhere.problems.isEmpty)
  try expectStoredOnlyWhenSet(configuration, key: key)
}
