import StereoNN
import StereoTensor

/// A network compiled for inference from its one definition (``StereoNetwork/build(_:views:into:)``
/// with ``ScoredViews/left``): no autodiff graph, every batch norm that follows a convolution
/// folded into it (``FoldedConvolution``), ReLU fused into the convolutions (oneDNN post-ops;
/// 3×3 layers with 8+ inputs and at most 8 outputs on an AVX2 kernel,
/// ``StereoTensor/Tensor/narrowConvolution3x3(_:channels:filter:bias:relu:)``),
/// up-sampling and skip concatenation in one kernel, only the left view's scores, and softmax +
/// expected disparity + confidence in one kernel that never stores the distribution
/// (``DisparityConfidence/summarize(logits:minimumDisparity:base:)``).
///
/// The plan is a list of steps over registers; a register is released after its last reader, and
/// buffers come from the tensor pool, so after the first frame of a size nothing is allocated
/// from the system. The weights are read when the plan is compiled: compile again after training.
public final class InferencePlan: @unchecked Sendable {
  /// One operation: reads registers `inputs`, writes register `output`.
  struct Step {
    let inputs: [Int]
    let output: Int
    let name: String
    let run: ([Tensor]) -> Tensor
  }

  /// The compiled network's configuration.
  public let configuration: WNetConfiguration
  let steps: [Step]
  let registerCount: Int
  let result: Int
  /// The register of the finest scale's base disparity `d0`, if its candidates are offsets.
  let base: Int?
  /// The finest scale's first candidate (absolute, or an offset around ``base``).
  let minimumDisparity: Int
  /// For each step, the registers it reads for the last time.
  let releases: [[Int]]
  /// The right view's last scores and base disparity (a ``ScoredViews/both`` plan only); with
  /// its hand-on propagated (`rightHandOnPropagated`), no scores: the base is its disparity.
  let rightResult: Int?
  let rightBase: Int?
  /// The right view's last scale's first candidate.
  let rightMinimumDisparity: Int
  /// Input pixels per pixel of the right view's outputs: ``outputFactor`` unless the right view
  /// ends earlier (`rightDroppingScales`).
  public let rightOutputFactor: Int
  /// The registers of the two steps that only split the input into the views (`input.left`,
  /// `input.right`), when no other step reads the input: views given apart
  /// (``scores(left:right:)``) fill them directly, with no concatenation and no split.
  let viewInputs: (left: Int, right: Int)?
  /// Input pixels per output pixel: the factor of the scale the plan ends at (1 for the finest;
  /// 2 with one scale dropped). Outputs are `[N, H/f, W/f, 1]`.
  public let outputFactor: Int
  /// A view's last head that runs on the narrow kernel (at most eight scores, no ReLU, the last
  /// reader of its input, its scores read by no other step): its step, input register, filter
  /// and bias.
  struct FusedHead {
    let step: Int
    let input: Int
    let filter: Tensor
    let bias: Tensor?
  }
  /// The left view's last head, when it runs on the narrow kernel: ``bothViews(_:)`` then ends
  /// in ``DisparityConfidence/disparityAndPeak(headInput:filter:bias:minimumDisparity:base:)``,
  /// the scores never stored, wherever ``StereoTensor/Tensor/narrowConvolutionPreferred``.
  let fusedHead: FusedHead?
  /// The same for the right view's last head (a ``ScoredViews/both`` plan).
  let rightFusedHead: FusedHead?

