import Foundation

/// The geometry of a 2-D convolution over `[N, H, W, C]` activations.
///
/// Output extent along an axis: `(in + padBefore + padAfter − kernel) / stride + 1`.
public struct ConvolutionGeometry: Hashable, Sendable, CustomStringConvertible {
  public var strideY: Int
  public var strideX: Int
  public var paddingTop: Int
  public var paddingBottom: Int
  public var paddingLeft: Int
  public var paddingRight: Int
  /// The number of groups; `groups == C_in == C_out` is a depthwise convolution.
  public var groups: Int

  /// Creates a geometry with the same stride and padding on both axes.
  public init(stride: Int = 1, padding: Int = 0, groups: Int = 1) {
    self.init(
      strideY: stride, strideX: stride, paddingTop: padding, paddingBottom: padding,
      paddingLeft: padding, paddingRight: padding, groups: groups)
  }

  /// Creates a geometry from every value.
  public init(
    strideY: Int, strideX: Int, paddingTop: Int, paddingBottom: Int, paddingLeft: Int,
    paddingRight: Int, groups: Int
  ) {
    precondition(strideY > 0 && strideX > 0, "Strides must be positive, got \(strideY)x\(strideX)")
    precondition(
      min(paddingTop, paddingBottom, paddingLeft, paddingRight) >= 0,
      "Padding must be non-negative, got \([paddingTop, paddingBottom, paddingLeft, paddingRight])")
    precondition(groups > 0, "Groups must be positive, got \(groups)")
    self.strideY = strideY
    self.strideX = strideX
    self.paddingTop = paddingTop
    self.paddingBottom = paddingBottom
    self.paddingLeft = paddingLeft
    self.paddingRight = paddingRight
    self.groups = groups
  }

  /// The `[N, H_out, W_out, C_out]` shape for an input and a `[C_out, KH, KW, C_in/groups]` filter,
  /// checked.
  public func outputShape(input: [Int], filter: [Int]) -> [Int] {
    precondition(input.count == 4, "Convolution input must be [N, H, W, C], got \(input)")
    precondition(
      filter.count == 4, "Convolution filter must be [C_out, KH, KW, C_in/groups], got \(filter)")
    let (n, h, w, c) = (input[0], input[1], input[2], input[3])
    let (o, kh, kw, i) = (filter[0], filter[1], filter[2], filter[3])
    precondition(
      c % groups == 0 && o % groups == 0,
      "Channels in \(c) and out \(o) must both be divisible by groups \(groups)")
    precondition(
      i == c / groups,
      "Filter \(filter) expects \(i) input channels per group; input \(input) with \(groups) groups gives \(c / groups)"
    )
    let paddedH = h + paddingTop + paddingBottom
    let paddedW = w + paddingLeft + paddingRight
    precondition(
      paddedH >= kh && paddedW >= kw,
      "Kernel \(kh)x\(kw) is larger than the padded input \(paddedH)x\(paddedW) (input \(input))")
    return [n, (paddedH - kh) / strideY + 1, (paddedW - kw) / strideX + 1, o]
  }

  public var description: String {
    "stride \(strideY)x\(strideX), padding t\(paddingTop) b\(paddingBottom) l\(paddingLeft) r\(paddingRight), groups \(groups)"
  }
}

/// The element-wise activations with a dedicated kernel.
public enum Activation: String, Hashable, Sendable, CaseIterable {
  /// `max(x, 0)`.
  case relu
  /// `x` for `x > 0`, else `α(eˣ − 1)` with α = 1.
  case elu
}

/// Element-wise functions of two tensors, with NumPy broadcasting.
public enum BinaryOperation: String, Hashable, Sendable, CaseIterable {
  case add, subtract, multiply, divide, maximum, minimum
}

/// Element-wise functions of one tensor.
public enum UnaryOperation: String, Hashable, Sendable, CaseIterable {
  case negate, abs, exp, log, sqrt, square, sign, reciprocal
}

/// Reductions over a set of axes.
public enum ReductionOperation: String, Hashable, Sendable, CaseIterable {
  case sum, max, min
}

/// How ``Backend/pad(_:axis:before:after:mode:)`` fills new elements.
public enum PaddingMode: String, Hashable, Sendable {
  /// With zeros.
  case zero
  /// With copies of the nearest edge element.
  case replicate
}

/// The closed set of primitives every WNet computation is made of, forward and backward.
///
/// Two backends implement it: ``ReferenceBackend``, plain Swift loops written to be read (the
/// oracle), and ``DNNLBackend``, oneDNN for the convolution family and tuned Swift kernels for the
/// rest. Tests check one against the other. Operations on ``Tensor`` check shapes, then dispatch
/// to ``Backends/current``; backends may assume valid shapes.
///
/// Shapes: activations `[N, H, W, C]`; filters `[C_out, KH, KW, C_in/groups]`; per-channel
/// vectors `[C]`.
public protocol Backend: AnyObject, Sendable {
  /// A short name for logs and benchmarks.
  var name: String { get }

