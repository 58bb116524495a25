import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reading whole files and replacing them atomically.
enum AtomicFile {
  /// The contents of the file at `url`.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unreadable` when the path is missing, is a folder or
  ///   cannot be read, and `.corrupt` when the file is empty.
  static func read(_ url: URL) throws -> Data {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
      throw StereoDataError(.unreadable, url, "no such file")
    }
    guard !isFolder.boolValue else {
      throw StereoDataError(.unreadable, url, "is a folder, not a file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw StereoDataError(.unreadable, url, "cannot be read (\(error.localizedDescription))")
    }
    guard !data.isEmpty else { throw StereoDataError(.corrupt, url, "file is empty") }
    return data
  }

  /// Replaces the file at `url` with `data` atomically: the bytes go to a temporary file in the
  /// same folder, which is then renamed over `url`, so readers see the old file or the new one,
  /// never a partial one.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  static func write(_ data: Data, to url: URL) throws {
    let folder = url.deletingLastPathComponent()
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder),
      isFolder.boolValue
    else {
      throw StereoDataError(.unwritable, url, "the folder \(folder.path) does not exist")
    }
    let temporary = folder.appendingPathComponent(
      ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    do {
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw StereoDataError(.unwritable, url, "cannot be written (\(error.localizedDescription))")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw StereoDataError(.unwritable, url, "cannot be replaced (\(reason))")
    }
  }
}
