internal import CStereoKernels
import Foundation

extension Tensor {
  /// Whether ``narrowConvolution3x3(_:channels:filter:bias:relu:)`` can run here: the CPU has
  /// AVX2 and FMA, and `WNET_NARROW_CONVOLUTION` is not `0` (which keeps oneDNN for every
  /// convolution, for comparison).
  public static let narrowConvolutionAvailable: Bool =
    ProcessInfo.processInfo.environment["WNET_NARROW_CONVOLUTION"] != "0"
    && wnet_narrow_conv3x3_available() != 0

  /// The output pixels per vector of the narrow convolution's kernels that this CPU runs: 8
  /// (AVX2 + FMA) and, where it has AVX-512, 16. Empty without
  /// ``narrowConvolutionAvailable``. Every entry gives the same result, bit for bit.
  public static let narrowConvolutionLaneChoices: [Int] =
    !narrowConvolutionAvailable ? [] : wnet_narrow_conv3x3_avx512_available() != 0 ? [8, 16] : [8]

  /// The lanes the narrow convolution uses by default: the widest of
  /// ``narrowConvolutionLaneChoices``, or 8 when `WNET_NARROW_CONVOLUTION` is `8` (AVX2, for
  /// comparison). At 640×480 the AVX-512 kernel takes about two thirds of the AVX2 kernel's
  /// time (BENCHMARKS.md).
  public static let narrowConvolutionLanes: Int =
    ProcessInfo.processInfo.environment["WNET_NARROW_CONVOLUTION"] == "8"
    ? 8 : narrowConvolutionLaneChoices.last ?? 8

  /// Whether this CPU runs the narrow convolution's bfloat16 kernel (AVX512-BF16, with 16 lanes).
  public static let narrowConvolutionBFloat16Supported: Bool =
    narrowConvolutionLaneChoices.contains(16) && wnet_narrow_conv3x3_bf16_available() != 0

  /// Whether the narrow convolution runs in bfloat16 by default here: where inference does
  /// (``Backends/currentInferencePrecision``), the CPU has the kernel
  /// (``narrowConvolutionBFloat16Supported``), ``narrowConvolutionLanes`` is 16 and
  /// `WNET_NARROW_BFLOAT16` is not `0` (which keeps it in `Float`, for comparison).
  public static var narrowConvolutionUsesBFloat16: Bool {
    narrowConvolutionBFloat16Default && Backends.currentInferencePrecision == .bfloat16
  }

  private static let narrowConvolutionBFloat16Default: Bool =
    narrowConvolutionBFloat16Supported && narrowConvolutionLanes == 16
    && ProcessInfo.processInfo.environment["WNET_NARROW_BFLOAT16"] != "0"

  /// Whether this CPU runs the kernel on AMX tiles (AMX-TILE and AMX-BF16, enabled for this
  /// process): the bfloat16 kernel's rounded pairs, all outputs at once, one TDPBF16PS per tap.
  public static let narrowConvolutionAMXSupported: Bool =
    narrowConvolutionBFloat16Supported && wnet_narrow_conv3x3_amx_available() != 0

  /// Whether the bfloat16 kernel runs on AMX tiles by default here: where it runs in bfloat16
  /// (``narrowConvolutionUsesBFloat16``), the CPU has AMX (``narrowConvolutionAMXSupported``) and
  /// `WNET_NARROW_AMX` is not `0` (which keeps `vdpbf16ps`, for comparison).
  public static var narrowConvolutionUsesAMX: Bool {
    narrowConvolutionAMXDefault && narrowConvolutionUsesBFloat16
  }

  private static let narrowConvolutionAMXDefault: Bool =
    narrowConvolutionAMXSupported && ProcessInfo.processInfo.environment["WNET_NARROW_AMX"] != "0"

