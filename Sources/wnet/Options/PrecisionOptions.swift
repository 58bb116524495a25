import ArgumentParser
import StereoTensor

/// `--precision`: the arithmetic of the network's oneDNN inference convolutions.
///
/// `auto` (the default) is ``Backends/defaultInferencePrecision(singlePair:)``: bfloat16 where the
/// CPU has BF16, float32 elsewhere, float32 for a single pair where oneDNN has AMX, and float32
/// on Intel's CPUs with BF16 and no AMX.
/// `bfloat16` asked for on a CPU without it prints a note and runs in float32. Training stays
/// float32. `--bfloat16` is the earlier spelling of `--precision bfloat16`.
struct PrecisionOptions: ParsableArguments {
  enum Choice: String, ExpressibleByArgument, CaseIterable {
    case auto, float32, bfloat16
  }

  @Option(
    help: ArgumentHelp(
      "The arithmetic of the network's inference convolutions: bfloat16 (about 0.8x the time of "
        + "the marked map at 640x480, the same accuracy, slightly different values; without AMX "
        + "the wide layers stay float32, on the faster Winograd kernel), float32 (the ONNX "
        + "export's and the Swift reference's arithmetic: their maps within float rounding), or "
        + "auto: bfloat16 where the CPU has BF16 (AVX512-BF16 or AMX), else float32; float32 "
        + "for a single pair (infer, demo) where it has AMX, whose bfloat16 kernels take long to "
        + "build for each new size; and float32 on Intel's CPUs with BF16 but no AMX, whose "
        + "bfloat16 kernels are slower. Training is float32.",
      valueName: "auto|float32|bfloat16"))
  var precision: Choice = .auto

  @Flag(help: .hidden)
  var bfloat16 = false

  /// `--precision` or `--bfloat16` when given, for the commands' checks where no network runs.
  var givenOption: String? {
    bfloat16 ? "--bfloat16" : precision != .auto ? "--precision" : nil
  }

  /// The choice after the `--bfloat16` alias.
  var choice: Choice { bfloat16 ? .bfloat16 : precision }

  mutating func validate() throws {
    if bfloat16 && precision != .auto && precision != .bfloat16 {
      throw ValidationError("'--bfloat16' and '--precision \(precision.rawValue)' disagree.")
    }
  }

  /// Runs `body` on the backend the choice asks for; `auto` is
  /// ``Backends/defaultInferencePrecision(singlePair:)`` (`singlePair`: the command maps one pair
  /// of each size it meets).
  func run<R>(singlePair: Bool = false, _ body: () throws -> R) throws -> R {
    let precision: DNNLBackend.Precision
    switch choice {
    case .auto: precision = Backends.defaultInferencePrecision(singlePair: singlePair)
    case .float32: precision = .float32
    case .bfloat16: precision = .bfloat16
    }
    // Only an explicit bfloat16 can lack its backend: `auto` falls back to float32 itself.
    guard let backend = Backends.backend(precision: precision) else {
      Console.note(
        "note: --precision bfloat16: \(Backends.current.name) on this CPU has no bfloat16 "
          + "convolutions; running in float32.")
      return try body()
    }
    return try withBackend(backend, body)
  }
}
