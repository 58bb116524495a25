import Dispatch
import Foundation

/// Turns SIGINT, SIGTERM and SIGHUP into a request to stop, checked between training steps, so
/// that a run ends with a final checkpoint instead of losing the steps since the last one.
///
/// The signals are set to `SIG_IGN` and observed with `DispatchSource` on a queue of its own:
/// no code runs inside a signal handler. A second signal restores the default action and raises
/// it again, so a run that does not stop can still be interrupted.
public final class StopSignals: @unchecked Sendable {
  /// The signals observed.
  public static let observed: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  private let lock = NSLock()
  private var received: Int32?
  private var sources: [any DispatchSourceSignal] = []
  private let queue = DispatchQueue(label: "wnet.stop-signals")

  /// Starts observing the signals.
  public init() {
    for number in Self.observed {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
      source.setEventHandler { [weak self] in self?.receive(number) }
      source.resume()
      sources.append(source)
    }
  }

  /// The first signal received, or nil.
  public var receivedSignal: Int32? {
    lock.lock()
    defer { lock.unlock() }
    return received
  }

  /// The name of a signal: "SIGTERM".
  public static func name(of number: Int32) -> String {
    switch number {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(number)"
    }
  }

  /// Stops observing and restores the default actions.
  public func cancel() {
    for source in sources { source.cancel() }
    sources = []
    for number in Self.observed { signal(number, SIG_DFL) }
  }

  deinit { cancel() }

  private func receive(_ number: Int32) {
    lock.lock()
    let first = received == nil
    if first { received = number }
    lock.unlock()
    if !first {
      signal(number, SIG_DFL)
      raise(number)
    }
  }
}