  /// Whether a network's narrow layers should run on this kernel rather than oneDNN now.
  ///
  /// That is always where ``narrowConvolutionAvailable``, except where inference runs in bfloat16
  /// (``Backends/currentInferencePrecision``), oneDNN runs it on AMX
  /// (``DNNLBackend/amxSupported``) and the kernel does not (``narrowConvolutionUsesAMX`` off by
  /// `WNET_NARROW_AMX=0`). There oneDNN's matrix tiles beat the `vdpbf16ps` kernel on every
  /// narrow layer, even with the kernel's fused input built separately: 0.87× the `matching`
  /// marked map's time at 640×480, for about a third more peak memory (docs/RUNS.md, "The narrow
  /// layers on oneDNN where it has AMX"). `WNET_NARROW_ON_AMX=1` keeps the kernel there;
  /// ``narrowConvolutionPreference`` overrides the choice within a task.
  public static var narrowConvolutionPreferred: Bool {
    narrowConvolutionAvailable
      && (narrowConvolutionPreference
        ?? !(narrowConvolutionYieldsToAMX && Backends.currentInferencePrecision == .bfloat16))
  }

  /// When set, ``narrowConvolutionPreferred`` within the task (if the kernel is available):
  /// `false` sends the narrow layers to oneDNN on any CPU, so that tests can compare the paths.
  @TaskLocal public static var narrowConvolutionPreference: Bool?

  private static let narrowConvolutionYieldsToAMX: Bool =
    DNNLBackend.amxSupported && !narrowConvolutionAMXDefault
    && ProcessInfo.processInfo.environment["WNET_NARROW_ON_AMX"] != "1"

  /// The widest output ``narrowConvolution3x3(_:channels:filter:bias:relu:)`` computes (in groups
  /// of up to eight channels, each group one pass over the input rows).
  public static let narrowConvolutionMaximumOutputs = 16

  /// A 3×3, stride-1 convolution padded by one zero pixel on every side, with few output
  /// channels, its bias and an optional ReLU in one pass (inference only, no gradient):
  ///
  ///     out[n, y, x, o] = act(b[o] + Σ_{ky, kx ∈ 0…2} Σ_{c < C} in[n, y+ky−1, x+kx−1, c₀ + c]
  ///                                                            · w[o, ky, kx, c])
  ///
  /// where `c₀ = channels.lowerBound`, so it can read a channel slice of a wider tensor in
  /// place. oneDNN vectorises such layers over blocks of 16 output channels, of which 5-8 are
  /// used; this kernel (C, `CStereoKernels`) puts eight (AVX2 + FMA) or sixteen (AVX-512)
  /// output pixels in a vector instead, each row's three input rows laid out one plane per
  /// channel. The plain definition above is its test oracle (`NarrowConvolutionTests`).
  ///
  /// With `bfloat16`, the inputs and weights are rounded to bfloat16 (to nearest, ties to even)
  /// and each pair of channels `(2k, 2k + 1)` of a tap is added by one `vdpbf16ps` (about half
  /// the time): `s ← (s + x₂ₖ₊₁·w₂ₖ₊₁) + x₂ₖ·w₂ₖ`, each product exact and each sum rounded to
  /// `Float`, in the order ky, k, kx after the bias (`NarrowConvolutionTests` has that definition
  /// too, and the kernel matches it bit for bit).
  ///
  /// - Parameters:
  ///   - input: `[N, H, W, C_total]`.
  ///   - channels: The `C` input channels read, within `0..<C_total`.
  ///   - filter: `[C_out, 3, 3, C]` (OHWI), `1 ≤ C_out ≤ 16`.
  ///   - bias: `[C_out]`, or `nil` for none.
  ///   - relu: Whether `act` is ReLU (else the identity).
  ///   - lanes: One of ``narrowConvolutionLaneChoices``.
  ///   - bfloat16: Whether to compute in bfloat16 (16 lanes, where
  ///     ``narrowConvolutionBFloat16Supported``).
  ///   - amx: With `bfloat16`, whether to compute on AMX tiles (where
  ///     ``narrowConvolutionAMXSupported``): the same rounded pairs, all outputs at once, one
  ///     TDPBF16PS per tap in the order ky, kx, its sums in the hardware's order (so within
  ///     float rounding of the definition above, not bit for bit).
  /// - Returns: `[N, H, W, C_out]`.
  /// - Precondition: ``narrowConvolutionAvailable``.
  public static func narrowConvolution3x3(
    _ input: Tensor, channels: Range<Int>, filter: Tensor, bias: Tensor?, relu: Bool,
    lanes: Int = narrowConvolutionLanes, bfloat16: Bool = narrowConvolutionUsesBFloat16,
    amx: Bool = narrowConvolutionUsesAMX
  ) -> Tensor {
    let (n, h, w, total) = input.nhwc("narrowConvolution3x3 input")
    precondition(
      channels.lowerBound >= 0 && channels.upperBound <= total && !channels.isEmpty,
      "narrowConvolution3x3: input \(input.shape), channels \(channels)")
    let source = UncheckedSendable(input.unsafePointer)
    let output = narrowConvolutionRows(
      inputShape: [n, h, w, channels.count], filter: filter, bias: bias, lanes: lanes,
      bfloat16: bfloat16, amx: amx, name: "conv.narrow 3x3"
    ) { rows, weights, biases, destination, scratch, mode in
      wnet_narrow_conv3x3_rows(
        source.value, Int32(h), Int32(w), Int32(total), Int32(channels.lowerBound),
        Int32(channels.count), weights, biases, Int32(filter.shape[0]), relu ? 1 : 0,
        Int32(lanes), mode, destination, Int32(rows.lowerBound),
        Int32(rows.upperBound), scratch)
    }
    return withExtendedLifetime(input) { output }
  }

