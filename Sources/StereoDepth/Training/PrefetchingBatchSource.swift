import Foundation
import StereoTensor

/// Makes the batches of the next few steps on background threads while the current step trains,
/// so that a step never waits for data that could have been ready.
///
/// `make(step)` must be deterministic in `step` (it is called for each step exactly once, on some
/// background thread). At most ``lookahead`` batches exist ahead of the one being consumed.
public final class PrefetchingBatchSource: TrainingBatchSource, @unchecked Sendable {
  public typealias Maker = @Sendable (Int) throws -> StereoBatchTensors

  /// How many steps ahead batches are made.
  public let lookahead: Int
  private let make: Maker
  private let condition = NSCondition()
  private var ready: [Int: Result<StereoBatchTensors, any Error>] = [:]
  private var scheduled: Set<Int> = []
  private let queue = DispatchQueue(
    label: "wnet.prefetch", qos: .userInitiated, attributes: .concurrent)
  /// Seconds the consumer spent waiting for batches that were not ready.
  public private(set) var waitingSeconds: Double = 0

  /// Creates a source that makes batch `s` with `make(s)`.
  public init(lookahead: Int = 2, make: @escaping Maker) {
    precondition(lookahead >= 1, "Lookahead must be at least 1, got \(lookahead)")
    self.lookahead = lookahead
    self.make = make
  }

  private func schedule(_ step: Int) {
    // Called with the lock held.
    guard !scheduled.contains(step), ready[step] == nil else { return }
    scheduled.insert(step)
    let make = self.make
    queue.async { [self] in
      let result = Result { try make(step) }
      condition.lock()
      ready[step] = result
      scheduled.remove(step)
      condition.broadcast()
      condition.unlock()
    }
  }

  public func batch(forStep step: Int) throws -> StereoBatchTensors {
    condition.lock()
    defer { condition.unlock() }
    // Forget batches of steps already passed (after a resume, for example).
    for old in ready.keys where old < step { ready[old] = nil }
    for ahead in step...(step + lookahead) { schedule(ahead) }
    let start = Date()
    while ready[step] == nil { condition.wait() }
    waitingSeconds += Date().timeIntervalSince(start)
    let result = ready.removeValue(forKey: step)!
    return try result.get()
  }
}
