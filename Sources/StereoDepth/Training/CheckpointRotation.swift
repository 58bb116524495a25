import Foundation
import StereoNN
import StereoTensor

/// The last K checkpoints of a run directory, newest first:
///
///     DIR/checkpoint.safetensors     the latest (what --resume reads first)
///     DIR/checkpoint.1.safetensors   the one before
///     …
///     DIR/checkpoint.<K−1>.safetensors
///
/// ``save(_:)`` shifts each file one place older by `rename` (atomic) before the new latest
/// replaces the old one atomically (``AtomicFile``), and the old latest becomes
/// `checkpoint.1` through a hard link renamed into place, so that at every instant
/// `checkpoint.safetensors` is a complete file and the older ones are intact. A run killed at
/// any point, or a latest file damaged afterwards, leaves an older readable checkpoint
/// (``resumable()`` finds it); a resumed run first makes that one the latest (``promote(_:)``),
/// so that its saves never rotate an unreadable file into `checkpoint.1` in its place.
public struct CheckpointRotation: Sendable {
  /// The run directory.
  public let directory: URL
  /// How many checkpoints are kept (at least 1; default 2).
  public let count: Int

  /// Describes the checkpoints of `directory`, keeping `count` of them.
  public init(directory: URL, count: Int = 2) {
    self.directory = directory
    self.count = max(1, count)
  }

  /// The checkpoint `age` places older than the latest (0: `checkpoint.safetensors`).
  public func url(age: Int) -> URL {
    directory.appendingPathComponent(
      age == 0 ? "checkpoint.safetensors" : "checkpoint.\(age).safetensors")
  }

  /// Keeps the current checkpoints one place older, then writes the new latest with `write`
  /// (which must replace the file atomically).
  ///
  /// - Throws: ``AtomicFile/WriteError`` when a file cannot be moved or written.
  public func save(_ write: (URL) throws -> Void) throws {
    let latest = url(age: 0)
    if count > 1 && FileManager.default.fileExists(atPath: latest.path) {
      for age in stride(from: count - 1, through: 2, by: -1)
      where FileManager.default.fileExists(atPath: url(age: age - 1).path) {
        guard rename(url(age: age - 1).path, url(age: age).path) == 0 else {
          throw AtomicFile.WriteError(
            path: url(age: age).path, reason: String(cString: strerror(errno)))
        }
      }
      // A second name for the latest file, moved into place as checkpoint.1.
      let copy = AtomicFile.temporaryURL(for: url(age: 1))
      if link(latest.path, copy.path) != 0 {
        do {
          try FileManager.default.copyItem(at: latest, to: copy)
        } catch {
          try? FileManager.default.removeItem(at: copy)
          throw AtomicFile.WriteError(path: url(age: 1).path, reason: "cannot keep a copy")
        }
      }
      try AtomicFile.moveIntoPlace(copy, over: url(age: 1))
    }
    try write(latest)
  }

  /// The newest checkpoint that reads back whole, and what was wrong with each newer one.
  ///
  /// - Throws: ``CheckpointError`` when no checkpoint exists or none is readable (the latest's
  ///   problem first).
  public func resumable() throws -> (url: URL, skipped: [String]) {
    var problems: [String] = []
    for age in 0..<max(count, 2) where FileManager.default.fileExists(atPath: url(age: age).path) {
      do {
        _ = try WNetCheckpoint.read(url(age: age))
        return (url(age: age), problems)
      } catch {
        problems.append("\(error)")
      }
    }
    guard let first = problems.first else {
      throw CheckpointError(
        "there is no checkpoint to resume in \(directory.path) "
          + "(expected \(url(age: 0).lastPathComponent))")
    }
    throw CheckpointError(first)
  }

  /// Where ``promote(_:)`` sets aside an unreadable checkpoint `age` places older than the
  /// latest: `checkpoint.damaged.safetensors` for the latest, `checkpoint.<age>.damaged.safetensors`
  /// for an older one.
  public func damagedURL(age: Int) -> URL {
    directory.appendingPathComponent(
      age == 0 ? "checkpoint.damaged.safetensors" : "checkpoint.\(age).damaged.safetensors")
  }

  /// Makes `url`, the checkpoint ``resumable()`` chose, the latest before a resumed run saves:
  /// each newer checkpoint (unreadable, since ``resumable()`` passed over it) is renamed to
  /// ``damagedURL(age:)``, then `url` to `checkpoint.safetensors`.
  ///
  /// Without this, the next ``save(_:)`` would keep the unreadable latest as `checkpoint.1` and
  /// drop the readable one it replaced: after the first save of the resumed run the only good
  /// older checkpoint would be gone. Every step is a `rename`, so a run killed in between still
  /// leaves `url`'s checkpoint under one of its names, where ``resumable()`` finds it. Damaged
  /// files are kept, not deleted, for inspection; an older one of the same name is replaced.
  ///
  /// - Returns: The checkpoint's new location (``url(age:)`` 0) and the files set aside.
  /// - Throws: ``AtomicFile/WriteError`` when a file cannot be renamed.
  @discardableResult
  public func promote(_ url: URL) throws -> (url: URL, setAside: [URL]) {
    let ages = 0..<max(count, 2)
    guard let age = ages.first(where: { self.url(age: $0).path == url.path }), age > 0 else {
      return (url, [])
    }
    var setAside: [URL] = []
    for newer in 0..<age where FileManager.default.fileExists(atPath: self.url(age: newer).path) {
      try move(self.url(age: newer), to: damagedURL(age: newer))
      setAside.append(damagedURL(age: newer))
    }
    try move(url, to: self.url(age: 0))
    return (self.url(age: 0), setAside)
  }

  /// Renames `source` over `destination`.
  private func move(_ source: URL, to destination: URL) throws {
    guard rename(source.path, destination.path) == 0 else {
      throw AtomicFile.WriteError(
        path: destination.path, reason: String(cString: strerror(errno)))
    }
  }

  /// Removes temporary files (`.NAME.tmp-…`) that a killed run left in the directory.
  ///
  /// - Returns: The number removed.
  @discardableResult
  public func removeTemporaryFiles() -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    var removed = 0
    for name in names where AtomicFile.isTemporaryName(name) {
      if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil {
        removed += 1
      }
    }
    return removed
  }
}