  /// Compiles `network`'s current weights and batch-norm statistics.
  ///
  /// - Parameters:
  ///   - views: ``ScoredViews/left`` (the default) or ``ScoredViews/both``, for the left-right
  ///     check (``bothViews(_:)``).
  ///   - droppingFinestScales: End this many scales before the finest (a coarse-to-fine
  ///     network's; 0, the default, for any network): the steps only they need are left out, and
  ///     the outputs are that scale's, in its pixels. An enlarged pair uses it
  ///     (``InferenceUpscale``).
  ///   - rightDroppingScales: In a ``ScoredViews/both`` plan, end the right view this many
  ///     scales before the left one (0, the default: both end at the same scale). Its steps at
  ///     the finer scales are left out; ``bothViews(_:)`` up-samples its disparity to the left
  ///     view's size. A left-right check needs the right view only where the left one lands.
  ///   - rightHandOnPropagated: With the right view ending early, hand its last estimate on to
  ///     the next finer scale by propagation (``DisparityPropagation``: the neighbours'
  ///     estimates as candidates, chosen by that scale's features) instead of leaving it to the
  ///     bilinear up-sampling; its units at that scale do not run. The right view's outputs are
  ///     then that hand-on's disparity alone, one scale finer (``rightOutputFactor``).
  public init(
    _ network: any StereoNetwork, views: ScoredViews = .left, droppingFinestScales dropped: Int = 0,
    rightDroppingScales rightDropped: Int = 0, rightHandOnPropagated: Bool = false
  ) {
    configuration = network.configuration
    var compiler = InferencePlanCompiler()
    var scales = network.buildScales(0, views: views, into: &compiler)
    precondition(
      dropped >= 0 && dropped < scales.count && rightDropped >= 0,
      "Cannot drop \(dropped) of \(scales.count) scales, nor \(rightDropped) of the right view's")
    let rightDropped = min(rightDropped, scales.count - 1 - dropped)
    // The scale whose base is the right view's propagated hand-on: the one after its last.
    let handOnScale = scales.count - dropped - rightDropped
    let handingOn = rightHandOnPropagated && views == .both && rightDropped > 0
    if handingOn {
      // Built again with that hand-on propagated (a scale's refinement is its index − 1).
      compiler = InferencePlanCompiler(rightPropagatedRefinement: handOnScale - 1)
      scales = network.buildScales(0, views: views, into: &compiler)
    }
    let finest = scales[scales.count - 1 - dropped]
    let rightLast = scales[handingOn ? handOnScale : handOnScale - 1]
    outputFactor = finest.factor
    result = finest.left
    base = finest.leftBase
    let rightScores = handingOn ? nil : rightLast.right
    rightResult = rightScores
    rightBase = rightLast.rightBase
    rightMinimumDisparity = rightLast.minimumDisparity
    rightOutputFactor = rightLast.factor
    minimumDisparity = finest.minimumDisparity
    // Both views' last scores and bases are results (the right view's in a `.both` plan).
    let steps = Self.withoutDeadSteps(
      compiler.steps,
      keeping: [finest.left, finest.leftBase, rightScores, rightLast.rightBase].compactMap {
        $0
      })
    var lastReader = [Int](repeating: -1, count: compiler.registerCount)
    for (index, step) in steps.enumerated() {
      for register in step.inputs { lastReader[register] = index }
    }
    // The base disparity is read after the last step.
    if let base { lastReader[base] = steps.count }
    if let rightBase { lastReader[rightBase] = steps.count }
    releases = steps.indices.map { index in
      Set(steps[index].inputs).filter { lastReader[$0] == index && $0 != 0 }.sorted()
    }
    self.steps = steps
    registerCount = compiler.registerCount
    let releases = releases
    func fused(_ last: Int?) -> FusedHead? {
      guard let last, let head = compiler.narrowHeads[last],
        let index = steps.firstIndex(where: { $0.output == last }),
        releases[index].contains(head.input), !steps.contains(where: { $0.inputs.contains(last) })
      else { return nil }
      return FusedHead(step: index, input: head.input, filter: head.filter, bias: head.bias)
    }
    fusedHead = fused(result)
    rightFusedHead = fused(rightResult)
    let readers = steps.filter { $0.inputs.contains(0) }
    if readers.count == 2, let left = readers.first(where: { $0.name == "input.left" }),
      let right = readers.first(where: { $0.name == "input.right" })
    {
      viewInputs = (left.output, right.output)
    } else {
      viewInputs = nil
    }
  }

  /// `steps` without those whose outputs nothing reads (directly or through later steps) and
  /// that are not in `keeping`: what a fused step (``InferencePlanCompiler``) replaced.
  static func withoutDeadSteps(_ steps: [Step], keeping: [Int]) -> [Step] {
    var live = Set(keeping)
    var kept: [Step] = []
    for step in steps.reversed() where live.contains(step.output) {
      live.formUnion(step.inputs)
      kept.append(step)
    }
    return kept.reversed()
  }

