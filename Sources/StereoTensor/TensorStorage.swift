/// The memory behind a ``Tensor``: `count` contiguous floats drawn from the ``BufferPool``.
///
/// Storage is a reference type; ``Tensor`` gives it value semantics by copying before a write
/// when the storage is shared.
public final class TensorStorage: @unchecked Sendable {
  /// The first element.
  public let pointer: UnsafeMutablePointer<Float>
  /// The number of elements.
  public let count: Int
  /// The buffer's actual size in elements (the pool's size class), at least `count`.
  let capacity: Int

  /// Creates uninitialised storage for `count` floats.
  public init(uninitializedCount count: Int) {
    precondition(count >= 0, "A tensor cannot hold \(count) elements")
    self.count = count
    (self.pointer, self.capacity) = BufferPool.shared.allocate(count: count)
  }

  deinit {
    BufferPool.shared.release(pointer, capacity: capacity)
  }
}
