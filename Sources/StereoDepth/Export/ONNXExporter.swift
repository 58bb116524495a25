import Foundation
import StereoNN
import StereoTensor

/// Writes a W-net as an ONNX model of its selection-free inference path.
///
/// The graph, in ONNX's NCHW layout:
///
///     left, right                    [N, 3, H, W] each, RGB in [0, 1]
///     input = Concat(left, right)    [N, 6, H, W]
///     logits = network(input)        [N, D, H, W], the LEFT view's scores only
///     P = Softmax(logits, axis 1)    → output "probabilities" (optional)
///     d = ReduceSum(P · d_k, axis 1) → output "disparity" [N, 1, H, W], in pixels
///
/// For a coarse-to-fine network (`matching`) the whole pyramid is in the graph (correlations by
/// `Pad`/`Slice`/`Mul`/`ReduceMean`/`Concat`, warps by `GridSample`, up-sampling by `Resize`), and
/// `logits` are the finest scale's scores over the offsets `o_k` around its base disparity `d0`:
/// `d = d0 + ReduceSum(P · o_k)`, and "probabilities" is the distribution over those offsets.
///
/// `N`, `H` and `W` are symbolic: any batch, and any height and width that are multiples of
/// ``WNetConfiguration/sizeMultiple``. No resizing or padding is in the graph, and no rendering
/// (the selection layer only matters for training). Batch norm runs on its running statistics:
/// `realtime` folds each one into the convolution before it; `original`, whose batch norms
/// follow a ReLU, keeps `BatchNormalization` nodes. The model's `metadata_props` (keys `wnet.*`)
/// record the preset, the candidates, the size multiple and the whole inference contract of
/// ``DisparityEstimator``: the scale policy, the default disparity fraction, the resizing and
/// padding rule (``inferenceMetadata(_:)``), so that the model can be used without this code.
///
/// ONNX IR version 8 with operator set 17 (onnxruntime 1.31 accepts IR ≤ 13 and opset ≤ 26).
/// onnxruntime 1.31 reproduces ``WNet`` inference within 1e-4 pixels of disparity and 1e-5 in
/// probability (measured with random batch-norm statistics and biases: at most 2.1e-5 px for
/// `realtime` at 64×96 and 6.1e-6 px for `original` at 32×32; see `ONNXExportTests`).
public struct ONNXExporter: Sendable {
  /// The ONNX IR (file format) version written.
  public static let irVersion = 8
  /// The `ai.onnx` operator-set version written.
  public static let opsetVersion = 17

  /// Whether the graph also outputs the left view's distribution `probabilities`, `[N, D, H, W]`.
  public var includesProbabilities: Bool

  /// The share of the input width that bounds disparities when the user gives no maximum
  /// (``DisparityEstimator/defaultDisparityFraction``), recorded in the metadata; `nil` for
  /// `d_max,model` / ``DisparityEstimator/defaultTrainingWidth``.
  public var defaultDisparityFraction: Float?

  /// Creates an exporter.
  ///
  /// - Parameters:
  ///   - includesProbabilities: Also output `probabilities`, `[N, D, H, W]`.
  ///   - defaultDisparityFraction: See ``defaultDisparityFraction`` (a checkpoint's
  ///     ``CheckpointMetadata/disparityWidthFraction``).
  public init(includesProbabilities: Bool = false, defaultDisparityFraction: Float? = nil) {
    self.includesProbabilities = includesProbabilities
    self.defaultDisparityFraction = defaultDisparityFraction
  }

  /// The ONNX model of `model`'s inference path, with the current weights.
  public func makeModel(_ model: WNet) -> ONNXModel {
    let configuration = model.configuration
    var builder = ONNXGraphBuilder()
    let left = builder.uniqueName("left")
    let right = builder.uniqueName("right")
    let input = builder.concatChannels([left, right], prefix: "input")
    var networkBuilder = ONNXNetworkBuilder(graph: builder)
    let finest = model.network.buildScales(input, views: .left, into: &networkBuilder).last!
    builder = networkBuilder.graph
    let probabilities = builder.softmaxChannels(
      finest.left, prefix: "selection", output: "probabilities")
    let d = finest.candidateCount
    let candidates = builder.constant(
      "selection.candidates", shape: [1, d, 1, 1],
      floats: (0..<d).map { Float(finest.minimumDisparity + $0) })
    let weighted = builder.mul(probabilities, candidates, prefix: "selection")
    let disparity =
      finest.leftBase.map {
        builder.node(
          "Add", [builder.sumChannels(weighted, prefix: "selection"), $0], prefix: "selection",
          output: "disparity")
      } ?? builder.sumChannels(weighted, prefix: "selection", output: "disparity")
    precondition(
      disparity == "disparity" && probabilities == "probabilities", "Output names were taken")

    let batch = ONNXDimension.symbolic("N"), height = ONNXDimension.symbolic("H")
    let width = ONNXDimension.symbolic("W")
    let inputs = [left, right].map {
      ONNXValueInfo(name: $0, shape: [batch, .fixed(3), height, width])
    }
    var outputs = [ONNXValueInfo(name: disparity, shape: [batch, .fixed(1), height, width])]
    if includesProbabilities {
      outputs.append(ONNXValueInfo(name: probabilities, shape: [batch, .fixed(d), height, width]))
    }
    let graph = ONNXGraph(
      name: "wnet_\(configuration.preset.rawValue)", nodes: builder.nodes,
      initializers: builder.initializers, inputs: inputs, outputs: outputs)
    return ONNXModel(
      irVersion: Self.irVersion, opsetVersion: Self.opsetVersion, producerName: "wnet",
      producerVersion: WNetVersion.current, documentation: documentation(configuration),
      metadata: inferenceMetadata(configuration), graph: graph)
  }

  /// The serialized ONNX model of `model`.
  public func serializedModel(_ model: WNet) -> Data {
    makeModel(model).serializedData
  }

  /// Writes the ONNX model of `model` to `url` atomically.
  ///
  /// - Throws: ``StereoTensor/AtomicFile/WriteError`` when the file cannot be written.
  public func write(_ model: WNet, to url: URL) throws {
    try AtomicFile.write(serializedModel(model), to: url)
  }

  func documentation(_ configuration: WNetConfiguration) -> String {
    """
    W-net (\(configuration.preset.rawValue)) stereo disparity, left view. Inputs 'left' and \
    'right': float32 [N, 3, H, W], rectified RGB in [0, 1], H and W multiples of \
    \(configuration.sizeMultiple). Output 'disparity': [N, 1, H, W], the expected disparity in \
    pixels over the candidates \(configuration.minimumDisparity)...\
    \(configuration.maximumDisparity) (a left pixel at x matches the right view at x - d)\
    \(includesProbabilities ? "; 'probabilities': [N, \(configuration.candidateCount), H, W], the distribution over them" : "").
    """
  }
}
