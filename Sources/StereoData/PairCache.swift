import Synchronization

/// Decoded image pairs kept in memory by the loader, up to a byte budget.
///
/// Decoding dominates the loader's cost (about 10 ms per 0.35-megapixel PNG view, against 2-3 ms
/// to crop and jitter a pair), and small datasets are revisited every few batches. Pairs are kept
/// first come, first kept: once the budget is full nothing is evicted, so a large dataset has a
/// fixed cached part and no churn. The contents never change a batch, only its cost.
final class PairCache: Sendable {
  private struct State {
    var pairs: [Int: StereoSample] = [:]
    var bytes = 0
  }

  private let state = Mutex(State())
  /// The budget in bytes.
  let capacityBytes: Int

  init(capacityBytes: Int) {
    precondition(capacityBytes >= 0, "Cache capacity must not be negative, got \(capacityBytes)")
    self.capacityBytes = capacityBytes
  }

  /// Pair `index` from the cache, or decoded by `load` (and kept if it fits).
  func pair(_ index: Int, load: () throws -> StereoSample) rethrows -> StereoSample {
    if let cached = state.withLock({ $0.pairs[index] }) { return cached }
    let sample = try load()
    let size = (sample.left.pixels.count + sample.right.pixels.count) * MemoryLayout<Float>.stride
    state.withLock { state in
      if state.pairs[index] == nil && state.bytes + size <= capacityBytes {
        state.pairs[index] = sample
        state.bytes += size
      }
    }
    return sample
  }
}
