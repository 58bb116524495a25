import Foundation
import Synchronization

/// A process-wide pool of 64-byte-aligned `Float` buffers, in size classes.
///
/// Training repeats the same shapes every step, so buffers released by one step are handed straight
/// to the next. This matters: a fresh 25 MB allocation page-faults its way in and costs more than
/// the
/// convolution that fills it (measured 10-17 ms per fresh reorder against 0.56 ms on a reused
/// buffer). Buffers smaller than ``minimumPooledCount`` go to `malloc` directly.
///
/// Requests are rounded up to a size class `m·2ᵉ` with `m` in 8…15 (at most 12.5% more), so that
/// tensors of different shapes share buffers: backward's gradients reuse what forward's
/// activations freed. Keyed by exact element count instead, a training step at batch 6 kept
/// ~930 MB of idle buffers beside 1.7 GB of live tensors; with classes the resident memory stays
/// close to the live peak.
///
/// The pool keeps at most ``capacityBytes`` of idle memory (default 4 GiB, or
/// `WNET_POOL_MB` megabytes); beyond that, released buffers are freed.
///
/// **Room before growth** (inside ``withRoomBeforeGrowth(_:)`` only). A request that no idle
/// buffer serves first frees idle buffers, smallest class first, until at least the request's
/// bytes are freed (or none is left), then allocates. So resident memory grows only when the
/// live tensors need it: a one-pass inference, whose every shape is new, holds about its live
/// peak instead of the sum of every class it touched (realtime at 640×480: 594 MB resident for
/// a 243 MB live peak without it). Repeated workloads (training steps, video frames) must not
/// use it: lending across classes makes their passes miss now and then, and each miss would
/// free buffers the next pass needs (measured: a realtime training step 1.1 s → 2.0 s).
public final class BufferPool: Sendable {
  /// The shared pool every tensor draws from.
  public static let shared = BufferPool(
    capacityBytes: (ProcessInfo.processInfo.environment["WNET_POOL_MB"].flatMap(Int.init) ?? 4096)
      << 20)

  /// Buffers of fewer elements than this are not pooled.
  public static let minimumPooledCount = 1024

  /// The most idle memory the pool keeps, in bytes.
  public let capacityBytes: Int

  private struct State {
    var idle: [Int: [Int]] = [:]  // size class (elements) → addresses (bit patterns: Sendable)
    var idleBytes = 0
    var liveBytes = 0
    var peakLiveBytes = 0
    var roomBeforeGrowth = 0  // nesting depth of withRoomBeforeGrowth
  }

  private let state = Mutex(State())

  /// Creates a pool that keeps at most `capacityBytes` of idle memory.
  public init(capacityBytes: Int) {
    self.capacityBytes = capacityBytes
  }

  /// The number of elements actually allocated for a request of `count`: `count` itself below
  /// ``minimumPooledCount``, else the smallest `m·2ᵉ ≥ count` with `m` in 8…15.
  @inlinable
  public static func sizeClass(_ count: Int) -> Int {
    guard count >= minimumPooledCount else { return max(count, 1) }
    let exponent = (Int.bitWidth - 1 - count.leadingZeroBitCount) - 3
    let unit = 1 << exponent
    return (count + unit - 1) / unit * unit
  }

  /// Returns an uninitialised buffer of at least `count` floats, 64-byte aligned, and its actual
  /// capacity (pass both back to ``release(_:capacity:)``).
  ///
  /// An idle buffer of the request's size class is reused first; failing that, the smallest idle
  /// buffer of up to twice the size: different classes peak at different moments of a step
  /// (activations in forward, gradients in backward), and lending across classes keeps the memory
  /// held close to the live peak instead of the sum of every class's own peak.
  public func allocate(count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
    let wanted = Self.sizeClass(count)
    if count >= Self.minimumPooledCount {
      let reused: (Int, Int)? = state.withLock { state in
        var candidate = wanted
        while candidate <= 2 * wanted {
          if var list = state.idle[candidate], let address = list.popLast() {
            state.idle[candidate] = list.isEmpty ? nil : list
            let byteCount = candidate * MemoryLayout<Float>.stride
            state.idleBytes -= byteCount
            state.liveBytes += byteCount
            state.peakLiveBytes = max(state.peakLiveBytes, state.liveBytes)
            return (address, candidate)
          }
          candidate = Self.sizeClass(candidate + 1)
        }
        state.liveBytes += wanted * MemoryLayout<Float>.stride
        state.peakLiveBytes = max(state.peakLiveBytes, state.liveBytes)
        return nil
      }
      if let (address, capacity) = reused,
        let pointer = UnsafeMutablePointer<Float>(bitPattern: address)
      {
        return (pointer, capacity)
      }
      if state.withLock({ $0.roomBeforeGrowth > 0 }) {
        freeIdle(atLeast: wanted * MemoryLayout<Float>.stride)
      }
    }
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: wanted * MemoryLayout<Float>.stride, alignment: 64)
    return (raw.bindMemory(to: Float.self, capacity: wanted), wanted)
  }

  /// Returns a buffer obtained from ``allocate(count:)``, with the capacity it reported.
  public func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
    let raw = UnsafeMutableRawPointer(pointer)
    guard capacity >= Self.minimumPooledCount else {
      raw.deallocate()
      return
    }
    let byteCount = capacity * MemoryLayout<Float>.stride
    let address = Int(bitPattern: raw)
    let kept = state.withLock { state -> Bool in
      state.liveBytes -= byteCount
      guard state.idleBytes + byteCount <= capacityBytes else { return false }
      state.idle[capacity, default: []].append(address)
      state.idleBytes += byteCount
      return true
    }
    if !kept { raw.deallocate() }
  }

  /// Runs `body` with room before growth (see the type's documentation): for one pass whose
  /// shapes will not repeat, such as one pair's inference.
  public func withRoomBeforeGrowth<T>(_ body: () throws -> T) rethrows -> T {
    state.withLock { $0.roomBeforeGrowth += 1 }
    defer { state.withLock { $0.roomBeforeGrowth -= 1 } }
    return try body()
  }

  /// Frees idle buffers, smallest size class first, until at least `bytes` are freed or none
  /// is idle.
  func freeIdle(atLeast bytes: Int) {
    let buffers = state.withLock { state -> [Int] in
      var freed: [Int] = []
      var freedBytes = 0
      for size in state.idle.keys.sorted() where freedBytes < bytes {
        guard var list = state.idle[size] else { continue }
        while freedBytes < bytes, let address = list.popLast() {
          freed.append(address)
          freedBytes += size * MemoryLayout<Float>.stride
        }
        state.idle[size] = list.isEmpty ? nil : list
      }
      state.idleBytes -= freedBytes
      return freed
    }
    for buffer in buffers { UnsafeMutableRawPointer(bitPattern: buffer)?.deallocate() }
  }

  /// Frees every idle buffer.
  public func drain() {
    let buffers = state.withLock { state -> [Int] in
      let all = state.idle.values.flatMap { $0 }
      state.idle = [:]
      state.idleBytes = 0
      return all
    }
    for buffer in buffers { UnsafeMutableRawPointer(bitPattern: buffer)?.deallocate() }
  }

  /// Starts a new high-water mark at the current live bytes.
  public func resetPeak() { state.withLock { $0.peakLiveBytes = $0.liveBytes } }

  /// Bytes held by live pooled tensors now, the most held at once since start, and bytes idle.
  public var statistics: (liveBytes: Int, peakLiveBytes: Int, idleBytes: Int) {
    state.withLock { ($0.liveBytes, $0.peakLiveBytes, $0.idleBytes) }
  }
}
