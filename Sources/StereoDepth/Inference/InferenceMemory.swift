import Foundation

/// The peak memory of one inference, estimated from its size before it runs, and the check
/// that refuses one that cannot fit.
///
///     peak ≈ a_preset · (working pixels) + b · (input pixels)
///
/// `a` covers the network's activations, the selection layer's `D` channels and the plan's
/// buffers at the working resolution; `b` the decoded views, their resized copies and the
/// full-resolution outputs. Both were measured as peak resident memory (`/usr/bin/time -v`) at
/// two sizes per preset, the slope between them (BENCHMARKS.md, "Memory"), and rounded up:
/// realtime 1.79 KB and original 3.59 KB per working pixel, 85 B per input pixel. Test-time
/// adaptation trains on the pair: its working pixels cost ``adaptationFactor`` times more
/// (measured 4.1).
public enum InferenceMemory {
  /// Bytes per working pixel, by preset (measured; see BENCHMARKS.md).
  public static let bytesPerWorkingPixel: [WNetPreset: Double] = [
    .realtime: 1_900, .original: 3_700,
  ]
  /// Bytes per working pixel for a preset without a measurement: the largest measured.
  static var unmeasuredBytesPerWorkingPixel: Double {
    bytesPerWorkingPixel.values.max() ?? 2_000
  }
  /// Bytes per input pixel for the views and the outputs at the input's resolution.
  public static let bytesPerInputPixel: Double = 100
  /// How much more a working pixel costs with test-time adaptation (forward and backward).
  public static let adaptationFactor: Double = 4.5
  /// What the process needs besides (the binary, oneDNN, the model): 250 MB.
  public static let baseBytes: Double = 250_000_000

  /// The estimated peak, in bytes.
  public static func estimate(
    preset: WNetPreset, inputWidth: Int, inputHeight: Int, workingWidth: Int, workingHeight: Int,
    adapting: Bool = false
  ) -> Double {
    let working = Double(workingWidth) * Double(workingHeight)
    let input = Double(inputWidth) * Double(inputHeight)
    let perWorking = bytesPerWorkingPixel[preset] ?? unmeasuredBytesPerWorkingPixel
    return baseBytes + working * perWorking * (adapting ? adaptationFactor : 1)
      + input * bytesPerInputPixel
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
    adapting: Bool = false
  ) throws {
    guard let available = availableBytes() else { return }
    let needed = estimate(
      preset: preset, inputWidth: inputWidth, inputHeight: inputHeight,
      workingWidth: workingWidth, workingHeight: workingHeight, adapting: adapting)
    guard needed > available else { return }
    throw InferenceError(
      "a \(inputWidth)x\(inputHeight) pair (network at \(workingWidth)x\(workingHeight)"
        + (adapting ? ", adapting" : "") + ") needs about \(gigabytes(needed)) of memory, "
        + "more than the \(gigabytes(available)) available; use smaller images, or a larger "
        + "--max-disparity to run the network at a lower resolution")
  }

  /// "1.23 GB".
  static func gigabytes(_ bytes: Double) -> String {
    String(format: "%.2f GB", bytes / 1e9)
  }
}
