import Synchronization

/// Filters reordered into the layout a convolution primitive chose, reused while their source
/// tensor lives.
///
/// Master weights stay plain `[C_out, KH, KW, C_in/groups]` (optimizers and checkpoints read them
/// directly); a primitive that wants a blocked layout gets a copy made by a oneDNN reorder. An
/// entry is keyed by the identity of the source ``TensorStorage`` and the reorder, and holds a
/// strong reference to that storage. Holding it is what makes the key sound: a storage that is
/// referenced twice is copied before any write (``Tensor/makeUnique()``), so cached contents can
/// never go stale, and a live storage's identity is never reused.
///
/// So the reorder runs once per weight update (once per training step, once ever at inference)
/// instead of once per call. Entries whose storage nobody else references any more (the weights
/// of a past step) are dropped on the next insertion; beyond ``capacityBytes`` the least recently
/// used go too.
final class DNNLWeightCache: Sendable {
  private struct Key: Hashable {
    let storage: ObjectIdentifier
    let reorder: DNNLPrimitiveKey
    let transform: FilterTransform
  }

  private struct Entry {
    var source: TensorStorage
    let reordered: Tensor
    var lastUse: Int
    var byteCount: Int { (source.count + reordered.count) * MemoryLayout<Float>.stride }
  }

  private struct State {
    var entries: [Key: Entry] = [:]
    var clock = 0
    var byteCount = 0
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
      let entry = Entry(source: filter.storage, reordered: made, lastUse: state.clock)
      if let replaced = state.entries.updateValue(entry, forKey: key) {
        state.byteCount -= replaced.byteCount
      }
      state.byteCount += entry.byteCount
      Self.evict(&state, capacityBytes: capacityBytes)
    }
    return made
  }

  private static func evict(_ state: inout State, capacityBytes: Int) {
    // Stage: drop entries whose source only the cache still holds; no lookup can reach them.
    var index = state.entries.values.startIndex
    var unreachable: [Key] = []
    while index != state.entries.values.endIndex {
      if isKnownUniquelyReferenced(&state.entries.values[index].source) {
        unreachable.append(state.entries.keys[index])
      }
      index = state.entries.values.index(after: index)
    }
    for key in unreachable {
      if let removed = state.entries.removeValue(forKey: key) {
        state.byteCount -= removed.byteCount
      }
    }
    // Stage: least recently used first, down to the capacity.
    guard state.byteCount > capacityBytes else { return }
    for (key, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
      guard state.byteCount > capacityBytes else { break }
      state.entries.removeValue(forKey: key)
      state.byteCount -= entry.byteCount
    }
  }

  /// The number of cached copies and the bytes they hold (sources included).
  var statistics: (entries: Int, byteCount: Int) {
    state.withLock { ($0.entries.count, $0.byteCount) }
  }
}
