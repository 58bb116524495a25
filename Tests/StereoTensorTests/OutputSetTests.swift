import Foundation
import StereoTensor
import Testing

/// ``OutputSet``: files replace an earlier set as a whole; nothing is left half-written.
@Suite("Output sets") struct OutputSetTests {
  static func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-outputset-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("A second set removes the first's files it did not write, and keeps foreign files")
  func replacesSet() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let names: Set<String> = ["a.txt", "b.txt"]
    try Data("mine".utf8).write(to: folder.appendingPathComponent("notes.txt"))
    let first = try OutputSet(directory: folder, ownedNames: names)
    try Data("1".utf8).write(to: first.url("a.txt"))
    try Data("1".utf8).write(to: first.url("b.txt"))
    #expect(try first.commit().map(\.lastPathComponent) == ["a.txt", "b.txt"])
    let second = try OutputSet(directory: folder, ownedNames: names)
    try Data("2".utf8).write(to: second.url("a.txt"))
    try second.commit()
    let listing = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(listing == ["a.txt", "notes.txt"], "\(listing)")
    #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "2")
  }

  @Test("A set that fails before its commit changes nothing; its leftovers go at the next start")
  func failureChangesNothing() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let names: Set<String> = ["a.txt"]
    let first = try OutputSet(directory: folder, ownedNames: names)
    try Data("1".utf8).write(to: first.url("a.txt"))
    try first.commit()
    // A failed run: written to staging, never committed (as if the process died).
    let failed = try OutputSet(directory: folder, ownedNames: names)
    try Data("broken".utf8).write(to: failed.url("a.txt"))
    let staging = failed.staging
    #expect(FileManager.default.fileExists(atPath: staging.path))
    #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "1")
    // Simulate the process dying: the next set's start removes the staging folder.
    _ = try OutputSet(directory: folder, ownedNames: names)
    #expect(!FileManager.default.fileExists(atPath: staging.path))
  }

  @Test("A file in the way of the folder is a one-line error naming it")
  func fileInTheWay() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("file")
    try Data().write(to: file)
    let error = #expect(throws: AtomicFile.WriteError.self) {
      _ = try OutputSet(directory: file.appendingPathComponent("out"), ownedNames: [])
    }
    #expect(error?.description.contains(file.path) == true, "\(String(describing: error))")
  }
}
