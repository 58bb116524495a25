import Foundation
import StereoTensor

/// Reading whole files, and replacing them through ``StereoTensor/AtomicFile`` with StereoData's
/// errors.
enum FileContents {
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

  /// Replaces the file at `url` with `data` atomically and durably (``AtomicFile``); the folder
  /// must exist.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`, naming the path.
  static func write(_ data: Data, to url: URL) throws {
    do {
      try AtomicFile.write(data, to: url, creatingFolders: false)
    } catch let error as AtomicFile.WriteError {
      throw StereoDataError(.unwritable, path: error.path, "cannot be written (\(error.reason))")
    }
  }
}