  /// What the narrow convolutions share: the filter's checks, the output (`[N, H, W, C_out]`,
  /// or `[N, H, W, outputChannels]`), and the `N·H` rows split across threads, each range run by
  /// `rows(range, weights, biases, output, scratch)` with its own scratch for the C kernel.
  static func narrowConvolutionRows(
    inputShape shape: [Int], filter: Tensor, bias: Tensor?, lanes: Int, bfloat16: Bool,
    amx: Bool, name: String, outputChannels: Int? = nil,
    _ rows: (
      Range<Int>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>,
      UnsafeMutablePointer<Float>, Int32
    ) -> Void
  ) -> Tensor {
    precondition(shape.count == 4, "narrowConvolution3x3: input shape \(shape) must be NHWC")
    let (n, h, w, cin) = (shape[0], shape[1], shape[2], shape[3])
    let cout = filter.shape[0]
    precondition(
      narrowConvolutionAvailable && cin > 0 && filter.shape == [cout, 3, 3, cin]
        && (1...narrowConvolutionMaximumOutputs).contains(cout)
        && (bias == nil || bias!.shape == [cout]) && narrowConvolutionLaneChoices.contains(lanes)
        && (!bfloat16 || (lanes == 16 && narrowConvolutionBFloat16Supported))
        && (!amx || (bfloat16 && narrowConvolutionAMXSupported)),
      "narrowConvolution3x3: input \(shape), filter \(filter.shape), bias \(bias?.shape ?? []), "
        + "lanes \(lanes), bfloat16 \(bfloat16), amx \(amx)")
    // The C kernel's mode: 0 `Float`, 1 `vdpbf16ps`, 2 AMX tiles.
    let mode: Int32 = amx ? 2 : bfloat16 ? 1 : 0
    let output = Tensor(uninitializedShape: [n, h, w, outputChannels ?? cout])
    let pointers = UncheckedSendable(
      (filter.unsafePointer, bias?.unsafePointer, output.unsafeMutablePointer))
    let scratchCount = wnet_narrow_conv3x3_scratch_count(Int32(cin), Int32(w))
    Profiler.measure(amx ? name + ", AMX" : bfloat16 ? name + ", bfloat16" : name) {
      Parallel.forEachRange(n * h, minimumChunk: Swift.max(1, 4096 / Swift.max(1, w))) { range in
        let (weights, biases, destination) = pointers.value
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        rows(range, weights, biases, destination, scratch, mode)
      }
    }
    return withExtendedLifetime((filter, bias)) { output }
  }
}

