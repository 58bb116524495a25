import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

/// What a user of the library or a moved binary meets: the model lookup, the version.
@Suite("Packaging: model lookup and version", .serialized)
struct PackagingTests {
  /// Runs the `wnet` at `binary` with extra environment variables.
  static func run(_ binary: URL, _ arguments: [String], environment extra: [String: String] = [:])
    throws -> CommandLineErrorTests.Outcome
  {
    try CommandLineErrorTests.run(arguments, environment: extra, binary: binary)
  }

  /// ``run(_:_:environment:)`` for a binary just written: while a process that another test
  /// forked in the meantime still holds the copy's write descriptor (inherited until it execs),
  /// starting the copy fails with ETXTBSY ("Text file busy"), so that is retried for up to
  /// about two seconds.
  static func runFreshCopy(_ binary: URL, _ arguments: [String]) throws
    -> CommandLineErrorTests.Outcome
  {
    for _ in 0..<20 {
      do {
        return try run(binary, arguments)
      } catch let error as NSError {
        let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
        guard underlying?.domain == NSPOSIXErrorDomain && underlying?.code == Int(ETXTBSY)
        else { throw error }
        Thread.sleep(forTimeInterval: 0.1)
      }
    }
    return try run(binary, arguments)
  }

  @Test("A missing WNET_MODEL is a one-line error naming the path, exit status 1, no crash")
  func missingModel() throws {
    let binary = try #require(CommandLineErrorTests.binary)
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let pair = folder.appendingPathComponent("p.png")
    try ImageIO.writePNG(Image(width: 16, height: 16, channels: 3, repeating: 0.5), to: pair)
    let missing = folder.appendingPathComponent("moved/wnet-realtime.safetensors").path
    let outcome = try Self.run(
      binary, ["infer", pair.path, pair.path, "-o", folder.path],
      environment: ["WNET_MODEL": missing])
    #expect(outcome.status == 1, "status \(outcome.status): \(outcome.standardError)")
    let lines = outcome.standardError.split(separator: "\n")
    #expect(lines.count == 1, "\(outcome.standardError)")
    #expect(outcome.standardError.contains(missing) && outcome.standardError.contains("WNET_MODEL"))
  }

  @Test("A binary copied away from its resource folder still finds the model (no SIGILL)")
  func movedBinary() throws {
    let binary = try #require(CommandLineErrorTests.binary)
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let copy = folder.appendingPathComponent("wnet")
    try FileManager.default.copyItem(at: binary, to: copy)
    let pair = folder.appendingPathComponent("p.png")
    try ImageIO.writePNG(Image(width: 16, height: 16, channels: 3, repeating: 0.5), to: pair)
    let outcome = try Self.runFreshCopy(
      copy, ["infer", pair.path, pair.path, "-o", folder.appendingPathComponent("out").path])
    #expect(outcome.status == 0, "status \(outcome.status): \(outcome.standardError)")
    // The candidates: beside the executable first, then the source tree.
    let candidates = PretrainedModel.candidates(for: .realtime).map(\.path)
    #expect(
      candidates.last?.hasSuffix("Sources/StereoDepth/Resources/wnet-realtime.safetensors") == true)
  }

  @Test("wnet --version and wnet version print the library's version")
  func version() throws {
    let binary = try #require(CommandLineErrorTests.binary)
    let flag = try Self.run(binary, ["--version"])
    #expect(flag.status == 0)
    #expect(
      flag.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        == "wnet \(WNetVersion.current)")
    let command = try Self.run(binary, ["version"])
    #expect(command.standardOutput.hasPrefix("wnet \(WNetVersion.current)\n"))
    // The second line names oneDNN's version and the instruction set it uses, which decides
    // the speed (and `DNNL_MAX_CPU_ISA` lowers).
    let lowered = try Self.run(binary, ["version"], environment: ["DNNL_MAX_CPU_ISA": "AVX2"])
    #expect(
      lowered.standardOutput.split(separator: "\n").dropFirst().first?
        .hasPrefix("oneDNN \(DNNLBackend.version) (AVX2") == true)
    // Semantic versioning: MAJOR.MINOR.PATCH.
    let parts = WNetVersion.current.split(separator: ".")
    #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
  }
}
