import Foundation
import StereoTensor
import Testing

@Suite("Atomic file writes")
struct AtomicFileTests {
  @Test("Replaces the file whole, creates folders, and leaves no temporary file behind")
  func replaces() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wnet-atomic-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("nested/file.bin")
    try AtomicFile.write(Data([1, 2, 3]), to: url)
    try AtomicFile.write(Data([4, 5]), to: url)
    #expect(try Data(contentsOf: url) == Data([4, 5]))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
    #expect(leftovers == ["file.bin"])
  }

  @Test("A path that cannot be written throws, naming it")
  func failure() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wnet-atomic-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    // A regular file where a folder should be.
    let blocker = folder.appendingPathComponent("blocker")
    try Data([1]).write(to: blocker)
    do {
      try AtomicFile.write(Data([1]), to: blocker.appendingPathComponent("file"))
      Issue.record("writing under a regular file succeeded")
    } catch {
      #expect("\(error)".contains("blocker"))
    }
  }
}
