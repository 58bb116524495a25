import Synchronization

/// What identifies a cached primitive: its kind and every shape and geometry value it was built
/// for.
struct DNNLPrimitiveKey: Hashable, Sendable {
  /// The primitive families and directions WNet uses.
  indirect enum Kind: Hashable, Sendable {
    case convolution(ConvolutionDirection, bias: Bool)
    case convolutionInference(bias: Bool, activation: Activation?)
    case deconvolutionForward(bias: Bool)
    case deconvolutionBackwardData
    case deconvolutionBackwardWeights(bias: Bool)
    case batchNormTraining
    case batchNormInference
    case batchNormBackward
    case eltwiseForward(Activation)
    case eltwiseBackward(Activation)
    case maxPoolForward(training: Bool)
    case maxPoolBackward
    case resamplingForward
    case resamplingBackward
    case softmaxForward
    case softmaxBackward
    /// A reorder between our plain layout and the layout `primitive` chose for `argument`.
    case reorder(primitive: DNNLPrimitiveKey, argument: Int32, toPlain: Bool)
  }

  var kind: Kind
  /// Shapes and geometry, flattened; their meaning depends on `kind`.
  var values: [Int]
}

/// A thread-safe cache of primitives by ``DNNLPrimitiveKey``.
///
/// Creating a primitive costs 3-100 ms (oneDNN generates code for it), executing a cached one
/// microseconds of overhead: in steady state no primitive is created. Entries live as long as the
/// backend; a W-net training run has a few hundred.
final class DNNLPrimitiveCache: Sendable {
  private let entries = Mutex<[DNNLPrimitiveKey: DNNLPrimitive]>([:])

  /// The cached primitive for `key`, created by `make` on first use.
  ///
  /// `make` runs outside the lock, so a slow creation does not block other lookups; if two threads
  /// create the same primitive at once, the first to finish is kept.
  func primitive(
    _ key: DNNLPrimitiveKey, make: () throws(DNNLError) -> DNNLPrimitive
  ) throws(DNNLError) -> DNNLPrimitive {
    if let cached = entries.withLock({ $0[key] }) { return cached }
    let created = try make()
    return entries.withLock { entries in
      if let raced = entries[key] { return raced }
      entries[key] = created
      return created
    }
  }

  /// The number of cached primitives.
  var count: Int { entries.withLock { $0.count } }

  /// Each cached primitive's kind, shape values and the implementation oneDNN picked.
  var descriptions: [String] {
    entries.withLock { entries in
      entries.map { key, primitive in "\(key.kind) \(key.values): \(primitive.implementation)" }
    }.sorted()
  }
}
