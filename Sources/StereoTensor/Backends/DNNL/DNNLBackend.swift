internal import CDNNL
import Synchronization

/// The fast backend: oneDNN 2.6 for convolutions, batch norm, activations, pooling and resizing,
/// and tuned Swift kernels for the rest.
///
/// Primitives are created once per shape and cached (creating one costs 3-100 ms); memory objects
/// wrap tensor storage without copying. Activations are NHWC (plain NCHW falls back to kernels
/// 2-12x slower). Threads follow `OMP_NUM_THREADS`.
public final class DNNLBackend: Backend, @unchecked Sendable {
  public var name: String { "oneDNN" }

  let engine: dnnl_engine_t
  let stream: dnnl_stream_t

  private static let sharedResult = Result<DNNLBackend, DNNLError> { () throws(DNNLError) in
    try DNNLBackend()
  }

  /// The process-wide backend on CPU engine 0.
  public static func shared() throws(DNNLError) -> DNNLBackend { try sharedResult.get() }

  private init() throws(DNNLError) {
    var engine: dnnl_engine_t?
    try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
    var stream: dnnl_stream_t?
    try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
    self.engine = engine!
    self.stream = stream!
  }

  /// oneDNN's version, e.g. "2.6.3".
  public static var version: String {
    guard let version = dnnl_version() else { return "unknown" }
    return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.patch)"
  }

  // Until each primitive has its oneDNN or tuned path, it falls back to the oracle.
  let fallback = ReferenceBackend()
}

extension DNNLBackend {
  public func convolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry) -> Tensor { fallback.convolution2D(input, filter: filter, bias: bias, geometry: geometry) }
  public func convolution2DBackwardInput(_ outputGradient: Tensor, filter: Tensor, inputShape: [Int], geometry: ConvolutionGeometry) -> Tensor { fallback.convolution2DBackwardInput(outputGradient, filter: filter, inputShape: inputShape, geometry: geometry) }
  public func convolution2DBackwardFilter(_ outputGradient: Tensor, input: Tensor, filterShape: [Int], geometry: ConvolutionGeometry, includeBias: Bool) -> (filter: Tensor, bias: Tensor?) { fallback.convolution2DBackwardFilter(outputGradient, input: input, filterShape: filterShape, geometry: geometry, includeBias: includeBias) }
  public func transposedConvolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, stride: Int) -> Tensor { fallback.transposedConvolution2D(input, filter: filter, bias: bias, stride: stride) }
  public func transposedConvolution2DBackwardInput(_ outputGradient: Tensor, filter: Tensor, inputShape: [Int], stride: Int) -> Tensor { fallback.transposedConvolution2DBackwardInput(outputGradient, filter: filter, inputShape: inputShape, stride: stride) }
  public func transposedConvolution2DBackwardFilter(_ outputGradient: Tensor, input: Tensor, filterShape: [Int], stride: Int, includeBias: Bool) -> (filter: Tensor, bias: Tensor?) { fallback.transposedConvolution2DBackwardFilter(outputGradient, input: input, filterShape: filterShape, stride: stride, includeBias: includeBias) }
  public func batchNormTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (output: Tensor, mean: Tensor, variance: Tensor) { fallback.batchNormTraining(input, scale: scale, shift: shift, epsilon: epsilon) }
  public func batchNormInference(_ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float) -> Tensor { fallback.batchNormInference(input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon) }
  public func batchNormBackward(_ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float) -> (input: Tensor, scale: Tensor, shift: Tensor) { fallback.batchNormBackward(outputGradient, input: input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon) }
  public func activation(_ activation: Activation, _ input: Tensor) -> Tensor { fallback.activation(activation, input) }
  public func activationBackward(_ activation: Activation, _ outputGradient: Tensor, output: Tensor) -> Tensor { fallback.activationBackward(activation, outputGradient, output: output) }
  public func maxPool2D(_ input: Tensor, size: Int) -> (output: Tensor, workspace: Tensor?) { fallback.maxPool2D(input, size: size) }
  public func maxPool2DBackward(_ outputGradient: Tensor, input: Tensor, workspace: Tensor?, size: Int) -> Tensor { fallback.maxPool2DBackward(outputGradient, input: input, workspace: workspace, size: size) }
  public func resizeBilinear(_ input: Tensor, height: Int, width: Int) -> Tensor { fallback.resizeBilinear(input, height: height, width: width) }
  public func resizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor { fallback.resizeBilinearBackward(outputGradient, inputShape: inputShape) }
  public func softmax(_ input: Tensor) -> Tensor { fallback.softmax(input) }
  public func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor { fallback.softmaxBackward(outputGradient, output: output) }
  public func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int]) -> Tensor { fallback.binary(operation, lhs, rhs, outputShape: outputShape) }
  public func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor { fallback.unary(operation, input) }
  public func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor { fallback.affine(input, scale: scale, offset: offset) }
  public func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor { fallback.reduce(operation, input, axes: axes) }
  public func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor { fallback.broadcast(input, to: shape) }
  public func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor { fallback.concatenate(inputs, axis: axis) }
  public func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor { fallback.slice(input, axis: axis, range: range) }
  public func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor { fallback.pad(input, axis: axis, before: before, after: after, mode: mode) }
  public func padBackward(_ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor { fallback.padBackward(outputGradient, axis: axis, before: before, after: after, mode: mode) }
}
