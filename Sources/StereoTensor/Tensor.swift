import Foundation

/// A dense, contiguous, row-major array of `Float`, the value type every WNet operation reads and
/// writes.
///
/// Activations are laid out `[N, H, W, C]` (NHWC): oneDNN's fast kernels want it, and hand-written
/// kernels index it directly. Filters are `[C_out, KH, KW, C_in / groups]`. Shapes are checked at
/// every operation, with a message that names the shapes involved.
///
/// A tensor has value semantics: its storage is shared until one copy is written. When gradients
/// are being recorded (see ``GradientMode``), a tensor computed from trainable parameters carries
/// a node of the autodiff graph, and ``backward(seed:)`` walks that graph.
public struct Tensor: @unchecked Sendable {
  /// The extent of each axis, outermost first.
  public let shape: [Int]
  @usableFromInline var storage: TensorStorage
  /// The autodiff node that produced this tensor, or `nil` for a constant.
  public internal(set) var node: AutodiffNode?

  /// Wraps existing storage; `storage.count` must equal the product of `shape`.
  public init(shape: [Int], storage: TensorStorage) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Negative extent in shape \(shape)")
    precondition(
      storage.count == Tensor.elementCount(of: shape),
      "Storage of \(storage.count) elements does not fit shape \(shape)")
    self.shape = shape
    self.storage = storage
    self.node = nil
  }

  /// Creates a tensor whose elements are not initialised; the caller must write every one.
  public init(uninitializedShape shape: [Int]) {
    self.init(
      shape: shape, storage: TensorStorage(uninitializedCount: Tensor.elementCount(of: shape)))
  }

  /// Creates a tensor of `shape` from `scalars` in row-major order.
  public init(shape: [Int], scalars: [Float]) {
    precondition(
      scalars.count == Tensor.elementCount(of: shape),
      "\(scalars.count) scalars do not fill shape \(shape) (\(Tensor.elementCount(of: shape)) elements)"
    )
    self.init(uninitializedShape: shape)
    scalars.withUnsafeBufferPointer { source in
      storage.pointer.update(from: source.baseAddress!, count: source.count)
    }
  }

  /// Creates a tensor of `shape` with every element equal to `value`.
  public init(shape: [Int], repeating value: Float) {
    self.init(uninitializedShape: shape)
    storage.pointer.update(repeating: value, count: storage.count)
  }

  /// Creates a rank-0 tensor holding `value`.
  public init(_ value: Float) {
    self.init(shape: [], scalars: [value])
  }

  /// Creates a rank-1 tensor from `scalars`.
  public init(_ scalars: [Float]) {
    self.init(shape: [scalars.count], scalars: scalars)
  }

  /// A tensor of zeros.
  public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

  /// A tensor of ones.
  public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

  /// The number of elements of a tensor of `shape`.
  @inlinable
  public static func elementCount(of shape: [Int]) -> Int { shape.reduce(1, *) }

  /// The number of elements.
  @inlinable
  public var count: Int { storage.count }

  /// The number of axes.
  @inlinable
  public var rank: Int { shape.count }

  /// The elements in row-major order.
  public var scalars: [Float] {
    Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// The single element of a one-element tensor.
  public var scalar: Float {
    precondition(count == 1, "'scalar' needs a one-element tensor, got shape \(shape)")
    return storage.pointer[0]
  }

  /// The element at a multi-dimensional index (slow; for tests and tools).
  public subscript(_ index: Int...) -> Float {
    get { storage.pointer[flatIndex(index)] }
    set {
      makeUnique()
      storage.pointer[flatIndex(index)] = newValue
    }
  }

  func flatIndex(_ index: [Int]) -> Int {
    precondition(
      index.count == rank, "Index \(index) has \(index.count) axes; the shape \(shape) has \(rank)")
    var flat = 0
    for (axis, i) in index.enumerated() {
      precondition(i >= 0 && i < shape[axis], "Index \(index) is out of bounds for shape \(shape)")
      flat = flat * shape[axis] + i
    }
    return flat
  }

  /// Copies the storage if another tensor shares it, so that a write stays private.
  @inlinable
  public mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) {
      let copy = TensorStorage(uninitializedCount: storage.count)
      copy.pointer.update(from: storage.pointer, count: storage.count)
      storage = copy
    }
  }

  /// Calls `body` with the elements, read-only.
  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows
    -> R
  {
    try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// Calls `body` with the elements, writable; copies shared storage first.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    makeUnique()
    return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// The base address, for kernels that only read. Valid while `self` is alive.
  @inlinable
  public var unsafePointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

  /// The base address of a tensor that the caller has just created and owns alone; for kernels
  /// that fill a fresh output. Valid while `self` is alive.
  @inlinable
  public var unsafeMutablePointer: UnsafeMutablePointer<Float> { storage.pointer }

  /// The same elements under another shape of the same element count; no copy.
  ///
  /// Differentiable: the gradient is reshaped back.
  public func reshaped(to newShape: [Int]) -> Tensor {
    precondition(
      Tensor.elementCount(of: newShape) == count,
      "Cannot reshape \(shape) (\(count) elements) to \(newShape)")
    let result = Tensor(shape: newShape, storage: storage)
    let oldShape = shape
    return Tensor.record(result, inputs: [self]) { gradient in [gradient.reshaped(to: oldShape)] }
  }

  /// This tensor without its autodiff node: a constant as far as gradients go.
  public var detached: Tensor {
    Tensor(shape: shape, storage: storage)
  }

  /// Whether two tensors share the same storage.
  public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let preview = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
  }
}

extension Tensor {
  /// The `[N, H, W, C]` extents of a rank-4 tensor, checked.
  @inlinable
  public func nhwc(_ operation: @autoclosure () -> String) -> (n: Int, h: Int, w: Int, c: Int) {
    precondition(rank == 4, "\(operation()) expects an [N, H, W, C] tensor, got shape \(shape)")
    return (shape[0], shape[1], shape[2], shape[3])
  }
}