  /// The left view's disparity and confidences.
  ///
  /// For a coarse-to-fine network these are the finest scale's: its offset distribution's
  /// expectation plus the base disparity `d0`, and that distribution's peak and entropy
  /// (`D` = the number of offsets).
  ///
  /// - Parameter input: `[N, H, W, 6]` (left RGB, right RGB), H and W multiples of
  ///   ``WNetConfiguration/sizeMultiple``.
  /// - Returns: `[N, H, W, 1]` each: expected disparity, peak probability, `1 − H/ln D`.
  public func callAsFunction(_ input: Tensor) -> (
    disparity: Tensor, peak: Tensor, confidence: Tensor
  ) {
    let scores = scores(input)
    return Profiler.measure("softmax+expectation") {
      DisparityConfidence.summarize(
        logits: scores.logits!, minimumDisparity: minimumDisparity, base: scores.base)
    }
  }

  /// ``callAsFunction(_:)`` on the views given apart, `[N, H, W, 3]` each: the same values,
  /// without concatenating them first where the network splits them at once.
  public func callAsFunction(left: Tensor, right: Tensor) -> (
    disparity: Tensor, peak: Tensor, confidence: Tensor
  ) {
    let scores = scores(left: left, right: right)
    return Profiler.measure("softmax+expectation") {
      DisparityConfidence.summarize(
        logits: scores.logits!, minimumDisparity: minimumDisparity, base: scores.base)
    }
  }

  /// The left view's finest scores, `[N, H, W, D]` (over offsets around the base disparity for
  /// a coarse-to-fine network).
  public func logits(_ input: Tensor) -> Tensor { scores(input).logits! }

  /// ``scores(_:)`` of the views given apart, `[N, H, W, 3]` each: the split steps are skipped
  /// and their registers take the views (``viewInputs``); a network that reads the stacked
  /// input gets the concatenation.
  func scores(left: Tensor, right: Tensor, fusingHead: Bool = false) -> Scores {
    precondition(
      left.shape == right.shape && left.shape.count == 4 && left.shape[3] == 3,
      "The views must be [N, H, W, 3] of one shape, got \(left.shape) and \(right.shape)")
    guard let viewInputs else {
      return scores(
        Profiler.measure("input concat") { Tensor.concatenate([left, right], axis: 3) },
        fusingHead: fusingHead)
    }
    let (_, h, w, _) = left.nhwc("InferencePlan")
    checkSize(height: h, width: w, channels: 6)
    var registers = [Tensor?](repeating: nil, count: registerCount)
    registers[viewInputs.left] = left
    registers[viewInputs.right] = right
    return run(
      &registers, skipping: [viewInputs.left, viewInputs.right], fusingHead: fusingHead)
  }

  /// What a run hands on.
  ///
  /// The left view's finest scores and their base disparity (`nil` for absolute candidates),
  /// and the right view's in a ``ScoredViews/both`` plan. With a view's head fused
  /// (``fusedHead``, ``rightFusedHead``), its logits are `nil` and its head's input is there
  /// instead.
  struct Scores {
    var logits: Tensor?
    var headInput: Tensor?
    var base: Tensor?
    var rightLogits: Tensor?
    var rightHeadInput: Tensor?
    var rightBase: Tensor?
  }

  /// The finest scores and their base disparity (`nil` for absolute candidates), and the right
  /// view's in a ``ScoredViews/both`` plan; with `fusingHead`, the left head's input instead of
  /// its scores where ``fusedHead`` applies now.
  func scores(_ input: Tensor, fusingHead: Bool = false) -> Scores {
    let (_, h, w, c) = input.nhwc("InferencePlan")
    checkSize(height: h, width: w, channels: c)
    var registers = [Tensor?](repeating: nil, count: registerCount)
    registers[0] = input
    return run(&registers, skipping: [], fusingHead: fusingHead)
  }

  /// Traps unless the input is `[N, H, W, 6]` with `H` and `W` multiples of the size multiple.
  private func checkSize(height h: Int, width w: Int, channels c: Int) {
    let multiple = configuration.sizeMultiple
    precondition(
      c == 6 && h % multiple == 0 && w % multiple == 0,
      "The \(configuration.preset.rawValue) plan needs [N, H, W, 6] with H, W multiples of \(multiple), got \(h)x\(w)x\(c)"
    )
  }

