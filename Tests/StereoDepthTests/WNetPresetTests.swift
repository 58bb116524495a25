import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("W-net presets")
struct WNetPresetTests {
  /// Trainable-parameter counts from the hand count in `OriginalWNet`'s documentation and from
  /// `sum(p.numel() for p in model.parameters())` of the PyTorch twins in
  /// `benchmarks/torch_wnet.py` (241,376 and 5,344,054).
  @Test("Parameter counts match the hand count and the PyTorch twins")
  func parameterCounts() {
    let realtime = WNet(configuration: WNetConfiguration(preset: .realtime))
    #expect(realtime.parameters.trainableCount == 241_376)
    let original = WNet(configuration: WNetConfiguration(preset: .original))
    #expect(original.parameters.trainableCount == 5_344_054)
    // Keras's model.summary() also counts batch norm's moving mean and variance: 5.35 M.
    let all = original.parameters.entries.reduce(0) { $0 + $1.parameter.value.count }
    #expect(all == 5_350_070)
  }

  @Test(
    // The single-scale presets; `matching`'s scales are checked in MatchingWNetTests.
    "Both presets map [N, H, W, 6] to two [N, H, W, D] logit maps",
    arguments: [WNetPreset.realtime, .original])
  func shapes(preset: WNetPreset) {
    let configuration = WNetConfiguration(preset: preset)
    let model = WNet(configuration: configuration, seed: 1)
    let (h, w) = (32, 48)
    let left = randomTensor([2, h, w, 3], seed: 1, in: 0...1)
    let right = randomTensor([2, h, w, 3], seed: 2, in: 0...1)
    var context = ForwardContext(isTraining: true)
    let output = model(left: left, right: right, context: &context)
    let d = configuration.candidateCount
    #expect(output.left.probabilities.shape == [2, h, w, d])
    #expect(output.right.probabilities.shape == [2, h, w, d])
    #expect(output.left.reconstruction.shape == [2, h, w, 3])
    #expect(output.left.disparity.shape == [2, h, w, 1])
    let range = Float(configuration.minimumDisparity)...Float(configuration.maximumDisparity)
    #expect(output.left.disparity.scalars.allSatisfy { range.contains($0) })
  }

  @Test("Parameter names are stable dotted paths")
  func names() {
    let names = WNet(configuration: WNetConfiguration(preset: .realtime)).parameters.names
    #expect(names.first == "stem.conv.filter")
    #expect(names.contains("encoder.0.0.depthwise.conv.filter"))
    #expect(names.contains("decoder.2.1.pointwise.bn.running_variance"))
    #expect(names.last == "head.bias")
  }
}