extension Tensor {
  /// A head's narrow convolution ending in its scores' softmax expectation and peak.
  ///
  /// ``narrowConvolution3x3(_:channels:filter:bias:relu:lanes:bfloat16:amx:)`` of every input
  /// channel, without ReLU, for `C_out ≤ 8` scores `s_k` per pixel, their summary written
  /// instead of the scores:
  ///
  ///     e_k = exp(s_k − max_j s_j)    S = Σ_k e_k    d = first + (Σ_k k·e_k) / S + base    peak = 1/S
  ///
  /// with the exponential of ``VectorMath/expOfNonPositive(_:)`` (its constants `expConstants`
  /// as `CStereoKernels.h`'s `WNET_EXP_…` indices order them), each operation in the order of
  /// `wnet_softmax_summary8`: the same bits as the stored scores summarized there
  /// (StereoDepth's `DisparityConfidence.disparityAndPeak`), without writing and reading back
  /// `C_out` floats per pixel.
  ///
  /// - Parameters:
  ///   - input: `[N, H, W, C]`.
  ///   - filter: `[C_out, 3, 3, C]` (OHWI), `1 ≤ C_out ≤ 8`.
  ///   - bias: `[C_out]`, or `nil`.
  ///   - base: `[N, H, W, 1]`, or `nil` for none.
  ///   - first: The first candidate's value.
  ///   - expConstants: The exponential's constants (`WNET_EXP_CONSTANT_COUNT`).
  ///   - lanes: One of ``narrowConvolutionLaneChoices``.
  ///   - bfloat16: As for ``narrowConvolution3x3(_:channels:filter:bias:relu:lanes:bfloat16:amx:)``.
  ///   - amx: As there.
  /// - Returns: `[N, H, W, 1]` each: the expected disparity and the peak `1/S`.
  /// - Precondition: ``narrowConvolutionAvailable``.
  public static func narrowConvolution3x3Expectation(
    _ input: Tensor, filter: Tensor, bias: Tensor?, base: Tensor?, first: Float,
    expConstants: [Float], lanes: Int = narrowConvolutionLanes,
    bfloat16: Bool = narrowConvolutionUsesBFloat16, amx: Bool = narrowConvolutionUsesAMX
  ) -> (disparity: Tensor, peak: Tensor) {
    let peak = Tensor(uninitializedShape: input.shape.dropLast() + [1])
    let disparity = narrowConvolution3x3Summary(
      input, filter: filter, bias: bias, base: base, first: first, localRadius: -1, peak: peak,
      expConstants: expConstants, lanes: lanes, bfloat16: bfloat16, amx: amx)
    return (disparity, peak)
  }

  /// A head's narrow convolution ending in its scores' local expectation.
  ///
  /// ``narrowConvolution3x3Expectation(_:filter:bias:base:first:expConstants:lanes:bfloat16:amx:)``
  /// with a local expectation instead of the whole softmax: over the scores within `radius` of
  /// the first largest `s_b`,
  ///
  ///     e_k = exp(s_k − s_b) for |k − b| ≤ radius    d = first + (Σ_k k·e_k) / (Σ_k e_k) + base
  ///
  /// with the operations of `wnet_local_expected8`, in its order: the same bits as the stored
  /// scores' local expectation (StereoDepth's `DisparityConfidence.localExpectedDisparity`).
  ///
  /// - Parameters: As there, and `radius ≥ 0`.
  /// - Returns: `[N, H, W, 1]`.
  public static func narrowConvolution3x3LocalExpectation(
    _ input: Tensor, filter: Tensor, bias: Tensor?, base: Tensor?, first: Float, radius: Int,
    expConstants: [Float], lanes: Int = narrowConvolutionLanes,
    bfloat16: Bool = narrowConvolutionUsesBFloat16, amx: Bool = narrowConvolutionUsesAMX
  ) -> Tensor {
    precondition(radius >= 0, "narrowConvolution3x3LocalExpectation: radius \(radius)")
    return narrowConvolution3x3Summary(
      input, filter: filter, bias: bias, base: base, first: first,
      localRadius: Int32(Swift.min(radius, Int(Int32.max))), peak: nil,
      expConstants: expConstants, lanes: lanes, bfloat16: bfloat16, amx: amx)
  }

