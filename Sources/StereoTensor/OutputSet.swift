import Foundation

/// A set of output files that replaces the previous set in a folder as a whole.
///
/// The files are first written into a hidden staging folder inside the destination,
/// `.NAME.tmp-<16 hex digits>` (so it is on the same file system, and ``AtomicFile``'s cleanup
/// pattern matches it), and ``commit()`` then renames each into place and removes the files of
/// an earlier set (names in `ownedNames`) that this one did not write. A failure before the
/// commit changes nothing in the folder (``discard()`` removes the staging folder, and so does
/// the next set's start if the process died). Files the set does not own are never touched.
public final class OutputSet {
  /// The destination folder.
  public let directory: URL
  /// Every file name a set may write here; those not written this time are stale.
  public let ownedNames: Set<String>
  /// Where files are written before the commit.
  public let staging: URL
  private var staged: [String] = []
  private var open = true

  /// Creates `directory` if needed, removes staging folders and temporary files that earlier,
  /// interrupted sets left there, and opens a fresh staging folder.
  ///
  /// - Throws: ``AtomicFile/WriteError`` when the folder cannot be created or written.
  public init(directory: URL, ownedNames: Set<String>) throws {
    self.directory = directory
    self.ownedNames = ownedNames
    try AtomicFile.createFolder(at: directory)
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    where AtomicFile.isTemporaryName(name) {
      try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
    }
    staging = AtomicFile.temporaryURL(for: directory.appendingPathComponent("output"))
    try AtomicFile.createFolder(at: staging)
  }

  /// The staging path of the file `name`, to be written by the caller before ``commit()``.
  public func url(_ name: String) -> URL {
    precondition(ownedNames.contains(name), "'\(name)' is not one of the set's names")
    if !staged.contains(name) { staged.append(name) }
    return staging.appendingPathComponent(name)
  }

  /// Moves the staged files into place and removes the previous set's other files.
  ///
  /// - Returns: The final paths, in the order ``url(_:)`` was first asked for them.
  /// - Throws: ``AtomicFile/WriteError`` when a file cannot be moved.
  @discardableResult
  public func commit() throws -> [URL] {
    defer { discard() }
    var final: [URL] = []
    for name in staged {
      let destination = directory.appendingPathComponent(name)
      try AtomicFile.moveIntoPlace(staging.appendingPathComponent(name), over: destination)
      final.append(destination)
    }
    for name in ownedNames.subtracting(staged) {
      let stale = directory.appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: stale.path) {
        try? FileManager.default.removeItem(at: stale)
      }
    }
    return final
  }

  /// Removes the staging folder and what is in it.
  ///
  /// Safe to call more than once.
  public func discard() {
    guard open else { return }
    open = false
    try? FileManager.default.removeItem(at: staging)
  }

  deinit { discard() }
}
