import Synchronization

/// Filters reordered into the layout a convolution primitive chose, reused while their source
/// tensor lives.
///
/// Master weights stay plain `[C_out, KH, KW, C_in/groups]` (optimizers and checkpoints read them
/// directly); a primitive that wants a blocked layout gets a copy made by a oneDNN reorder. An
/// entry is keyed by the identity of the source ``TensorStorage`` and the reorder, and the cache
/// holds a strong reference to that storage. Holding it is what makes the key sound: a storage that is
/// referenced twice is copied before any write (``Tensor/makeUnique()``), so cached contents can
/// never go stale, and a live storage's identity is never reused.
///
/// The cache holds each source storage once, however many copies of it it keeps (one filter is
/// reordered for the forward convolution, for the input gradient and for every input shape): a
/// storage is unreachable exactly when that one reference is the last, which
/// `isKnownUniquelyReferenced` can tell. (Held once per copy, a filter with two copies was never
/// unique, and a training run kept every past step's filters until ``capacityBytes``.)
///
/// So the reorder runs once per weight update (once per training step, once ever at inference)
/// instead of once per call. Sources nobody else references any more (the weights of a past
/// step) are dropped, with their copies, on the next insertion; beyond ``capacityBytes`` the least
/// recently used copies go too.
final class DNNLWeightCache: Sendable {
  private struct Key: Hashable {
    let storage: ObjectIdentifier
    let reorder: DNNLPrimitiveKey
    let transform: FilterTransform
  }

  private struct Entry {
    let reordered: Tensor
    var lastUse: Int
    var byteCount: Int { reordered.count * MemoryLayout<Float>.stride }
  }

  /// A source storage, held once for all its copies.
  private struct Source {
    var storage: TensorStorage
    var copies: Int
    var byteCount: Int { storage.count * MemoryLayout<Float>.stride }
  }

  private struct State {
    var entries: [Key: Entry] = [:]
    var sources: [ObjectIdentifier: Source] = [:]
    var clock = 0
    var byteCount = 0

    /// Removes the copy under `key`, and its source when it was the source's last copy.
    mutating func remove(_ key: Key) {
      guard let removed = entries.removeValue(forKey: key) else { return }
      byteCount -= removed.byteCount
      guard var source = sources[key.storage] else { return }
      source.copies -= 1
      if source.copies == 0 {
        sources[key.storage] = nil
        byteCount -= source.byteCount
      } else {
        sources[key.storage] = source
      }
    }
  }

  /// The most memory (sources and copies) that entries may hold.
  let capacityBytes: Int
  private let state = Mutex(State())

  init(capacityBytes: Int = 512 << 20) {
    self.capacityBytes = capacityBytes
  }

  /// The copy of `filter` that `transform` then `reorder` make, from the cache or made now by
  /// `make`.
  func reordered(
    _ filter: Tensor, by reorder: DNNLPrimitiveKey, transform: FilterTransform,
    make: () -> Tensor
  ) -> Tensor {
    let key = Key(storage: ObjectIdentifier(filter.storage), reorder: reorder, transform: transform)
    let cached: Tensor? = state.withLock { state in
      guard var entry = state.entries[key] else { return nil }
      state.clock += 1
      entry.lastUse = state.clock
      state.entries[key] = entry
      return entry.reordered
    }
    if let cached { return cached }
    let made = make()
    state.withLock { state in
      state.clock += 1
      state.remove(key)
      let entry = Entry(reordered: made, lastUse: state.clock)
      state.entries[key] = entry
      state.byteCount += entry.byteCount
      if var source = state.sources[key.storage] {
        source.copies += 1
        state.sources[key.storage] = source
      } else {
        let source = Source(storage: filter.storage, copies: 1)
        state.sources[key.storage] = source
        state.byteCount += source.byteCount
      }
      Self.evict(&state, capacityBytes: capacityBytes)
    }
    return made
  }

  private static func evict(_ state: inout State, capacityBytes: Int) {
    // Stage: drop sources only the cache still holds, with their copies; no lookup can reach them.
    var index = state.sources.values.startIndex
    var unreachable: Set<ObjectIdentifier> = []
    while index != state.sources.values.endIndex {
      if isKnownUniquelyReferenced(&state.sources.values[index].storage) {
        unreachable.insert(state.sources.keys[index])
      }
      index = state.sources.values.index(after: index)
    }
    if !unreachable.isEmpty {
      let doomed = state.entries.keys.filter { unreachable.contains($0.storage) }
      for key in doomed { state.remove(key) }
    }
    // Stage: least recently used first, down to the capacity.
    guard state.byteCount > capacityBytes else { return }
    for (key, _) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
      guard state.byteCount > capacityBytes else { break }
      state.remove(key)
    }
  }

  /// The number of cached copies and the bytes they hold (sources included).
  var statistics: (entries: Int, byteCount: Int) {
    state.withLock { ($0.entries.count, $0.byteCount) }
  }
}
