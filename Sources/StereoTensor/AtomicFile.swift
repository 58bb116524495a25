import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files so that a reader, a resumed run or a machine that lost power sees either the old
/// file or the new one, never a torn mix.
///
/// The one way the project replaces a file:
/// 1. the bytes go to a temporary file with an unpredictable name in the destination's folder,
///    `.NAME.tmp-<16 random hex digits>`, created exclusively (`O_EXCL`);
/// 2. the file is flushed to disk (`fsync`);
/// 3. it is renamed over the destination (`rename` is atomic within one file system);
/// 4. the folder is flushed to disk (`fsync`), so that the rename itself survives a crash.
///
/// The temporary file is removed on every error path. Errors are ``WriteError``s that name the
/// path and give the system's reason on one line.
public enum AtomicFile {
  /// A write that failed, with the path and the system's reason.
  public struct WriteError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The file (or folder) that could not be written.
    public let path: String
    /// Why, as a lower-case phrase: usually the system's `strerror` text.
    public let reason: String

    /// Creates an error about `path`.
    public init(path: String, reason: String) {
      self.path = path
      self.reason = reason
    }

    public var description: String { "cannot write \(path): \(reason)" }
    public var errorDescription: String? { description }
  }

  /// Replaces the file at `url` with `data` atomically and durably.
  ///
  /// - Parameters:
  ///   - data: The new contents.
  ///   - url: The destination. An existing file there is replaced; readers never see a partial
  ///     file.
  ///   - creatingFolders: Whether missing parent folders are created first (the default). When
  ///     `false`, a missing folder is an error.
  /// - Throws: ``WriteError`` naming `url` (or the folder that could not be created), when the
  ///   folder is missing or read-only, the disk is full, or any step fails.
  public static func write(_ data: Data, to url: URL, creatingFolders: Bool = true) throws {
    let folder = url.deletingLastPathComponent()
    try prepareFolder(folder, for: url, creating: creatingFolders)
    let (temporary, descriptor) = try createTemporaryFile(for: url)
    var failure: String?
    data.withUnsafeBytes { bytes in
      guard let base = bytes.baseAddress else { return }
      var offset = 0
      while offset < bytes.count {
        let written = systemWrite(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = systemReason()
          return
        }
        offset += written
      }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = systemReason() }
    // close can report a deferred write error (NFS, quota), so its result counts too.
    if close(descriptor) != 0 && failure == nil { failure = systemReason() }
    if let failure {
      unlink(temporary.path)
      throw WriteError(path: url.path, reason: failure)
    }
    try rename(temporary, over: url)
  }

  /// Moves an already written file at `temporary` over `destination` durably: flushes the file,
  /// renames it, then flushes the folder. For files another program wrote (an encoder writing to
  /// ``temporaryURL(for:pathExtension:)``). On failure `temporary` is removed.
  ///
  /// - Throws: ``WriteError`` naming `destination`.
  public static func moveIntoPlace(_ temporary: URL, over destination: URL) throws {
    let descriptor = open(temporary.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let reason = systemReason()
      unlink(temporary.path)
      throw WriteError(path: destination.path, reason: reason)
    }
    let synced = fsync(descriptor) == 0
    let reason = synced ? "" : systemReason()
    close(descriptor)
    guard synced else {
      unlink(temporary.path)
      throw WriteError(path: destination.path, reason: reason)
    }
    try rename(temporary, over: destination)
  }

  /// A fresh, unpredictable temporary path beside `url`: `.NAME.tmp-<16 hex digits>`, with
  /// `.pathExtension` appended when given (for programs that pick a format by extension).
  ///
  /// Nothing is created; the caller writes the file and then calls
  /// ``moveIntoPlace(_:over:)``, or removes it.
  public static func temporaryURL(for url: URL, pathExtension: String? = nil) -> URL {
    var generator = SystemRandomNumberGenerator()
    let token = String(generator.next() as UInt64, radix: 16)
    let padded = String(repeating: "0", count: 16 - token.count) + token
    var name = ".\(url.lastPathComponent).tmp-\(padded)"
    if let pathExtension, !pathExtension.isEmpty { name += ".\(pathExtension)" }
    return url.deletingLastPathComponent().appendingPathComponent(name)
  }

  /// Creates `folder` and its parents (nothing happens when it exists).
  ///
  /// - Throws: ``WriteError`` naming the folder, with the system's reason in one line (a
  ///   read-only file system, a file in the way, no permission).
  public static func createFolder(at folder: URL) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
      guard isFolder.boolValue else {
        throw WriteError(path: folder.path, reason: "a file is in the way of the folder")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      // Foundation's message spans lines and domains; mkdir's errno says it in a word.
      let reason = mkdir(folder.path, 0o777) == 0 ? "" : systemReason()
      throw WriteError(
        path: folder.path,
        reason: "cannot create the folder (\(reason.isEmpty ? "failed" : reason))")
    }
  }

  /// Whether `name` is one of this type's temporary names, for cleaning up after a crash.
  public static func isTemporaryName(_ name: String) -> Bool {
    name.hasPrefix(".") && name.contains(".tmp-")
  }

  // MARK: - Steps

  /// Makes sure `folder` exists as a folder, creating it when `creating` is set.
  private static func prepareFolder(_ folder: URL, for url: URL, creating: Bool) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
      guard isFolder.boolValue else {
        throw WriteError(path: url.path, reason: "\(folder.path) is not a folder")
      }
      return
    }
    guard creating else {
      throw WriteError(path: url.path, reason: "the folder \(folder.path) does not exist")
    }
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw WriteError(
        path: folder.path,
        reason: "cannot create the folder (\(firstLine(error.localizedDescription)))")
    }
  }

  /// Creates the temporary file exclusively; retries on the (unlikely) name collision.
  private static func createTemporaryFile(for url: URL) throws -> (URL, Int32) {
    for _ in 0..<8 {
      let temporary = temporaryURL(for: url)
      let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if descriptor >= 0 { return (temporary, descriptor) }
      if errno != EEXIST { throw WriteError(path: url.path, reason: systemReason()) }
    }
    throw WriteError(path: url.path, reason: "no free temporary name in its folder")
  }

  /// Renames `temporary` over `destination`, then flushes the folder so the rename is durable.
  private static func rename(_ temporary: URL, over destination: URL) throws {
    guard systemRename(temporary.path, destination.path) == 0 else {
      let reason = systemReason()
      unlink(temporary.path)
      throw WriteError(path: destination.path, reason: reason)
    }
    let folder = destination.deletingLastPathComponent()
    let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw WriteError(path: folder.path, reason: "cannot open the folder to flush it")
    }
    defer { close(descriptor) }
    // Some file systems cannot flush a folder (EINVAL); the rename has happened regardless.
    if fsync(descriptor) != 0 && errno != EINVAL {
      throw WriteError(path: folder.path, reason: "cannot flush the folder (\(systemReason()))")
    }
  }

  private static func systemReason() -> String { String(cString: strerror(errno)) }

  private static func firstLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
  }
}

// File-scope names for the C calls that `AtomicFile`'s own `write` and `rename` shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}

private func systemRename(_ source: String, _ destination: String) -> Int32 {
  rename(source, destination)
}