  // MARK: Convolution

  /// `y[n,oy,ox,o] = b[o] + Σ_{ky,kx,i} x[n, oy·sy − pt + ky, ox·sx − pl + kx, g·Cig + i] ·
  /// w[o,ky,kx,i]`
  /// where `g` is the group of `o` and `Cig = C_in / groups`; out-of-range `x` reads as zero.
  func convolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry)
    -> Tensor
  /// The gradient with respect to the input of ``convolution2D(_:filter:bias:geometry:)``.
  func convolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], geometry: ConvolutionGeometry
  ) -> Tensor
  /// The gradients with respect to the filter and (when `includeBias`) the bias.
  func convolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], geometry: ConvolutionGeometry,
    includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?)

  /// Inference convolution with an optional activation fused into the same pass:
  /// `act(conv(x) + b)`. No backward (the inference path builds no graph).
  func convolution2DInference(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
    activation: Activation?
  ) -> Tensor

  // MARK: Transposed convolution

  /// The transpose of a stride-`s`, unpadded, ungrouped convolution:
  /// `y[n, iy·s + ky, ix·s + kx, o] += x[n,iy,ix,i] · w[o,ky,kx,i]`, plus `b[o]`.
  /// Output `[N, (H−1)·s + KH, (W−1)·s + KW, C_out]` for a filter `[C_out, KH, KW, C_in]`.
  func transposedConvolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, stride: Int)
    -> Tensor
  /// The gradient with respect to the input of the transposed convolution.
  func transposedConvolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], stride: Int
  ) -> Tensor
  /// The gradients with respect to the filter and (when `includeBias`) the bias.
  func transposedConvolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], stride: Int, includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?)

  // MARK: Batch normalisation

  /// Training-mode batch norm over N, H and W per channel:
  /// `μ = mean(x)`, `σ² = mean((x − μ)²)` (biased), `y = γ·(x − μ)/√(σ² + ε) + β`.
  /// - Returns: `y`, and the batch `μ` and `σ²` of shape `[C]`.
  func batchNormTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    -> (output: Tensor, mean: Tensor, variance: Tensor)
  /// Inference-mode batch norm with given statistics: `y = γ·(x − μ)/√(σ² + ε) + β`.
  func batchNormInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor
  /// The gradients of training-mode batch norm with respect to `x`, `γ` and `β`.
  func batchNormBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor)

  /// Training-mode batch norm followed by ReLU, in one pass: `y = max(0, γ·(x − μ)/√(σ² + ε) + β)`.
  /// - Returns: `y`, the batch `μ` and `σ²`, and whatever backward needs besides the input (the
  ///   ReLU mask; may be `nil`).
  func batchNormReLUTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    -> (output: Tensor, mean: Tensor, variance: Tensor, workspace: Tensor?)
  /// The gradients of ``batchNormReLUTraining(_:scale:shift:epsilon:)`` with respect to `x`, `γ`
  /// and `β`: the ReLU mask applied to the output gradient, then batch norm's backward.
  func batchNormReLUBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, workspace: Tensor?, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor)
  /// Inference-mode batch norm followed by ReLU, in one pass.
  func batchNormReLUInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor

  // MARK: Activations

  /// Applies `activation` element-wise.
  func activation(_ activation: Activation, _ input: Tensor) -> Tensor
  /// The gradient of an activation, computed from its *output* `y` (ReLU: `g·[y > 0]`;
  /// ELU: `g` where `y > 0`, else `g·(y + 1)`).
  func activationBackward(_ activation: Activation, _ outputGradient: Tensor, output: Tensor)
    -> Tensor

  // MARK: Pooling and resizing

  /// Max-pooling over `size`×`size` windows with stride `size`; trailing rows and columns that do
  /// not fill a window are dropped (floor).
  /// - Returns: the output and whatever the backward pass needs besides the input (may be `nil`).
  func maxPool2D(_ input: Tensor, size: Int) -> (output: Tensor, workspace: Tensor?)
  /// Routes each output gradient to the position of its window's maximum (the first, on ties).
  ///
  /// A backend whose forward returned a workspace needs only `inputShape` (so the activation need
  /// not be kept for backward); otherwise it finds the maxima again in `input`.
  func maxPool2DBackward(
    _ outputGradient: Tensor, inputShape: [Int], input: Tensor?, workspace: Tensor?, size: Int
  )
    -> Tensor
  /// Bilinear resizing with half-pixel centres (PyTorch `align_corners=False`): source coordinate
  /// `(dst + 0.5)·in/out − 0.5`, clamped at the edges.
  func resizeBilinear(_ input: Tensor, height: Int, width: Int) -> Tensor
  /// The gradient of ``resizeBilinear(_:height:width:)`` with respect to its input.
  func resizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor

  // MARK: Softmax

  /// Softmax over the last axis: `y_k = exp(x_k − max x) / Σ_j exp(x_j − max x)`.
  func softmax(_ input: Tensor) -> Tensor
  /// `dx_k = y_k·(g_k − Σ_j g_j·y_j)`, from the output `y`.
  func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor

  // MARK: Element-wise, reductions, layout

  /// `op(a, b)` with NumPy broadcasting; `outputShape` is the broadcast shape.
  func binary(_ operation: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor, outputShape: [Int])
    -> Tensor
  /// `op(x)` element-wise.
  func unary(_ operation: UnaryOperation, _ input: Tensor) -> Tensor
  /// `a·x + b` element-wise, for scalars `a` and `b`.
  func affine(_ input: Tensor, scale: Float, offset: Float) -> Tensor
  /// Reduces over `axes` (sorted, unique); the reduced axes keep extent 1.
  func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor
  /// Repeats a tensor along its extent-1 axes to `shape` (the inverse of a keep-dims reduction).
  func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor
  /// Joins tensors along `axis`; all other extents agree.
  func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor
  /// The elements whose index along `axis` lies in `range`.
  func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor
  /// Adds `before` and `after` elements along `axis`, filled by `mode`.
  func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor
  /// The gradient of ``pad(_:axis:before:after:mode:)``: for `.zero`, the interior slice; for
  /// `.replicate`, the interior with the padded gradients summed onto the edge elements.
  func padBackward(_ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode)
    -> Tensor
}

