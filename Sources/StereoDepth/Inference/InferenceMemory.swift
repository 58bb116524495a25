import Foundation

/// The peak memory of one inference, estimated from its size before it runs, and the check
/// that refuses one that cannot fit.
///
///     peak ≈ a_preset · (working pixels) + b · (input pixels) + base
///
/// `a` covers the network's activations, the selection layer's `D` channels and the plan's
/// buffers at the working resolution; `b` the decoded views, their resized copies and the
/// full-resolution outputs. Both were measured as peak resident memory (`/usr/bin/time`) at
/// two sizes per preset, the slope between them (BENCHMARKS.md, "Inference memory per input
/// pixel"), with the buffer pool's room before growth (`DisparityEstimator.predict(…,
/// compactMemory: true)`, as `wnet infer`, `eval` and `demo` run), and rounded up: realtime 791,
/// original 2765 and matching 328 bytes per pixel, views and outputs included. Test-time
/// adaptation trains on the pair, so its working pixels cost more (a table of its own, measured
/// with `--adapt 1`: realtime 7740, matching 2005 bytes per pixel).
public enum InferenceMemory {
  /// Bytes per working pixel, by preset (measured; see BENCHMARKS.md).
  public static let bytesPerWorkingPixel: [WNetPreset: Double] = [
    .realtime: 800, .original: 2_800, .matching: 300,
  ]
  /// Bytes per working pixel with test-time adaptation, by preset (`original`: unmeasured,
  /// 4.5 times its inference figure before the pool's room before growth, 3700).
  public static let adaptationBytesPerWorkingPixel: [WNetPreset: Double] = [
    .realtime: 8_000, .original: 16_700, .matching: 2_200,
  ]
  /// Bytes per working pixel for a preset without a measurement: the largest measured.
  static func unmeasured(_ table: [WNetPreset: Double]) -> Double {
    table.values.max() ?? 20_000
  }
  /// How much more a working pixel costs when the network runs without the pool's room before
  /// growth (``DisparityEstimator/predict(left:right:maximumDisparity:keepProbabilities:adaptation:invalidPixels:compactMemory:)``
  /// with `compactMemory` off, as video does): the largest measured ratio, realtime's
  /// 1889 / 791 = 2.39, rounded up.
  public static let uncompactedFactor: Double = 2.5
  /// Bytes per input pixel for the views and the outputs at the input's resolution.
  public static let bytesPerInputPixel: Double = 100
  /// What the process needs besides (the binary, oneDNN, the model): 250 MB.
  public static let baseBytes: Double = 250_000_000

  /// The estimated peak, in bytes.
  ///
  /// - Parameter compact: Whether the network runs with the pool's room before growth; without
  ///   it (and without adaptation, whose figures already include it) the working pixels cost
  ///   ``uncompactedFactor`` times more.
  public static func estimate(
    preset: WNetPreset, inputWidth: Int, inputHeight: Int, workingWidth: Int, workingHeight: Int,
    adapting: Bool = false, compact: Bool = true
  ) -> Double {
    let working = Double(workingWidth) * Double(workingHeight)
    let input = Double(inputWidth) * Double(inputHeight)
    let table = adapting ? adaptationBytesPerWorkingPixel : bytesPerWorkingPixel
    let perWorking =
      (table[preset] ?? unmeasured(table)) * (compact || adapting ? 1 : uncompactedFactor)
    return baseBytes + working * perWorking + input * bytesPerInputPixel
  }

  /// The memory available to this process, in bytes: `WNET_MEMORY_LIMIT` when set (for tests
  /// and shared machines), else `MemAvailable` from `/proc/meminfo`; nil when unknown.
  public static func availableBytes(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Double? {
    if let text = environment["WNET_MEMORY_LIMIT"], let limit = Double(text), limit > 0 {
      return limit
    }
    guard let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
      return nil
    }
    for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kilobytes = Double(fields[1]) { return kilobytes * 1024 }
    }
    return nil
  }

  /// Throws when the estimate exceeds the memory available.
  ///
  /// - Throws: ``InferenceError`` with the estimate, the sizes and the memory available.
  public static func check(
    preset: WNetPreset, inputWidth: Int, inputHeight: Int, workingWidth: Int, workingHeight: Int,
    adapting: Bool = false, compact: Bool = true
  ) throws {
    guard let available = availableBytes() else { return }
    let needed = estimate(
      preset: preset, inputWidth: inputWidth, inputHeight: inputHeight,
      workingWidth: workingWidth, workingHeight: workingHeight, adapting: adapting,
      compact: compact)
    guard needed > available else { return }
    throw InferenceError(
      "a \(inputWidth)x\(inputHeight) pair (network at \(workingWidth)x\(workingHeight)"
        + (adapting ? ", adapting" : "") + ") needs about \(gigabytes(needed)) of memory, "
        + "more than the \(gigabytes(available)) available; use smaller images, or a larger "
        + "--max-disparity to run the network at a lower resolution", kind: .memory)
  }

  /// "1.23 GB".
  static func gigabytes(_ bytes: Double) -> String {
    String(format: "%.2f GB", bytes / 1e9)
  }
}
