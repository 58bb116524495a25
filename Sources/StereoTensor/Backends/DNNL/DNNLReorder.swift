internal import CDNNL

/// Moving arguments between our plain layouts (NHWC activations, OHWI filters) and the layouts
/// primitives choose (`dnnl_format_tag_any`).
///
/// The corresponding oneDNN primitive is `dnnl_reorder`.
extension DNNLBackend {
  private func reorderPrimitive(
    from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, key: DNNLPrimitiveKey
  ) throws(DNNLError) -> DNNLPrimitive {
    try primitives.primitive(key) { () throws(DNNLError) in
      try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeReorderDescriptor(
          from: source, to: destination, engine: engine),
        engine: engine, candidates: [DNNL_ARG_FROM, DNNL_ARG_TO])
    }
  }

  /// Creates (and caches) the reorders between our plain layouts and the layouts `primitive`
  /// chose, so that a primitive whose arguments cannot be reordered fails at creation, where
  /// another plan can be tried, rather than at its first call. (oneDNN 2.6 has, for instance, no
  /// reorder from OHWI filters into the pre-transformed weights of its Winograd inference kernel.)
  ///
  /// - Parameters:
  ///   - inputs: The plain layout of each argument the primitive reads.
  ///   - outputs: The plain layout of each argument the primitive writes.
  func prepareReorders(
    for primitive: DNNLPrimitive, key: DNNLPrimitiveKey, inputs: [Int32: dnnl_memory_desc_t],
    outputs: [Int32: dnnl_memory_desc_t]
  ) throws(DNNLError) {
    for (argument, plain) in inputs where primitive.takes(argument) {
      let wanted = primitive.layout(of: argument)
      guard !DNNLMemoryDescriptor.equal(plain, wanted) else { continue }
      _ = try reorderPrimitive(
        from: plain, to: wanted,
        key: DNNLPrimitiveKey(
          kind: .reorder(primitive: key, argument: argument, toPlain: false), values: []))
    }
    for (argument, plain) in outputs where primitive.takes(argument) {
      let produced = primitive.layout(of: argument)
      guard !DNNLMemoryDescriptor.equal(plain, produced) else { continue }
      _ = try reorderPrimitive(
        from: produced, to: plain,
        key: DNNLPrimitiveKey(
          kind: .reorder(primitive: key, argument: argument, toPlain: true), values: []))
    }
  }

  /// `tensor`, whose layout is `plain`, in the layout `primitive` wants for `argument`: the
  /// tensor itself when the two agree, otherwise a reordered copy.
  ///
  /// Activations are reordered on every call (a copy of a 25 MB activation would double its
  /// memory); filters go through ``filterBuffer(_:transform:groups:for:key:argument:cached:)``.
  func argumentBuffer(
    _ tensor: Tensor, plain: dnnl_memory_desc_t, for primitive: DNNLPrimitive,
    key: DNNLPrimitiveKey, argument: Int32
  ) throws(DNNLError) -> Tensor {
    let wanted = primitive.layout(of: argument)
    if DNNLMemoryDescriptor.equal(plain, wanted) { return tensor }
    let reorder = try reorderPrimitive(
      from: plain, to: wanted,
      key: DNNLPrimitiveKey(
        kind: .reorder(primitive: key, argument: argument, toPlain: false), values: []))
    let copy = Tensor(uninitializedShape: [(primitive.byteCount(of: argument) + 3) / 4])
    reorder.execute([DNNL_ARG_FROM: tensor.unsafePointer, DNNL_ARG_TO: copy.unsafePointer])
    return withExtendedLifetime(tensor) { copy }
  }

  /// `filter`, transformed by `transform`, in the layout `primitive` wants for `argument`; from
  /// ``DNNLWeightCache`` unless it is plain and untransformed (then the filter itself).
  ///
  /// - Parameters:
  ///   - filter: `[C_out, KH, KW, C_in/groups]`.
  ///   - key: The key `primitive` is cached under.
  ///   - cached: Whether to use the cache; `false` reorders on every call (for benchmarks).
  func filterBuffer(
    _ filter: Tensor, transform: FilterTransform = .none, groups: Int, for primitive: DNNLPrimitive,
    key: DNNLPrimitiveKey, argument: Int32, cached: Bool = true
  ) throws(DNNLError) -> Tensor {
    let plain = try DNNLMemoryDescriptor.filter(transform.shape(of: filter.shape), groups: groups)
    let wanted = primitive.layout(of: argument)
    let isPlain = DNNLMemoryDescriptor.equal(plain, wanted)
    if isPlain && transform == .none { return filter }
    let reorderKey = DNNLPrimitiveKey(
      kind: .reorder(primitive: key, argument: argument, toPlain: false), values: [])
    let reorder = isPlain ? nil : try reorderPrimitive(from: plain, to: wanted, key: reorderKey)
    func make() -> Tensor {
      let source = transform.apply(to: filter)
      guard let reorder else { return source }
      let copy = Tensor(uninitializedShape: [(primitive.byteCount(of: argument) + 3) / 4])
      reorder.execute([DNNL_ARG_FROM: source.unsafePointer, DNNL_ARG_TO: copy.unsafePointer])
      return withExtendedLifetime(source) { copy }
    }
    return cached
      ? weightCache.reordered(filter, by: reorderKey, transform: transform, make: make) : make()
  }

  /// A result that `primitive` writes as `argument`, in our plain layout `plain` with `shape`.
  ///
  /// When the primitive's layout is plain, `write` fills the result directly; otherwise it fills a
  /// scratch buffer that is then reordered into the result.
  ///
  /// - Parameter write: Runs the primitive with the given destination buffer.
  func plainResult(
    shape: [Int], plain: dnnl_memory_desc_t, from primitive: DNNLPrimitive,
    key: DNNLPrimitiveKey, argument: Int32, _ write: (UnsafePointer<Float>) -> Void
  ) throws(DNNLError) -> Tensor {
    let produced = primitive.layout(of: argument)
    let result = Tensor(uninitializedShape: shape)
    if DNNLMemoryDescriptor.equal(plain, produced) {
      write(result.unsafePointer)
      return result
    }
    let reorder = try reorderPrimitive(
      from: produced, to: plain,
      key: DNNLPrimitiveKey(
        kind: .reorder(primitive: key, argument: argument, toPlain: true), values: []))
    let scratch = Tensor(uninitializedShape: [(primitive.byteCount(of: argument) + 3) / 4])
    write(scratch.unsafePointer)
    reorder.execute([DNNL_ARG_FROM: scratch.unsafePointer, DNNL_ARG_TO: result.unsafePointer])
    return withExtendedLifetime(scratch) { result }
  }

  /// Reorders `filter` into the layout of the forward convolution of `inputShape`, bypassing the
  /// cache: what every call would pay without ``DNNLWeightCache``. For benchmarks.
  package func uncachedForwardFilter(
    _ filter: Tensor, inputShape: [Int], geometry: ConvolutionGeometry
  )
    throws(DNNLError) -> Tensor
  {
    let (primitive, key) = try convolutionPrimitive(
      .forward, input: inputShape, filter: filter.shape, geometry: geometry, bias: true)
    return try filterBuffer(
      filter, groups: geometry.groups, for: primitive, key: key, argument: DNNL_ARG_WEIGHTS,
      cached: false)
  }
}
