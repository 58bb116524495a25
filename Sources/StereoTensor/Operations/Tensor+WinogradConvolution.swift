internal import CStereoKernels
import Foundation
import Synchronization

/// A 3×3 filter transformed once for ``Tensor/winogradConvolution3x3(_:filter:bias:relu:)``.
///
/// `U[pos, c, o] = (G g_{o,c} Gᵀ)[pos / 6, pos % 6]` with
///
///     G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
///
/// for each output `o` and input channel `c` (`[36, C_in rounded up to 8, C_out]`, the padding
/// channels zero), F(4×4, 3×3)'s filter transform.
public struct WinogradFilter: Sendable {
  /// `C_in`.
  public let inputChannels: Int
  /// `C_out`, a multiple of 8.
  public let outputChannels: Int
  let transformed: [Float]

  /// Transforms `filter`, `[C_out, 3, 3, C_in]` (OHWI), `C_out` a multiple of 8.
  public init(_ filter: Tensor) {
    precondition(
      filter.rank == 4 && filter.shape[1] == 3 && filter.shape[2] == 3 && filter.shape[3] > 0
        && filter.shape[0] > 0 && filter.shape[0] % 8 == 0,
      "WinogradFilter: filter \(filter.shape) must be [C_out (a multiple of 8), 3, 3, C_in]")
    (outputChannels, inputChannels) = (filter.shape[0], filter.shape[3])
    let (cin, cout) = (Int32(inputChannels), Int32(outputChannels))
    let count = wnet_winograd_filter_count(cin, cout)
    let weights = filter.scalars
    transformed = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      wnet_winograd_filter(weights, cin, cout, buffer.baseAddress!)
      initialized = count
    }
  }
}

/// A ``WinogradFilter`` made on first use, once, from any thread: for a compiled plan whose layer
/// may never run on the Winograd kernel (bfloat16 on AMX), so that it neither transforms nor
/// keeps the filter there.
public final class LazyWinogradFilter: Sendable {
  private let filter: Tensor
  private let made = Mutex<WinogradFilter?>(nil)

  /// Keeps `filter`, `[C_out, 3, 3, C_in]` (OHWI), `C_out` a multiple of 8.
  public init(_ filter: Tensor) {
    precondition(
      filter.rank == 4 && filter.shape[0] % 8 == 0,
      "LazyWinogradFilter: filter \(filter.shape) must be [C_out (a multiple of 8), 3, 3, C_in]")
    self.filter = filter
  }

  /// The transformed filter (made on the first call).
  public var value: WinogradFilter {
    made.withLock { made in
      if let made { return made }
      let transformed = WinogradFilter(filter)
      made = transformed
      return transformed
    }
  }
}

extension Tensor {
  /// Whether ``winogradConvolution3x3(_:filter:bias:relu:)`` can run here: the CPU has AVX2 and
  /// FMA, and `WNET_WINOGRAD` is not `0` (which keeps oneDNN for every convolution, for
  /// comparison).
  public static let winogradConvolutionAvailable: Bool =
    ProcessInfo.processInfo.environment["WNET_WINOGRAD"] != "0"
    && wnet_winograd_conv3x3_available() != 0

  /// Whether a network's wide 3×3 layers run on the Winograd kernel rather than oneDNN now.
  ///
  /// That is where it is available and oneDNN would not run them on AMX: inference in `Float`
  /// (``Backends/currentInferencePrecision``), or in bfloat16 where oneDNN has no AMX
  /// (``DNNLBackend/amxSupported``). In `Float` it beat oneDNN's direct convolutions with AVX2
  /// (the `matching` marked map at 640×480 in 0.79-0.81× the time) and with AVX-512 (0.92×); in
  /// bfloat16 without AMX (AVX512-BF16, as on AMD's Zen 4 and 5, emulated on a Xeon) it took
  /// 0.83× the time, those layers then computed in `Float` (the label-free judges 17.042
  /// against 17.075), BENCHMARKS.md. On AMX oneDNN's tiles are far faster.
  /// ``winogradConvolutionPreference`` overrides the choice within a task.
  public static var winogradConvolutionPreferred: Bool {
    winogradConvolutionAvailable
      && (winogradConvolutionPreference
        ?? (Backends.currentInferencePrecision == .float32 || !DNNLBackend.amxSupported))
  }

