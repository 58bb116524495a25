import Foundation
import StereoDepth
import Testing

/// The peak-memory estimate and the refusal before a large inference.
@Suite("Inference memory") struct InferenceMemoryTests {
  @Test("The estimate is the documented formula, computed by hand")
  func formula() {
    // realtime, 1280x960 at full resolution: 250e6 + 1228800 · (800 + 100) = 1.35592e9 bytes,
    // above the 1.13 GB measured (BENCHMARKS.md).
    let full = InferenceMemory.estimate(
      preset: .realtime, inputWidth: 1280, inputHeight: 960, workingWidth: 1280,
      workingHeight: 960)
    let expectedFull: Double = 250e6 + 1_228_800 * 900
    #expect(full == expectedFull)
    // matching, 2560x1920: 250e6 + 4915200 · (300 + 100) = 2.21608e9, above the 1.42 GB measured.
    let matching = InferenceMemory.estimate(
      preset: .matching, inputWidth: 2560, inputHeight: 1920, workingWidth: 2560,
      workingHeight: 1920)
    #expect(matching == 250e6 + 4_915_200 * 400)
    // Without room before growth (video), realtime's working pixels cost 800 · 2.5 = 2000.
    let uncompacted = InferenceMemory.estimate(
      preset: .realtime, inputWidth: 1280, inputHeight: 960, workingWidth: 1280,
      workingHeight: 960, compact: false)
    #expect(uncompacted == 250e6 + 1_228_800 * 2_100)
    // With --adapt the working pixels cost the adaptation table's 8000 (realtime).
    let adapting = InferenceMemory.estimate(
      preset: .realtime, inputWidth: 10, inputHeight: 10, workingWidth: 10, workingHeight: 10,
      adapting: true)
    let expectedAdapting: Double = 250e6 + 800_000 + 10_000  // 100 · 8000, 100 · 100
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
