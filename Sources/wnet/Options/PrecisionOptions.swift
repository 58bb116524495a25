import ArgumentParser
import StereoTensor

/// `--bfloat16`: the network's oneDNN inference convolutions in bfloat16.
///
/// That holds where the CPU has BF16 (``Backends/backend(precision:)``); elsewhere it prints a
/// note and runs in `Float`. Training stays `Float`.
struct PrecisionOptions: ParsableArguments {
  @Flag(
    help: ArgumentHelp(
      "Run the network's inference convolutions in bfloat16 where the CPU has BF16 "
        + "(AVX512-BF16 or AMX): faster (about 0.8x the time of the marked map at 640x480), with slightly different "
        + "values; elsewhere float32, with a note."))
  var bfloat16 = false

  /// Runs `body` on the backend `--bfloat16` asks for.
  func run<R>(_ body: () throws -> R) throws -> R {
    guard bfloat16 else { return try body() }
    guard let backend = Backends.backend(precision: .bfloat16) else {
      Console.note(
        "note: --bfloat16: \(Backends.current.name) on this CPU has no bfloat16 convolutions; "
          + "running in float32.")
      return try body()
    }
    return try withBackend(backend, body)
  }
}