  /// Runs every step but those writing `skipped` (already filled) and returns the results;
  /// with `fusingHead`, where ``fusedHead`` and ``rightFusedHead`` apply now, not those heads
  /// either (their inputs, which they read last, stay).
  private func run(_ registers: inout [Tensor?], skipping skipped: Set<Int>, fusingHead: Bool)
    -> Scores
  {
    let fusing = fusingHead && Tensor.narrowConvolutionPreferred
    let (head, rightHead) = fusing ? (fusedHead, rightFusedHead) : (nil, nil)
    return withoutGradients {
      for (index, step) in steps.enumerated()
      where !skipped.contains(step.output) && index != head?.step && index != rightHead?.step {
        let arguments = step.inputs.map { registers[$0]! }
        registers[step.output] = Profiler.measure("step \(step.name)") { step.run(arguments) }
        for register in releases[index] { registers[register] = nil }
      }
      return Scores(
        logits: head == nil ? registers[result]! : nil,
        headInput: head.map { registers[$0.input]! }, base: base.map { registers[$0]! },
        rightLogits: rightHead == nil ? rightResult.map { registers[$0]! } : nil,
        rightHeadInput: rightHead.map { registers[$0.input]! },
        rightBase: rightBase.map { registers[$0]! })
    }
  }
}

/// Turns a network definition into ``InferencePlan`` steps; values are register indices
/// (register 0 is the input).
///
/// Fusion: a concatenation of a view's features with their correlation against the other view's
/// features warped by a base disparity (a refinement scale's input) becomes one
/// ``OffsetSelection/refinementInput(features:other:baseDisparity:side:radius:)`` step; the warp
/// and correlation steps it replaces are dropped when nothing else reads them
/// (``InferencePlan/withoutDeadSteps(_:keeping:)``).
struct InferencePlanCompiler: NetworkBuilder {
  var steps: [InferencePlan.Step] = []
  var registerCount = 1
  /// The warp steps' arguments, by output register.
  var warps: [Int: (source: Int, disparity: Int, side: StereoSide)] = [:]
  /// The fused refinement-input steps' arguments, by output register.
  var refinementInputs:
    [Int: (features: Int, other: Int, base: Int, side: StereoSide, radius: Int)] =
      [:]
  /// The narrow-kernel steps without ReLU and with at most eight outputs (heads), by output
  /// register: their input, filter and bias (``InferencePlan/fusedHead``).
  var narrowHeads: [Int: (input: Int, filter: Tensor, bias: Tensor?)] = [:]
  /// The refinement whose right-view base is propagated whatever the configuration says.
  var rightPropagatedRefinement: Int?
  /// The correlation steps' arguments, by output register.
  var correlations:
    [Int: (
      left: Int, right: Int, minimumDisparity: Int, candidateCount: Int, view: CorrelationView
    )] =
      [:]

  mutating func add(_ inputs: [Int], _ name: String, _ run: @escaping ([Tensor]) -> Tensor) -> Int {
    let output = registerCount
    registerCount += 1
    steps.append(InferencePlan.Step(inputs: inputs, output: output, name: name, run: run))
    return output
  }