  /// ``winogradConvolutionPreferred`` for a layer of `outputs` outputs: also on AMX in bfloat16
  /// when the layer stays off the tiles (``Backends/keepsOffTiles(outputs:)``).
  public static func winogradConvolutionPreferred(outputs: Int) -> Bool {
    winogradConvolutionAvailable
      && (winogradConvolutionPreference
        ?? (winogradConvolutionPreferred || Backends.keepsOffTiles(outputs: outputs)))
  }

  /// When set, ``winogradConvolutionPreferred`` within the task (if the kernel is available), so
  /// that tests can compare the paths.
  @TaskLocal public static var winogradConvolutionPreference: Bool?

  /// A 3×3, stride-1 convolution padded by one zero pixel on every side, its bias and an
  /// optional ReLU in one pass (inference only, no gradient), by Winograd's F(4×4, 3×3).
  ///
  /// The convolution (Lavin and Gray 2016 for the algorithm):
  ///
  ///     out[n, y, x, o] = act(b[o] + Σ_{ky, kx ∈ 0…2} Σ_{c < C} in[n, y+ky−1, x+kx−1, c]
  ///                                                            · w[o, ky, kx, c])
  ///
  /// computed per 4×4 block of outputs from the 6×6 inputs `d` around it as
  /// `Aᵀ [Σ_c U_c ⊙ (Bᵀ d_c B)] A` (`U` = ``WinogradFilter``; `Bᵀ` and `Aᵀ` the transforms at
  /// the points 0, ±1, ±2 and ∞): 36 multiply-adds per channel pair per block where the direct
  /// sum takes 144. With AVX2 alone, oneDNN's direct convolutions already run near the FMA
  /// units' peak, so this is the one way to make them cheaper (BENCHMARKS.md). Within float
  /// rounding of the definition above (about 1e-5 of the sums' size), not bit for bit
  /// (`WinogradConvolutionTests`).
  ///
  /// - Parameters:
  ///   - input: `[N, H, W, C_in]`.
  ///   - filter: The transformed `[C_out, 3, 3, C_in]` filter.
  ///   - bias: `[C_out]`, or `nil` for none.
  ///   - relu: Whether `act` is ReLU (else the identity).
  /// - Returns: `[N, H, W, C_out]`.
  /// - Precondition: ``winogradConvolutionAvailable``.
  public static func winogradConvolution3x3(
    _ input: Tensor, filter: WinogradFilter, bias: Tensor?, relu: Bool
  ) -> Tensor {
    let (n, h, w, cin) = input.nhwc("winogradConvolution3x3 input")
    let cout = filter.outputChannels
    precondition(
      winogradConvolutionAvailable && cin == filter.inputChannels
        && (bias == nil || bias!.shape == [cout]),
      "winogradConvolution3x3: input \(input.shape), filter [\(cout), 3, 3, "
        + "\(filter.inputChannels)], bias \(bias?.shape ?? [])")
    let output = Tensor(uninitializedShape: [n, h, w, cout])
    let scratchCount = wnet_winograd_scratch_count(Int32(cin), Int32(cout))
    let tileRows = n * ((h + 3) / 4)
    filter.transformed.withUnsafeBufferPointer { u in
      let pointers = UncheckedSendable(
        (input.unsafePointer, u.baseAddress!, bias?.unsafePointer, output.unsafeMutablePointer))
      Profiler.measure("conv.winograd 3x3") {
        // A tile row of the coarse layers is hundreds of thousands of multiply-adds: any share.
        Parallel.forEachRange(tileRows, minimumChunk: 1) { range in
          let (source, u, biases, destination) = pointers.value
          // From the pool: fresh pages for every call would fault on every call.
          let scratch = BufferPool.shared.allocate(count: scratchCount)
          defer { BufferPool.shared.release(scratch.pointer, capacity: scratch.capacity) }
          wnet_winograd_conv3x3_rows(
            source, Int32(h), Int32(w), Int32(cin), u, biases, Int32(cout), relu ? 1 : 0,
            destination, Int32(range.lowerBound), Int32(range.upperBound), scratch.pointer)
        }
      }
    }
    return withExtendedLifetime((input, bias)) { output }
  }
}
