import Foundation
import StereoTensor
import Testing

@Suite("Atomic file writes")
struct AtomicFileTests {
  @Test("Replaces the file whole, creates folders, and leaves no temporary file behind")
  func replaces() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-atomic-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("nested/file.bin")
    try AtomicFile.write(Data([1, 2, 3]), to: url)
    try AtomicFile.write(Data([4, 5]), to: url)
    #expect(try Data(contentsOf: url) == Data([4, 5]))
    let leftovers = try FileManager.default.contentsOfDirectory(
      atPath: url.deletingLastPathComponent().path)
    #expect(leftovers == ["file.bin"])
  }

  @Test("A path that cannot be written throws, naming it")
  func failure() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-atomic-\(UUID().uuidString.prefix(8))")
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

@Suite("Atomic file writes: temporary files, replacement, unwritable folders")
struct AtomicFileReplacementTests {
  static func makeFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("wnet-atomic-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  static func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
  }

  @Test("Temporary names are hidden, beside the file, and unpredictable")
  func temporaryNames() {
    let url = URL(fileURLWithPath: "/data/run/model.safetensors")
    let names = (0..<100).map { _ in AtomicFile.temporaryURL(for: url).lastPathComponent }
    #expect(Set(names).count == 100)
    for name in names {
      #expect(name.hasPrefix(".model.safetensors.tmp-") && name.count == 23 + 16)
      #expect(AtomicFile.isTemporaryName(name))
    }
    let video = AtomicFile.temporaryURL(for: URL(fileURLWithPath: "/o/v.mp4"), pathExtension: "mp4")
    #expect(video.deletingLastPathComponent().path == "/o" && video.pathExtension == "mp4")
    #expect(!AtomicFile.isTemporaryName("model.safetensors"))
  }

  @Test("The old file is replaced by a new one, not rewritten in place")
  func replacesByRename() throws {
    let folder = try Self.makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("file.bin")
    try AtomicFile.write(Data(repeating: 1, count: 1000), to: url)
    // A reader that opened the old file keeps reading all of the old bytes: the new contents
    // arrive as a new file renamed over the name, never by truncating and rewriting the old one.
    let reader = try FileHandle(forReadingFrom: url)
    defer { try? reader.close() }
    let before = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber]
    try AtomicFile.write(Data(repeating: 2, count: 10), to: url)
    let after = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber]
    #expect(try reader.readToEnd() == Data(repeating: 1, count: 1000))
    #expect(try Data(contentsOf: url) == Data(repeating: 2, count: 10))
    #expect((before as? UInt64) != nil && (before as? UInt64) != (after as? UInt64))
    #expect(try Self.contents(of: folder) == ["file.bin"])
  }

  @Test("A failed rename throws, naming the path, and removes the temporary file")
  func failedRename() throws {
    let folder = try Self.makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    // A non-empty folder where the file should go: the temporary file is written, then
    // rename(2) refuses to replace a folder with a file (EISDIR).
    let url = folder.appendingPathComponent("occupied")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try Data([1]).write(to: url.appendingPathComponent("inside"))
    do {
      try AtomicFile.write(Data([1, 2, 3]), to: url)
      Issue.record("a file replaced a folder")
    } catch let error as AtomicFile.WriteError {
      #expect(error.path == url.path)
      #expect(error.description == "cannot write \(url.path): Is a directory")
    }
    #expect(try Self.contents(of: folder) == ["occupied"])
  }

  @Test("A missing folder is an error when folders are not to be created")
  func missingFolder() throws {
    let folder = try Self.makeFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("absent/file.bin")
    do {
      try AtomicFile.write(Data([1]), to: url, creatingFolders: false)
      Issue.record("wrote into a missing folder")
    } catch let error as AtomicFile.WriteError {
      #expect(
        error.description
          == "cannot write \(url.path): the folder \(folder.path)/absent does not exist")
    }
    #expect(try Self.contents(of: folder).isEmpty)
  }

  @Test("A folder that cannot be written in throws, naming the path")
  func readOnlyFolder() throws {
    let folder = try Self.makeFolder()
    defer {
      chmod(folder.path, 0o755)
      try? FileManager.default.removeItem(at: folder)
    }
    // Permission bits do not stop root; sysfs refuses new files to everyone.
    let target: URL
    if geteuid() == 0 {
      target = URL(fileURLWithPath: "/sys/wnet-atomic-test")
    } else {
      try #require(chmod(folder.path, 0o555) == 0)
      target = folder.appendingPathComponent("file.bin")
    }
    do {
      try AtomicFile.write(Data([1]), to: target)
      Issue.record("wrote into \(target.deletingLastPathComponent().path)")
    } catch let error as AtomicFile.WriteError {
      #expect(error.path == target.path)
      #expect(error.description.hasPrefix("cannot write \(target.path): "))
    }
    #expect(!FileManager.default.fileExists(atPath: target.path))
  }
}