  /// A folded convolution step, with ReLU fused when `relu`.
  ///
  /// A 3×3, stride-1, padding-1 convolution with at most sixteen outputs and at least four
  /// inputs runs on ``StereoTensor/Tensor/narrowConvolution3x3(_:channels:filter:bias:relu:)``
  /// where the CPU allows (oneDNN wastes most of its 16-channel vectors on these layers; with 3
  /// inputs, the RGB features, both took 1.33 ms at 640×480, so oneDNN keeps those; the
  /// `slimFullScale` head, 4→5, took 3.1 ms on oneDNN with AVX2 and its summary 2.2 more, against
  /// one fused step on the narrow kernel). On a fused
  /// refinement input (the full-resolution scale's), it reads the input as it is built
  /// (``OffsetSelection/refinementConvolution(features:other:baseDisparity:side:radius:filter:bias:relu:)``).
  /// Where ``StereoTensor/Tensor/narrowConvolutionPreferred`` is false when the step runs
  /// (bfloat16 on AMX with the kernel's AMX variant turned off), such a layer runs on oneDNN
  /// instead, its fused input built first.
  ///
  /// A wider 3×3, stride-1, padding-1 convolution (more than sixteen outputs, a multiple of
  /// eight, from at least sixteen inputs) runs on
  /// ``StereoTensor/Tensor/winogradConvolution3x3(_:filter:bias:relu:)`` where
  /// ``StereoTensor/Tensor/winogradConvolutionPreferred(outputs:)`` (wherever oneDNN would not
  /// run it on AMX, or its outputs fill no whole AMX tile), its filter transformed once, when it
  /// first runs there; elsewhere on oneDNN. Every other convolution runs on oneDNN, in `Float`
  /// where it has few inputs and bfloat16 has no AMX, or its outputs fill no whole tile and
  /// bfloat16 has AMX
  /// (``StereoTensor/Backends/inferenceConvolutionBackend(inputChannels:outputs:)``).
  mutating func folded(_ x: Int, _ folded: FoldedConvolution, relu: Bool, name: String) -> Int {
    let (filter, bias, g) = (folded.filter, folded.bias, folded.geometry)
    let activation: Activation? = relu ? .relu : nil
    if Tensor.narrowConvolutionAvailable, filter.shape.count == 4,
      filter.shape[1] == 3, filter.shape[2] == 3,
      filter.shape[0] <= Tensor.narrowConvolutionMaximumOutputs, filter.shape[3] >= 4,
      g == ConvolutionGeometry(stride: 1, padding: 1)
    {
      if let input = refinementInputs[x] {
        // The refinement input is built row by row into the convolution's planes; its own step
        // is dropped when nothing else reads it.
        return add([input.features, input.other, input.base], name) {
          guard Tensor.narrowConvolutionPreferred else {
            let built = OffsetSelection.refinementInput(
              features: $0[0], other: $0[1], baseDisparity: $0[2], side: input.side,
              radius: input.radius)
            return Backends.current.convolution2DInference(
              built, filter: filter, bias: bias, geometry: g, activation: activation)
          }
          return OffsetSelection.refinementConvolution(
            features: $0[0], other: $0[1], baseDisparity: $0[2], side: input.side,
            radius: input.radius, filter: filter, bias: bias, relu: relu)
        }
      }
      let channels = 0..<filter.shape[3]
      if !relu && filter.shape[0] <= 8 {
        narrowHeads[registerCount] = (x, filter, bias)
      }
      return add([x], name) {
        guard Tensor.narrowConvolutionPreferred else {
          return Backends.current.convolution2DInference(
            $0[0], filter: filter, bias: bias, geometry: g, activation: activation)
        }
        return Tensor.narrowConvolution3x3(
          $0[0], channels: channels, filter: filter, bias: bias, relu: relu)
      }
    }
    if Tensor.winogradConvolutionAvailable, filter.shape.count == 4, filter.shape[1] == 3,
      filter.shape[2] == 3, filter.shape[0] > Tensor.narrowConvolutionMaximumOutputs,
      filter.shape[0] % 8 == 0, filter.shape[3] >= 16,
      g == ConvolutionGeometry(stride: 1, padding: 1)
    {
      let transformed = LazyWinogradFilter(filter)
      let outputs = filter.shape[0]
      return add([x], name) {
        guard Tensor.winogradConvolutionPreferred(outputs: outputs) else {
          return Backends.current.convolution2DInference(
            $0[0], filter: filter, bias: bias, geometry: g, activation: activation)
        }
        return Tensor.winogradConvolution3x3(
          $0[0], filter: transformed.value, bias: bias, relu: relu)
      }
    }
    // The rest on oneDNN, few-channel layers in `Float` where bfloat16 has no AMX, and layers
    // whose outputs fill no whole tile in `Float` where it has AMX.
    let (inputChannels, outputs) = (filter.shape.last ?? 0, filter.shape.first ?? 0)
    return add([x], name) {
      Backends.inferenceConvolutionBackend(inputChannels: inputChannels, outputs: outputs)
        .convolution2DInference(
          $0[0], filter: filter, bias: bias, geometry: g, activation: activation)
    }
  }

