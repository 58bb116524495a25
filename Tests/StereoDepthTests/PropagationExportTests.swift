import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The ONNX form of ``DisparityPropagation`` (standard operators) against the kernel.
@Suite("Propagation in ONNX")
struct PropagationExportTests {
  /// A graph of the propagation alone on constant inputs: `disparity` = the hand-on of `coarse`
  /// (the script's `left` and `right` inputs are declared but unused).
  static func model(coarse: Tensor, own: Tensor, other: Tensor, side: StereoSide) -> ONNXModel {
    var builder = ONNXGraphBuilder()
    func constant(_ tensor: Tensor, _ name: String) -> String {
      let (n, h, w, c) = tensor.nhwc(name)
      return builder.constant(
        name, shape: [n, c, h, w], floats: ONNXRuntimeSupport.nchw(tensor))
    }
    let d = constant(coarse, "coarse")
    let (o, r) = (constant(own, "own"), constant(other, "other"))
    let result = builder.propagatedDisparity(d, own: o, other: r, side: side, prefix: "p")
    _ = builder.node("Identity", [result], prefix: "out", output: "disparity")
    let graph = ONNXGraph(
      name: "propagation", nodes: builder.nodes, initializers: builder.initializers,
      inputs: ["left", "right"].map {
        ONNXValueInfo(name: $0, shape: [.symbolic("N"), .fixed(3), .symbolic("H"), .symbolic("W")])
      },
      outputs: [
        ONNXValueInfo(
          name: "disparity", shape: [.symbolic("N"), .fixed(1), .symbolic("H"), .symbolic("W")])
      ])
    return ONNXModel(
      irVersion: ONNXExporter.irVersion, opsetVersion: ONNXExporter.opsetVersion,
      producerName: "test", producerVersion: "0", graph: graph)
  }

  @Test(
    "onnxruntime's composition gives the kernel's hand-on",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote),
    arguments: [StereoSide.left, .right])
  func matchesKernel(_ side: StereoSide) throws {
    let coarse = randomTensor([1, 5, 7, 1], seed: 11, in: 0...6)
    let own = randomTensor([1, 10, 14, 8], seed: 12, in: -1...1)
    let other = randomTensor([1, 10, 14, 8], seed: 13, in: -1...1)
    let expected = DisparityPropagation.handOn(coarse, own: own, other: other, side: side)
    let bilinear = coarse.upsampled2xScaled(by: 2)
    let moved = zip(expected.scalars, bilinear.scalars).filter { $0 != $1 }.count
    #expect(moved > 20, "the case should move many pixels off the bilinear hand-on")
    let input = randomTensor([1, 4, 4, 3], seed: 1, in: 0...1)
    let run = try ONNXRuntimeSupport.run(
      Self.model(coarse: coarse, own: own, other: other, side: side), left: input, right: input)
    let disparity = try #require(run.outputs["disparity"])
    try #require(disparity.count == expected.count)
    let difference = zip(disparity, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    #expect(difference < 1e-5, "max |Δ| \(difference) px")
  }

  /// The whole bundled model with `propagation` on Tsukuba (half size): its choices compare
  /// features that the plan and onnxruntime compute with different sums, so a pixel whose two
  /// best candidates nearly tie may go either way; all others agree as the other settings do.
  @Test(
    "onnxruntime runs the bundled model with propagation as the plan does, but for near-ties",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote),
    .enabled(if: TsukubaPair.isAvailable, "../shared/data/middlebury-2001-2003/tsukuba not found"))
  func bundledModelOnTsukuba() throws {
    let (left, right) = try TsukubaPair.readHalfSize()
    var configuration = try PretrainedModel.load().model.configuration
    configuration.propagation = 3
    let model = try PretrainedModel.load().model.reconfigured(configuration)
    let planned = InferencePlan(model.network)(Tensor.concatenate([left, right], axis: 3)).disparity
    let run = try ONNXRuntimeSupport.run(ONNXExporter().makeModel(model), left: left, right: right)
    let disparity = try #require(run.outputs["disparity"])
    try #require(disparity.count == planned.count)
    let differences = zip(disparity, planned.scalars).map { abs($0 - $1) }
    let apart = differences.filter { $0 >= 1e-3 }.count
    print(
      "ONNX matching with propagation on Tsukuba 144x192: \(apart) of \(differences.count) "
        + "pixels apart by 1e-3 px or more, at most \(differences.max() ?? 0) px")
    #expect(Double(apart) <= 0.005 * Double(differences.count))
    configuration.propagation = 0
    let unplanned = InferencePlan(
      try PretrainedModel.load().model.reconfigured(configuration).network)(
        Tensor.concatenate([left, right], axis: 3)
      ).disparity
    let changed = zip(unplanned.scalars, planned.scalars).filter { abs($0 - $1) >= 0.5 }.count
    #expect(changed > differences.count / 100, "propagation should change the map")
  }
}
