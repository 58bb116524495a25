internal import CDNNL

/// Moving filters between our plain layout and the layouts convolution primitives choose.
///
/// The corresponding oneDNN primitive is `dnnl_reorder`.
extension DNNLBackend {
  /// `filter` in the layout `primitive` wants for `argument`: the tensor itself when that layout
  /// is our plain one, otherwise a reordered copy from ``DNNLWeightCache``.
  ///
  /// - Parameters:
  ///   - filter: `[C_out, KH, KW, C_in/groups]`.
  ///   - key: The key `primitive` is cached under.
  func filterBuffer(
    _ filter: Tensor, groups: Int, for primitive: DNNLPrimitive, key: DNNLPrimitiveKey,
    argument: Int32
  ) throws(DNNLError) -> Tensor {
    let plain = try DNNLMemoryDescriptor.filter(filter.shape, groups: groups)
    let wanted = primitive.layout(of: argument)
    if DNNLMemoryDescriptor.equal(plain, wanted) { return filter }
    let reorderKey = DNNLPrimitiveKey(
      kind: .reorder(primitive: key, argument: argument, toPlain: false), values: [])
    let reorder = try primitives.primitive(reorderKey) { () throws(DNNLError) in
      try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeReorderDescriptor(from: plain, to: wanted, engine: engine),
        engine: engine,
        candidates: [DNNL_ARG_FROM, DNNL_ARG_TO])
    }
    return weightCache.reordered(filter, by: reorderKey) {
      let copy = Tensor(uninitializedShape: [(primitive.byteCount(of: argument) + 3) / 4])
      reorder.execute([DNNL_ARG_FROM: filter.unsafePointer, DNNL_ARG_TO: copy.unsafePointer])
      return copy
    }
  }

  /// A filter-shaped result that `primitive` writes as `argument`, in our plain layout.
  ///
  /// When the primitive's layout is plain, `write` fills the result directly; otherwise it fills a
  /// scratch buffer that is then reordered into the result.
  ///
  /// - Parameters:
  ///   - shape: `[C_out, KH, KW, C_in/groups]`.
  ///   - write: Runs the primitive with the given destination buffer.
  func plainFilter(
    shape: [Int], groups: Int, from primitive: DNNLPrimitive, key: DNNLPrimitiveKey,
    argument: Int32, _ write: (UnsafePointer<Float>) -> Void
  ) throws(DNNLError) -> Tensor {
    let plain = try DNNLMemoryDescriptor.filter(shape, groups: groups)
    let produced = primitive.layout(of: argument)
    let result = Tensor(uninitializedShape: shape)
    if DNNLMemoryDescriptor.equal(plain, produced) {
      write(result.unsafePointer)
      return result
    }
    let reorderKey = DNNLPrimitiveKey(
      kind: .reorder(primitive: key, argument: argument, toPlain: true), values: [])
    let reorder = try primitives.primitive(reorderKey) { () throws(DNNLError) in
      try DNNLPrimitive(
        descriptor: DNNLPrimitive.makeReorderDescriptor(from: produced, to: plain, engine: engine),
        engine: engine,
        candidates: [DNNL_ARG_FROM, DNNL_ARG_TO])
    }
    let scratch = Tensor(uninitializedShape: [(primitive.byteCount(of: argument) + 3) / 4])
    write(scratch.unsafePointer)
    reorder.execute([DNNL_ARG_FROM: scratch.unsafePointer, DNNL_ARG_TO: result.unsafePointer])
    return result
  }
}