/// The backend in use.
public enum Backends {
  /// The plain-Swift oracle.
  public static let reference = ReferenceBackend()

  /// The backend operations dispatch to: oneDNN by default, unless `WNET_BACKEND=reference`.
  /// Task-local, so a test can run a computation on another backend without affecting others.
  @TaskLocal public static var current: any Backend = defaultBackend

  /// The default: ``DNNLBackend/shared`` when its engine starts, else the reference.
  public static let defaultBackend: any Backend = {
    if ProcessInfo.processInfo.environment["WNET_BACKEND"] == "reference" { return reference }
    return (try? DNNLBackend.shared()) ?? reference
  }()

  /// The precision inference runs in unless asked otherwise, for many maps of a size:
  /// ``automaticInferencePrecision(bfloat16:amx:intel:singlePair:)`` for this CPU, `bfloat16`
  /// being whether ``backend(precision:)`` offers it.
  public static var defaultInferencePrecision: DNNLBackend.Precision {
    defaultInferencePrecision(singlePair: false)
  }

  /// The precision inference runs in unless asked otherwise, for a run that maps `singlePair`
  /// (one pair per input size, as one `wnet infer` of a pair or the demo) or many maps of a
  /// size (streams, videos, folders, evaluations), on this CPU.
  public static func defaultInferencePrecision(singlePair: Bool) -> DNNLBackend.Precision {
    automaticInferencePrecision(
      bfloat16: backend(precision: .bfloat16) != nil, amx: DNNLBackend.amxSupported,
      intel: DNNLBackend.cpuIsIntel, singlePair: singlePair)
  }

  /// `--precision auto`'s rule: `.bfloat16` where oneDNN runs it (`bfloat16`: AVX512-BF16 or
  /// AMX), else `.float32`, with two exceptions.
  ///
  /// - `.float32` on Intel's CPUs with BF16 and no AMX (`intel`, `amx` false): their bfloat16
  ///   kernels are slower than `float32` (the marked map 0.90× and at 192×336 0.88× bfloat16's
  ///   time, the judges within 0.004; docs/RUNS.md, "`float32` by default on Intel's CPUs with
  ///   BF16 and no AMX"). AMD's Zen 4 and 5 keep bfloat16 (0.81× `float`'s time, session 32).
  /// - `.float32` for a single pair where oneDNN has AMX (`amx`): there oneDNN spends about 0.2 s
  ///   creating its bfloat16 AMX kernels for each new input size of Aloe's (1282×1110), which
  ///   only maps of the same size repay. One `wnet infer` of Aloe then takes 0.73× the process
  ///   time, of a 640×480 pair the same, and the label-free judges score 16.811 against
  ///   bfloat16's 16.827 (docs/RUNS.md, "`float32` for a single pair on AMX").
  public static func automaticInferencePrecision(
    bfloat16: Bool, amx: Bool, intel: Bool, singlePair: Bool
  ) -> DNNLBackend.Precision {
    guard bfloat16 else { return .float32 }
    if amx { return singlePair ? .float32 : .bfloat16 }
    return intel ? .float32 : .bfloat16
  }

