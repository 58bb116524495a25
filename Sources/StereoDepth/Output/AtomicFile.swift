import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that could not be written.
public struct OutputFileError: Error, CustomStringConvertible, Sendable {
  /// The file's path.
  public var path: String
  /// What went wrong.
  public var reason: String

  /// Creates an error.
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "Cannot write \(path): \(reason)" }
}

/// Writes files so that readers see either the old file or the complete new one.
///
/// The data goes to a temporary file in the destination's directory (`.<name>.<random>.tmp`), is
/// flushed to disk, and is then renamed over the destination. `rename(2)` within one file system
/// is atomic, which is why the temporary file must sit in the same directory: a crash or a full
/// disk leaves at worst a stray temporary file, never a truncated output.
public enum AtomicFile {
  /// Writes `data` to `url` atomically, replacing any existing file.
  ///
  /// - Parameters:
  ///   - data: The file's bytes.
  ///   - url: The destination; its directory must exist.
  /// - Throws: ``OutputFileError`` when the temporary file cannot be written or renamed; the
  ///   temporary file is removed then.
  public static func write(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
      throw OutputFileError(
        path: url.path, reason: "cannot create a temporary file in \(directory.path)")
    }
    do {
      let handle = try FileHandle(forWritingTo: temporary)
      defer { try? handle.close() }
      try handle.write(contentsOf: data)
      try handle.synchronize()
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw OutputFileError(path: url.path, reason: "\(error)")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw OutputFileError(path: url.path, reason: reason)
    }
  }
}
