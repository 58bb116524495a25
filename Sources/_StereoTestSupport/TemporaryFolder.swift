import Foundation

/// A folder under the system temporary directory, removed when the value is released.
package final class TemporaryFolder {
  /// The folder.
  package let url: URL

  /// Creates an empty folder whose name starts with `name` (the calling function's by default).
  package init(_ name: String = #function) throws {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The URL of `path` inside the folder; its parent folders are created (a failure shows when the
  /// file is written).
  package func file(_ path: String) -> URL {
    let file = url.appendingPathComponent(path)
    try? FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    return file
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

/// The root of the real development data, `../shared/data` beside the package root, or `nil`
/// when it is absent (a user's clone): tests that read it skip.
package let sharedDataRoot: URL? = {
  let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
  return FileManager.default.fileExists(atPath: root.path) ? root : nil
}()