  mutating func convBatchNormReLU(_ x: Int, _ unit: ConvBatchNormReLU, name: String) -> Int {
    folded(x, FoldedConvolution(unit.conv, foldingIn: unit.norm), relu: true, name: name)
  }

  mutating func depthwiseSeparable(_ x: Int, _ block: DepthwiseSeparableBlock, name: String) -> Int
  {
    let depthwise = convBatchNormReLU(x, block.depthwise, name: "\(name).depthwise")
    return convBatchNormReLU(depthwise, block.pointwise, name: "\(name).pointwise")
  }

  mutating func separableReLUBatchNorm(_ x: Int, _ unit: SeparableReLUBatchNorm, name: String)
    -> Int
  {
    var convolved = x
    if let separable = unit.separable {
      convolved = folded(
        x, FoldedConvolution(separable.depthwise), relu: false, name: "\(name).depthwise")
      convolved = folded(
        convolved, FoldedConvolution(separable.pointwise), relu: true, name: "\(name).pointwise")
    } else if let full = unit.full {
      convolved = folded(x, FoldedConvolution(full), relu: true, name: "\(name).conv")
    }
    // The batch norm follows the ReLU, so it cannot fold into the convolution.
    let norm = unit.norm
    let (scale, shift) = (norm.scale.value, norm.shift.value)
    let (mean, variance) = (norm.runningMean.value, norm.runningVariance.value)
    return add([convolved], "\(name).bn") {
      $0[0].batchNormalized(
        scale: scale, shift: shift, mean: mean, variance: variance, epsilon: norm.epsilon)
    }
  }

  mutating func convolution(_ x: Int, _ layer: Conv2D, outputChannels: Range<Int>?, name: String)
    -> Int
  {
    folded(x, FoldedConvolution(layer, outputChannels: outputChannels), relu: false, name: name)
  }

  mutating func separableConvolution(_ x: Int, _ layer: SeparableConv2D, name: String) -> Int {
    let depthwise = folded(
      x, FoldedConvolution(layer.depthwise), relu: false, name: "\(name).depthwise")
    return folded(
      depthwise, FoldedConvolution(layer.pointwise), relu: false, name: "\(name).pointwise")
  }

  mutating func transposedConvolution(_ x: Int, _ layer: TransposedConv2D, name: String) -> Int {
    let (filter, bias, stride) = (layer.filter.value, layer.bias?.value, layer.stride)
    return add([x], name) {
      Backends.current.transposedConvolution2D($0[0], filter: filter, bias: bias, stride: stride)
    }
  }

  mutating func maxPool(_ x: Int, size: Int, name: String) -> Int {
    add([x], name) { Backends.current.maxPool2D($0[0], size: size).output }
  }

  mutating func upsampled2xConcatenated(_ x: Int, _ skip: Int, name: String) -> Int {
    add([x, skip], name) { Tensor.upsampled2xConcatenated($0[0], $0[1]) }
  }

  mutating func concatenated(_ values: [Int], name: String) -> Int {
    if values.count == 2, let fused = refinementInput(values[0], values[1], name: name) {
      return fused
    }
    return add(values, name) { Tensor.concatenate($0, axis: 3) }
  }

  /// The fused step for `concat([features, correlation(features, warp(other, d0))])` over the
  /// offsets `−r…r` indexed by the features' view, or `nil` when `volume` is not that.
  mutating func refinementInput(_ features: Int, _ volume: Int, name: String) -> Int? {
    guard let correlation = correlations[volume] else { return nil }
    let (own, warpedRegister) =
      correlation.view == .left
      ? (correlation.left, correlation.right) : (correlation.right, correlation.left)
    let r = -correlation.minimumDisparity
    guard own == features, let warp = warps[warpedRegister],
      warp.side == (correlation.view == .left ? .left : .right),
      (0...3).contains(r), correlation.candidateCount == 2 * r + 1
    else { return nil }
    let side = warp.side
    let output = add([features, warp.source, warp.disparity], name) {
      OffsetSelection.refinementInput(
        features: $0[0], other: $0[1], baseDisparity: $0[2], side: side, radius: r)
    }
    refinementInputs[output] = (features, warp.source, warp.disparity, side, r)
    return output
  }

