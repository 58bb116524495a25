import Foundation
import Synchronization

/// Times every primitive of a wrapped backend: how time splits across operations.
///
/// Wrap the backend in use (`withBackend(ProfilingBackend(wrapping: Backends.current)) { … }`),
/// run the workload, then read ``report``. Custom kernels outside the backend (the fused selection
/// layer, say) add themselves through ``Profiler/measure(_:_:)``.
public final class ProfilingBackend: Backend, @unchecked Sendable {
  public let wrapped: any Backend
  public var name: String { "\(wrapped.name) (profiled)" }

  public init(wrapping backend: any Backend) {
    self.wrapped = backend
  }

  @inline(__always)
  func time<R>(_ key: String, _ body: () -> R) -> R { Profiler.measure(key, body) }

  public func convolution2D(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry
  ) -> Tensor {
    time(Self.convolutionKey("conv", filter: filter.shape, geometry: geometry)) {
      wrapped.convolution2D(input, filter: filter, bias: bias, geometry: geometry)
    }
  }
  public func convolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], geometry: ConvolutionGeometry
  ) -> Tensor {
    time(Self.convolutionKey("conv.bwd-data", filter: filter.shape, geometry: geometry)) {
      wrapped.convolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: inputShape, geometry: geometry)
    }
  }
  public func convolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], geometry: ConvolutionGeometry,
    includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?) {
    time(Self.convolutionKey("conv.bwd-weights", filter: filterShape, geometry: geometry)) {
      wrapped.convolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filterShape, geometry: geometry,
        includeBias: includeBias)
    }
  }
  public func convolution2DInference(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
    activation: Activation?
  ) -> Tensor {
    time(Self.convolutionKey("conv.inference", filter: filter.shape, geometry: geometry)) {
      wrapped.convolution2DInference(
        input, filter: filter, bias: bias, geometry: geometry, activation: activation)
    }
  }
  public func transposedConvolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, stride: Int)
    -> Tensor
  {
    time("deconv") {
      wrapped.transposedConvolution2D(input, filter: filter, bias: bias, stride: stride)
    }
  }
  public func transposedConvolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], stride: Int
  ) -> Tensor {
    time("deconv.bwd-data") {
      wrapped.transposedConvolution2DBackwardInput(
        outputGradient, filter: filter, inputShape: inputShape, stride: stride)
    }
  }
  public func transposedConvolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], stride: Int, includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?) {
    time("deconv.bwd-weights") {
      wrapped.transposedConvolution2DBackwardFilter(
        outputGradient, input: input, filterShape: filterShape, stride: stride,
        includeBias: includeBias)
    }
  }
  public func batchNormTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float) -> (
    output: Tensor, mean: Tensor, variance: Tensor
  ) {
    time("batchnorm") {
      wrapped.batchNormTraining(input, scale: scale, shift: shift, epsilon: epsilon)
    }
  }
  public func batchNormInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor {
    time("batchnorm.inference") {
      wrapped.batchNormInference(
        input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
    }
  }
  public func batchNormBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    time("batchnorm.bwd") {
      wrapped.batchNormBackward(
        outputGradient, input: input, scale: scale, shift: shift, mean: mean, variance: variance,
        epsilon: epsilon)
    }
  }
  public func batchNormReLUTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    -> (output: Tensor, mean: Tensor, variance: Tensor, workspace: Tensor?)
  {
    time("batchnorm+relu") {
      wrapped.batchNormReLUTraining(input, scale: scale, shift: shift, epsilon: epsilon)
    }
  }
  public func batchNormReLUBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, workspace: Tensor?, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    time("batchnorm+relu.bwd") {
      wrapped.batchNormReLUBackward(
        outputGradient, input: input, scale: scale, shift: shift, mean: mean, variance: variance,
        workspace: workspace, epsilon: epsilon)
    }
  }
  public func batchNormReLUInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor {
    time("batchnorm+relu.inference") {
      wrapped.batchNormReLUInference(
        input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
    }
  }
  public func activation(_ activation: Activation, _ input: Tensor) -> Tensor {
    time(activation.rawValue) { wrapped.activation(activation, input) }
  }
  public func activationBackward(_ activation: Activation, _ outputGradient: Tensor, output: Tensor)
    -> Tensor
  {
    time("\(activation.rawValue).bwd") {
      wrapped.activationBackward(activation, outputGradient, output: output)
    }
  }
  public func maxPool2D(_ input: Tensor, size: Int) -> (output: Tensor, workspace: Tensor?) {
    time("maxpool") { wrapped.maxPool2D(input, size: size) }
  }
  public func maxPool2DBackward(
    _ outputGradient: Tensor, inputShape: [Int], input: Tensor?, workspace: Tensor?, size: Int
  ) -> Tensor {
    time("maxpool.bwd") {
      wrapped.maxPool2DBackward(
        outputGradient, inputShape: inputShape, input: input, workspace: workspace, size: size)
    }
  }
  public func resizeBilinear(_ input: Tensor, height: Int, width: Int) -> Tensor {
    time("resize") { wrapped.resizeBilinear(input, height: height, width: width) }
  }
  public func resizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor {
    time("resize.bwd") { wrapped.resizeBilinearBackward(outputGradient, inputShape: inputShape) }
  }
  public func softmax(_ input: Tensor) -> Tensor { time("softmax") { wrapped.softmax(input) } }
  public func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor {
    time("softmax.bwd") { wrapped.softmaxBackward(outputGradient, output: output) }
  }
  public func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int])
    -> Tensor
  {
    time("elementwise.\(operation.rawValue)") {
      wrapped.binary(operation, lhs, rhs, outputShape: outputShape)
    }
  }
  public func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor {
    time("elementwise.\(operation.rawValue)") { wrapped.unary(operation, input) }
  }
  public func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor {
    time("elementwise.affine") { wrapped.affine(input, scale: scale, offset: offset) }
  }
  public func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor {
    time("reduce.\(operation.rawValue)") { wrapped.reduce(operation, input, axes: axes) }
  }
  public func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor {
    time("broadcast") { wrapped.broadcast(input, to: shape) }
  }
  public func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor {
    time("concat") { wrapped.concatenate(inputs, axis: axis) }
  }
  public func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor {
    time("slice") { wrapped.slice(input, axis: axis, range: range) }
  }
  public func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor
  {
    time("pad") { wrapped.pad(input, axis: axis, before: before, after: after, mode: mode) }
  }
  public func padBackward(
    _ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode
  ) -> Tensor {
    time("pad.bwd") {
      wrapped.padBackward(outputGradient, axis: axis, before: before, after: after, mode: mode)
    }
  }

  static func convolutionKey(_ prefix: String, filter: [Int], geometry: ConvolutionGeometry)
    -> String
  {
    let kind =
      geometry.groups > 1 && geometry.groups == filter[0]
      ? "depthwise" : (filter[1] == 1 && filter[2] == 1 ? "pointwise" : "\(filter[1])x\(filter[2])")
    return "\(prefix) \(kind)"
  }
}

/// Accumulates wall time per named operation while profiling is on.
public enum Profiler {
  /// One operation's totals.
  public struct Entry: Sendable {
    public var name: String
    public var calls: Int
    public var seconds: Double
  }

  private static let state = Mutex<(enabled: Bool, entries: [String: Entry])>((false, [:]))

  /// Starts collecting (and forgets earlier totals).
  public static func start() { state.withLock { $0 = (true, [:]) } }

  /// Stops collecting and returns the totals, largest first.
  @discardableResult
  public static func stop() -> [Entry] {
    state.withLock { state in
      state.enabled = false
      return state.entries.values.sorted { $0.seconds > $1.seconds }
    }
  }

  /// Runs `body`, adding its wall time to `name` when profiling is on.
  @inline(__always)
  public static func measure<R>(_ name: @autoclosure () -> String, _ body: () -> R) -> R {
    guard state.withLock({ $0.enabled }) else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    let result = body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let key = name()
    state.withLock { state in
      state.entries[key, default: Entry(name: key, calls: 0, seconds: 0)].calls += 1
      state.entries[key, default: Entry(name: key, calls: 0, seconds: 0)].seconds += seconds
    }
    return result
  }
}
