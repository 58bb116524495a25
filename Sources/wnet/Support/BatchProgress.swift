import Foundation

/// Progress of many pairs, told from a background thread: a bar with the rate and the time
/// left (ETA = elapsed / done × remaining), failures on their own lines, and a summary.
final class BatchProgress: @unchecked Sendable {
  private let lock = NSLock()
  private var bar: ProgressBar
  private let start = Date()
  private var done = 0
  private var failed = 0
  private var networkSeconds = 0.0

  init(total: Int) { bar = ProgressBar(total: total) }

  /// Records one finished pair.
  func finished(name: String, networkSeconds seconds: Double, error: (any Error)?) {
    lock.lock()
    defer { lock.unlock() }
    done += 1
    if let error {
      failed += 1
      if Console.isInteractive { Console.status("") }
      Console.note("\(name): skipped: \(error)")
    } else {
      networkSeconds += seconds
    }
    let elapsed = Date().timeIntervalSince(start)
    let remaining = elapsed / Double(done) * Double(bar.total - done)
    bar.update(
      done,
      String(
        format: "%@ %.1f pairs/s, ETA %@", name, Double(done) / max(elapsed, 1e-9),
        Console.duration(remaining)))
  }

  /// `N pairs in T s: R pairs/s end to end, M ms a pair in the network; F failed`.
  func summary() -> String {
    lock.lock()
    defer { lock.unlock() }
    let elapsed = Date().timeIntervalSince(start)
    let succeeded = done - failed
    var text = String(
      format: "%d pairs in %.2f s: %.2f pairs/s end to end, %.0f ms a pair in the network",
      done, elapsed, Double(done) / max(elapsed, 1e-9),
      1000 * networkSeconds / Double(max(succeeded, 1)))
    if failed > 0 { text += "; \(failed) failed" }
    return text + "."
  }
}
