import Foundation
import StereoDepth
import Testing

/// The peak-memory estimate and the refusal before a large inference.
@Suite("Inference memory") struct InferenceMemoryTests {
  @Test("The estimate is the documented formula, computed by hand")
  func formula() {
    // realtime, 1280x960 at full resolution: 250e6 + 1228800 · (1900 + 100) = 2.7076e9 bytes,
    // above the 2.39 GB measured (BENCHMARKS.md).
    let full = InferenceMemory.estimate(
      preset: .realtime, inputWidth: 1280, inputHeight: 960, workingWidth: 1280,
      workingHeight: 960)
    let expectedFull: Double = 250e6 + 1_228_800 * 2_000
    #expect(full == expectedFull)
    // With --adapt the working pixels cost 4.5 times more: 250e6 + 100·(1900·4.5) + 100·100.
    let adapting = InferenceMemory.estimate(
      preset: .realtime, inputWidth: 10, inputHeight: 10, workingWidth: 10, workingHeight: 10,
      adapting: true)
    let expectedAdapting: Double = 250e6 + 855_000 + 10_000  // 100 · 1900 · 4.5 = 855000
    #expect(adapting == expectedAdapting)
  }

  @Test("The memory available comes from WNET_MEMORY_LIMIT, else /proc/meminfo")
  func available() throws {
    #expect(InferenceMemory.availableBytes(environment: ["WNET_MEMORY_LIMIT": "1234"]) == 1234)
    let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
    let line = try #require(meminfo.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") })
    let kilobytes = try #require(Double(line.split(separator: " ")[1]))
    let read = try #require(InferenceMemory.availableBytes(environment: [:]))
    // MemAvailable moves between the two reads; within 10%.
    #expect(abs(read - kilobytes * 1024) < 0.1 * kilobytes * 1024)
  }
}