  /// The two summaries' shared path: the checks, the output, the rows (`localRadius` −1 for the
  /// whole softmax, writing `peak`).
  private static func narrowConvolution3x3Summary(
    _ input: Tensor, filter: Tensor, bias: Tensor?, base: Tensor?, first: Float,
    localRadius: Int32, peak: Tensor?, expConstants: [Float], lanes: Int, bfloat16: Bool,
    amx: Bool
  ) -> Tensor {
    let (n, h, w, c) = input.nhwc("narrowConvolution3x3Expectation input")
    precondition(
      filter.shape.count == 4 && (1...8).contains(filter.shape[0])
        && (base == nil || base!.shape == [n, h, w, 1]) && expConstants.count >= 11,
      "narrowConvolution3x3Expectation: filter \(filter.shape), base \(base?.shape ?? []), "
        + "input \(input.shape)")
    let pointers = UncheckedSendable(
      (input.unsafePointer, base?.unsafePointer, peak?.unsafeMutablePointer))
    let disparity = expConstants.withUnsafeBufferPointer { constants in
      let constants = UncheckedSendable(constants.baseAddress!)
      return narrowConvolutionRows(
        inputShape: [n, h, w, c], filter: filter, bias: bias, lanes: lanes, bfloat16: bfloat16,
        amx: amx, name: "conv.narrow 3x3 + expectation", outputChannels: 1
      ) { rows, weights, biases, destination, scratch, mode in
        let (source, bases, peaks) = pointers.value
        wnet_narrow_conv3x3_rows_expected(
          source, Int32(h), Int32(w), Int32(c), weights, biases, Int32(filter.shape[0]),
          Int32(lanes), mode, bases, first, constants.value, localRadius, destination, peaks,
          Int32(rows.lowerBound), Int32(rows.upperBound), scratch)
      }
    }
    return withExtendedLifetime((input, base, peak)) { disparity }
  }
}

/// Writes one input row into a narrow convolution's planes: `(row, planes, planeLength)`, row
/// `n·H + y`, channel `c` and column `x` at `planes[c · planeLength + 1 + x]`, nothing else.
public typealias NarrowConvolutionRowFill = (Int, UnsafeMutablePointer<Float>, Int) -> Void

extension Tensor {
  /// ``narrowConvolution3x3(_:channels:filter:bias:relu:)`` of an input that is never stored:
  /// each thread gets its own row writer from `makeFill` (with whatever scratch it needs) and
  /// is asked for every input row its output rows read, one row at a time, as the kernel lays
  /// rows out. Given the values a stored input holds, the output is the same, bit for bit. For
  /// a fused producer whose output would only be read back by this convolution (the
  /// full-resolution refinement input).
  ///
  /// - Parameters:
  ///   - shape: `[N, H, W, C]`, the input's shape.
  ///   - filter: `[C_out, 3, 3, C]` (OHWI), `1 ≤ C_out ≤ 16`.
  ///   - bias: `[C_out]`, or `nil` for none.
  ///   - relu: Whether `act` is ReLU (else the identity).
  ///   - lanes: One of ``narrowConvolutionLaneChoices``.
  ///   - bfloat16: As for the stored input's.
  ///   - amx: As for the stored input's.
  ///   - makeFill: Called once per thread, on that thread.
  /// - Returns: `[N, H, W, C_out]`.
  /// - Precondition: ``narrowConvolutionAvailable``.
  public static func narrowConvolution3x3(
    inputShape shape: [Int], filter: Tensor, bias: Tensor?, relu: Bool,
    lanes: Int = narrowConvolutionLanes, bfloat16: Bool = narrowConvolutionUsesBFloat16,
    amx: Bool = narrowConvolutionUsesAMX, makeFill: () -> NarrowConvolutionRowFill
  ) -> Tensor {
    narrowConvolutionRows(
      inputShape: shape, filter: filter, bias: bias, lanes: lanes, bfloat16: bfloat16,
      amx: amx, name: "conv.narrow 3x3, filled"
    ) { rows, weights, biases, destination, scratch, mode in
      var fill = makeFill()
      withUnsafeMutablePointer(to: &fill) { context in
        wnet_narrow_conv3x3_rows_filled(
          { context, row, planes, planeLength in
            context!.assumingMemoryBound(to: NarrowConvolutionRowFill.self).pointee(
              row, planes!, planeLength)
          }, context, Int32(shape[1]), Int32(shape[2]), Int32(shape[3]), weights, biases,
          Int32(filter.shape[0]), relu ? 1 : 0, Int32(lanes), mode, destination,
          Int32(rows.lowerBound), Int32(rows.upperBound), scratch)
      }
    }
  }
}
