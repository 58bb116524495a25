import Foundation
import StereoData
import Testing

/// `wnet extract` in a network namespace with no interface at all (`unshare -n`), where
/// Foundation's `Process` hung forever after ffmpeg exited ("Could not create wakeup socket pair
/// for CFSocket"). Needs ffmpeg and a working `unshare -n` (root, or user namespaces).
@Suite("wnet without any network interface", .enabled(if: NoNetwork.isSupported))
struct NoNetworkTests {
  @Test("extract finishes and writes its pairs")
  func extract() throws {
    let binary = try #require(CommandLineErrorTests.binary)
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    // A 2-second side-by-side test pattern at 10 fps, 64x24 per view: 10 pairs at 5 fps.
    let video = folder.appendingPathComponent("sbs.mkv")
    let make = Process()
    make.executableURL = try ExternalTool.ffmpeg.location()
    make.arguments = [
      "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=128x24:rate=10:duration=2",
      "-c:v", "ffv1", video.path,
    ]
    try make.run()
    make.waitUntilExit()
    try #require(make.terminationStatus == 0)

    // `timeout` turns a hang into exit status 124 instead of a stuck test run.
    let run = Process()
    run.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    run.arguments = [
      "60", NoNetwork.unshare.path, "-n", binary.path, "extract", video.path, "--layout", "sbs",
      "--fps", "5", "-o", folder.appendingPathComponent("pairs").path,
    ]
    run.standardOutput = FileHandle.nullDevice
    run.standardError = FileHandle.nullDevice
    try run.run()
    run.waitUntilExit()
    #expect(run.terminationStatus == 0, "exit status \(run.terminationStatus) (124: it hung)")
    let left = try FileManager.default.contentsOfDirectory(
      atPath: folder.appendingPathComponent("pairs/left").path)
    #expect(left.count == 10)
  }
}

/// Whether this machine can run `wnet` with no network interface.
enum NoNetwork {
  static let unshare = URL(fileURLWithPath: "/usr/bin/unshare")

  static var isSupported: Bool {
    guard ExternalTool.ffmpeg.isAvailable, ExternalTool.ffprobe.isAvailable,
      FileManager.default.isExecutableFile(atPath: unshare.path)
    else { return false }
    let probe = Process()
    probe.executableURL = unshare
    probe.arguments = ["-n", "true"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
  }

}
