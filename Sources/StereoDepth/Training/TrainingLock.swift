import Foundation
import StereoTensor

/// A lock file that keeps two training runs out of one directory: `DIR/train.lock` holding the
/// owner's process id.
///
/// ``acquire(in:)`` creates the file exclusively (`link` of a fully written temporary file, so
/// a reader never sees it empty). When the file exists and its process is alive, the directory
/// is busy: an error. When that process is gone (a run killed with SIGKILL leaves its lock
/// behind), the lock is stale and is taken over. ``release()`` removes it.
public final class TrainingLock {
  /// The lock file.
  public let url: URL
  /// The process id of a stale lock that was taken over, for a note.
  public private(set) var takenOverFrom: Int32?
  private var held = false

  /// The lock file of a run directory.
  public static func url(in directory: URL) -> URL {
    directory.appendingPathComponent("train.lock")
  }

  private init(url: URL) { self.url = url }

  /// Takes the lock of `directory` (which must exist) for this process.
  ///
  /// - Throws: ``TrainingError`` when another live process holds it, or the file cannot be
  ///   written.
  public static func acquire(in directory: URL) throws -> TrainingLock {
    let lock = TrainingLock(url: url(in: directory))
    let own = getpid()
    for _ in 0..<3 {
      let temporary = AtomicFile.temporaryURL(for: lock.url)
      do {
        try Data("\(own)\n".utf8).write(to: temporary)
      } catch {
        throw TrainingError(
          "cannot write the lock file \(lock.url.path): \(Self.firstLine(error))")
      }
      defer { unlink(temporary.path) }
      if link(temporary.path, lock.url.path) == 0 {
        lock.held = true
        return lock
      }
      guard errno == EEXIST else {
        throw TrainingError(
          "cannot create the lock file \(lock.url.path): \(String(cString: strerror(errno)))")
      }
      let text = (try? String(contentsOf: lock.url, encoding: .utf8)) ?? ""
      let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
      if let owner, owner > 0, owner != own, isAlive(owner) {
        throw TrainingError(
          "\(directory.path) is in use by another training run (process \(owner), lock file "
            + "\(lock.url.lastPathComponent)); wait for it, or choose another --output")
      }
      // Stale (its process is gone, or the file is unreadable): take it over.
      lock.takenOverFrom = owner
      unlink(lock.url.path)
    }
    throw TrainingError("cannot take the lock file \(lock.url.path): it keeps changing")
  }

  /// Removes the lock file if this process still owns it. Safe to call more than once.
  public func release() {
    guard held else { return }
    held = false
    let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    if Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) == getpid() {
      unlink(url.path)
    }
  }

  deinit { release() }

  /// Whether process `pid` exists (`kill(pid, 0)`; EPERM means it exists but is another
  /// user's). A zombie counts as gone.
  static func isAlive(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 && errno != EPERM { return false }
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = status.lastIndex(of: ")")
    else { return true }
    // The state follows the command name: "PID (name) S …"; Z is a zombie, X dead.
    let state = status[status.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
  }

  private static func firstLine(_ error: any Error) -> String {
    let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
  }
}
