import Foundation
import Testing

@testable import StereoTensor

/// What oneDNN reports of the CPU against the kernel's own account, `/proc/cpuinfo`'s flags
/// (Linux; skipped elsewhere and where `DNNL_MAX_CPU_ISA` lowers oneDNN's view on purpose).
@Suite("The CPU's instruction set as oneDNN sees it", .tags(.oneDNN))
struct InstructionSetTests {
  /// The flags of the first processor in `/proc/cpuinfo`, or `nil` without that file.
  static var cpuFlags: Set<String>? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return nil }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }

  @Test("The instruction set, AMX and BF16 follow /proc/cpuinfo's flags")
  func followsCPUFlags() throws {
    guard ProcessInfo.processInfo.environment["DNNL_MAX_CPU_ISA"] == nil,
      let flags = Self.cpuFlags
    else { return }
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains)
    let expected =
      avx512 && flags.isSuperset(of: ["avx512_bf16", "amx_bf16", "amx_tile"])
      ? "AVX-512 with BF16 and AMX"
      : avx512 && flags.contains("avx512_bf16")
        ? "AVX-512 with BF16"
        : avx512 && flags.contains("avx512_vnni")
          ? "AVX-512 with VNNI"
          : avx512
            ? "AVX-512"
            : flags.contains("avx2") && flags.contains("avx_vnni")
              ? "AVX2 with VNNI" : flags.contains("avx2") ? "AVX2" : nil
    if let expected { #expect(DNNLBackend.instructionSet == expected) }
    #expect(DNNLBackend.amxSupported == (expected == "AVX-512 with BF16 and AMX"))
    #expect(DNNLBackend.bfloat16Supported == (expected?.hasPrefix("AVX-512 with BF16") ?? false))
  }
}
