internal import CDNNL
internal import CStereoKernels
import Foundation
import Synchronization

/// The fast backend: oneDNN 2.6 for convolutions, transposed convolutions, batch norm, ReLU/ELU
/// forward, max-pooling and bilinear resizing forward, and tuned Swift ``Kernels`` for the rest
/// and wherever they measured faster (bilinear and activation backward passes; BENCHMARKS.md,
/// "Operations").
///
/// Primitives are created once per shape and cached (creating one costs 3-100 ms); memory objects
/// wrap tensor storage without copying. Activations are NHWC (plain NCHW falls back to kernels
/// 2-12x slower); wide 3×3 convolutions run Winograd on blocked copies (``ConvolutionPlan``).
/// Threads follow `OMP_NUM_THREADS` (oneDNN's OpenMP runtime and ``Parallel`` alike), all cores
/// by default.
///
/// Results agree with ``ReferenceBackend`` to a relative error of about 1e-5 (convolutions, which
/// sum hundreds of products in `Float`, to about 1e-4), never bit for bit: they depend on the
/// implementation oneDNN picks and on the thread count.
///
/// Should oneDNN refuse a primitive (an unimplemented combination, or out of memory), the call
/// falls back to ``ReferenceBackend``, prints one warning per kind of failure to standard error,
/// and records the error in ``errors``.
public final class DNNLBackend: Backend, @unchecked Sendable {
  /// The arithmetic of inference convolutions (``Backend/convolution2DInference``).
  public enum Precision: String, Sendable {
    /// `Float` throughout.
    case float32
    /// bfloat16 sources and filters (8 bits of mantissa), products summed in `Float`, a `Float`
    /// output; about 0.8× the time of the `matching` marked map on a CPU with AVX512-BF16.
    /// (Training convolutions stay `Float`: in bfloat16 a `matching` training step took only
    /// about 0.9× the time, BENCHMARKS.md.)
    case bfloat16
  }

  public var name: String { inferencePrecision == .float32 ? "oneDNN" : "oneDNN (bfloat16)" }

  /// The arithmetic of this backend's inference convolutions; training is always `Float`.
  public let inferencePrecision: Precision

  let engine: dnnl_engine_t
  let primitives = DNNLPrimitiveCache()
  let weightCache = DNNLWeightCache()
  let fallback = ReferenceBackend()
  private let recordedErrors = Mutex<[DNNLError]>([])

  private static let sharedResult = Result<DNNLBackend, DNNLError> { () throws(DNNLError) in
    try DNNLBackend()
  }

  private static let sharedBFloat16Result = Result<DNNLBackend, DNNLError> {
    () throws(DNNLError) in
    try DNNLBackend(inferencePrecision: .bfloat16)
  }

  /// Whether this CPU runs bfloat16 convolutions natively.
  ///
  /// That is AVX512-BF16 or AMX, as oneDNN sees it (`DNNL_MAX_CPU_ISA` lowers it). Without, oneDNN
  /// 2.6 has only slow kernels for them.
  public static var bfloat16Supported: Bool {
    let isa = dnnl_get_effective_cpu_isa().rawValue
    let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
    return isa & bf16 == bf16
  }

  /// Whether oneDNN runs bfloat16 convolutions on AMX's matrix tiles here (Xeon Sapphire Rapids
  /// and later), as it sees the CPU (`DNNL_MAX_CPU_ISA` lowers it).
  public static var amxSupported: Bool {
    let isa = dnnl_get_effective_cpu_isa().rawValue
    let amx = dnnl_cpu_isa_avx512_core_amx.rawValue
    return isa & amx == amx
  }

  /// Whether the CPU is Intel's (CPUID's vendor "GenuineIntel"), whose bfloat16 kernels without
  /// AMX are slower than `float32` (``Backends/automaticInferencePrecision(bfloat16:amx:intel:singlePair:)``).
  public static let cpuIsIntel: Bool = wnet_cpu_is_intel() != 0

  /// The widest instruction set oneDNN uses here, as it sees the CPU.
  ///
  /// `DNNL_MAX_CPU_ISA` lowers it. One of "AVX-512 with BF16 and AMX", "AVX-512 with BF16",
  /// "AVX-512 with VNNI", "AVX-512", "AVX2" (with or without VNNI), "AVX" or "SSE4.1". Speed
  /// depends on it more than on anything else, so `wnet version` prints it.
  public static var instructionSet: String {
    let isa = dnnl_get_effective_cpu_isa().rawValue
    let named: [(dnnl_cpu_isa_t, String)] = [
      (dnnl_cpu_isa_avx512_core_amx, "AVX-512 with BF16 and AMX"),
      (dnnl_cpu_isa_avx512_core_bf16, "AVX-512 with BF16"),
      (dnnl_cpu_isa_avx512_core_vnni, "AVX-512 with VNNI"),
      (dnnl_cpu_isa_avx512_core, "AVX-512"),
      (dnnl_cpu_isa_avx2_vnni, "AVX2 with VNNI"),
      (dnnl_cpu_isa_avx2, "AVX2"),
      (dnnl_cpu_isa_avx, "AVX"),
      (dnnl_cpu_isa_sse41, "SSE4.1"),
    ]
    return named.first { isa & $0.0.rawValue == $0.0.rawValue }?.1 ?? "no vector extension"
  }

  /// The process-wide backend whose inference convolutions run in bfloat16, or `nil` where the
  /// CPU lacks it (``bfloat16Supported``) or oneDNN cannot start.
  public static func sharedBFloat16() -> DNNLBackend? {
    bfloat16Supported ? try? sharedBFloat16Result.get() : nil
  }

  /// The process-wide backend on CPU engine 0.
  ///
  /// - Throws: ``DNNLError`` when oneDNN cannot create a CPU engine.
  public static func shared() throws(DNNLError) -> DNNLBackend { try sharedResult.get() }

  /// Creates a backend with its own engine and caches; ``shared()`` is the one to use.
  init(inferencePrecision: Precision = .float32) throws(DNNLError) {
    self.inferencePrecision = inferencePrecision
    _ = Parallel.threadCount  // caps OpenMP's threads before oneDNN's first parallel region
    var engine: dnnl_engine_t?
    try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
    self.engine = created(engine, "engine_create")
  }

  deinit {
    dnnl_engine_destroy(engine)
  }

  /// oneDNN's version, e.g. "2.6.3".
  public static var version: String {
    guard let version = dnnl_version() else { return "unknown" }
    return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.patch)"
  }

  /// The distinct oneDNN failures that made calls fall back to the reference backend, oldest
  /// first (each kind once).
  public var errors: [DNNLError] { recordedErrors.withLock { $0 } }

  /// The number of primitives created so far (each is created once per shape).
  public var cachedPrimitiveCount: Int { primitives.count }

  /// One line per cached primitive: its kind, shapes, and the implementation oneDNN picked
  /// (e.g. `jit:avx512_core`, as `DNNL_VERBOSE=1` prints it).
  public var primitiveDescriptions: [String] { primitives.descriptions }

  /// Runs the oneDNN path, or on a oneDNN failure records it and runs the reference.
  func withFallback<R>(
    _ fast: () throws(DNNLError) -> R, else slow: () -> R
  ) -> R {
    do {
      return try fast()
    } catch {
      let isNew = recordedErrors.withLock { errors in
        guard
          !errors.contains(where: { $0.operation == error.operation && $0.status == error.status })
        else { return false }
        errors.append(error)
        return true
      }
      if isNew {
        FileHandle.standardError.write(
          Data("warning: \(error); using the reference backend for this call\n".utf8))
      }
      return slow()
    }
  }
}