  /// The precision ``current`` runs inference convolutions in (seen through a
  /// ``ProfilingBackend``): `.float32` for any backend but oneDNN in bfloat16.
  public static var currentInferencePrecision: DNNLBackend.Precision {
    var backend = current
    while let profiled = backend as? ProfilingBackend { backend = profiled.wrapped }
    return (backend as? DNNLBackend)?.inferencePrecision ?? .float32
  }

  /// The widest input of an inference convolution that runs in `Float` rather than bfloat16 where
  /// oneDNN has bfloat16 but no AMX (``inferenceConvolutionBackend(inputChannels:outputs:)``).
  public static let fewInputChannels = 24

  /// The backend that runs an inference convolution with `inputChannels` inputs and `outputs`
  /// outputs on oneDNN.
  ///
  /// ``current``, except in bfloat16 (``currentInferencePrecision``) where oneDNN has no AMX
  /// (AVX512-BF16 alone, as on AMD's Zen 4 and 5) and the layer has at most
  /// ``fewInputChannels`` inputs, or where it has AMX and ``keepsOffTiles(outputs:)``: then
  /// oneDNN in `Float` (``DNNLBackend/shared()``, profiled as ``current`` is). Without AMX,
  /// oneDNN's bfloat16 kernels for few channels took 1.6× the time of its `Float` ones on a
  /// Xeon, and every call first converted its input to bfloat16 (0.2 ms for a 640×480 view):
  /// docs/RUNS.md, "oneDNN's few-channel layers in `float32` where bfloat16 has no AMX".
  /// `WNET_FEW_CHANNELS_BFLOAT16=1` keeps them in bfloat16, for comparison.
  public static func inferenceConvolutionBackend(inputChannels: Int, outputs: Int) -> any Backend {
    let inFloat =
      currentInferencePrecision == .bfloat16
      && (DNNLBackend.amxSupported
        ? keepsOffTiles(outputs: outputs)
        : inputChannels <= fewInputChannels && !fewChannelsStayBFloat16)
    guard inFloat, let float = try? DNNLBackend.shared() else { return current }
    return current is ProfilingBackend ? ProfilingBackend(wrapping: float) : float
  }

  private static let fewChannelsStayBFloat16 =
    ProcessInfo.processInfo.environment["WNET_FEW_CHANNELS_BFLOAT16"] == "1"

  /// Whether a bfloat16 inference convolution with `outputs` outputs stays off oneDNN's AMX tiles
  /// where it has them: when `outputs` is not a multiple of 16, one tile's width.
  ///
  /// oneDNN 2.6 took 35-97 ms to create each such `brgconv` primitive (the `matching` map's three
  /// layers of 24 outputs; other layers 0.2-6.5 ms), again for every new input size, so that the
  /// first bfloat16 map of a size took 2-4× the `float32` one's time: docs/RUNS.md, "The first
  /// map of a size on AMX". Such layers then run in `Float` (the Winograd kernel for the wide
  /// 3×3 ones, ``Tensor/winogradConvolutionPreferred(outputs:)``). `WNET_AMX_ALL_OUTPUTS=1`
  /// keeps them on the tiles, for comparison.
  public static func keepsOffTiles(outputs: Int) -> Bool {
    outputs % 16 != 0 && !allOutputsOnTiles && currentInferencePrecision == .bfloat16
      && DNNLBackend.amxSupported
  }

  private static let allOutputsOnTiles =
    ProcessInfo.processInfo.environment["WNET_AMX_ALL_OUTPUTS"] == "1"

  /// The backend that runs inference with `precision` in place of ``current``: ``current`` itself
  /// for `.float32`; for `.bfloat16`, ``DNNLBackend/sharedBFloat16()`` when ``current`` is oneDNN
  /// in `Float` and the CPU has BF16, else `nil` (nothing to switch to).
  public static func backend(precision: DNNLBackend.Precision) -> (any Backend)? {
    switch precision {
    case .float32: return current
    case .bfloat16:
      guard let dnnl = current as? DNNLBackend else { return nil }
      return dnnl.inferencePrecision == .bfloat16 ? dnnl : DNNLBackend.sharedBFloat16()
    }
  }
}

/// Runs `body` with every operation dispatched to `backend`.
@inlinable
public func withBackend<R>(_ backend: any Backend, _ body: () throws -> R) rethrows -> R {
  try Backends.$current.withValue(backend, operation: body)
}