  mutating func channels(_ x: Int, _ range: Range<Int>, name: String) -> Int {
    add([x], name) { $0[0].slice(axis: 3, range) }
  }

  mutating func scaledSum(_ x: Int, _ y: Int, scale: Parameter, name: String) -> Int {
    let factor = scale.value.scalars[0]
    return add([x, y], name) { $0[0] + $0[1].scaled(by: factor) }
  }

  mutating func mean(_ values: [Int], name: String) -> Int {
    add(values, name) { tensors in
      tensors.dropFirst().reduce(tensors[0], +).scaled(by: 1 / Float(tensors.count))
    }
  }

  mutating func dropout(_ x: Int, rate: Float, name: String) -> Int { x }

  mutating func rmsNormalized(_ x: Int, epsilon: Float, name: String) -> Int {
    add([x], name) { Tensor.rmsNormalized($0[0], epsilon: epsilon) }
  }

  mutating func correlation(
    _ left: Int, _ right: Int, minimumDisparity: Int, candidateCount: Int, view: CorrelationView,
    name: String
  ) -> Int {
    let output = add([left, right], name) {
      Tensor.correlation(
        left: $0[0], right: $0[1], minimumDisparity: minimumDisparity,
        candidateCount: candidateCount, view: view)
    }
    correlations[output] = (left, right, minimumDisparity, candidateCount, view)
    return output
  }

  mutating func expectedDisparity(
    _ logits: Int, minimumDisparity: Int, candidateCount: Int, base: Int?, name: String
  ) -> Int {
    add([logits] + (base.map { [$0] } ?? []), name) {
      DisparityConfidence.expectedDisparity(
        logits: $0[0], minimumDisparity: minimumDisparity, base: $0.count > 1 ? $0[1] : nil)
    }
  }

  /// The local expectation of a scale's scores; of a head on the narrow kernel, the head and the
  /// expectation in one kernel where it runs now (its scores' step then left out when nothing
  /// else reads them), else the head on oneDNN first.
  mutating func localExpectedDisparity(
    _ logits: Int, minimumDisparity: Int, candidateCount: Int, radius: Int, base: Int?,
    name: String
  ) -> Int {
    if let head = narrowHeads[logits] {
      return add([head.input] + (base.map { [$0] } ?? []), name) {
        let base = $0.count > 1 ? $0[1] : nil
        guard Tensor.narrowConvolutionPreferred else {
          let scores = Backends.current.convolution2DInference(
            $0[0], filter: head.filter, bias: head.bias,
            geometry: ConvolutionGeometry(stride: 1, padding: 1), activation: nil)
          return DisparityConfidence.localExpectedDisparity(
            logits: scores, minimumDisparity: minimumDisparity, radius: radius, base: base)
        }
        return DisparityConfidence.localExpectedDisparity(
          headInput: $0[0], filter: head.filter, bias: head.bias,
          minimumDisparity: minimumDisparity, radius: radius, base: base)
      }
    }
    return add([logits] + (base.map { [$0] } ?? []), name) {
      DisparityConfidence.localExpectedDisparity(
        logits: $0[0], minimumDisparity: minimumDisparity, radius: radius,
        base: $0.count > 1 ? $0[1] : nil)
    }
  }

  mutating func upsampledDisparity(_ disparity: Int, name: String) -> Int {
    add([disparity], name) { $0[0].upsampled2xScaled(by: 2) }
  }

  mutating func propagatedDisparity(
    _ disparity: Int, own: Int, other: Int, side: StereoSide, name: String
  ) -> Int {
    add([disparity, own, other], name) {
      DisparityPropagation.handOn($0[0], own: $0[1], other: $0[2], side: side)
    }
  }

  mutating func warped(_ features: Int, by disparity: Int, side: StereoSide, name: String) -> Int {
    let output = add([features, disparity], name) {
      OffsetSelection.warp($0[0], by: $0[1], side: side)
    }
    warps[output] = (features, disparity, side)
    return output
  }
}
