internal import CDNNL
import Synchronization

/// A created oneDNN primitive with everything executing it needs: its descriptor, the layout of
/// each argument, one reusable memory object per argument, and its own stream.
///
/// Memory objects are created once without a buffer (`DNNL_MEMORY_NONE`) and pointed at tensor
/// storage on each call with `dnnl_memory_set_data_handle`, so execution copies nothing and
/// allocates only the scratchpad. A lock serialises calls to one primitive (they share its memory
/// objects); distinct primitives run concurrently.
///
/// Scratchpad is user-managed (`dnnl_scratchpad_mode_user`) and drawn from ``BufferPool`` per
/// call: that keeps concurrent execution safe whatever oneDNN's build options (the library's
/// global scratchpad is shared unless it was built with `DNNL_ENABLE_CONCURRENT_EXEC`), makes the
/// memory visible in the pool's statistics, and lets primitives of one step reuse one buffer.
final class DNNLPrimitive: @unchecked Sendable {
  /// The primitive descriptor; also the hint for backward primitives.
  let descriptor: dnnl_primitive_desc_t
  let primitive: dnnl_primitive_t
  /// The implementation oneDNN picked, e.g. `jit:avx512_core` (as `DNNL_VERBOSE` prints it).
  let implementation: String
  /// The layout of each argument the primitive reads or writes, scratchpad excluded.
  let arguments: [Int32: dnnl_memory_desc_t]
  /// The scratchpad size in bytes (0 for none).
  let scratchpadByteCount: Int

  /// One memory object per argument, created once; only their data handles change.
  private let memories: [Int32: dnnl_memory_t]
  private let scratchpad: dnnl_memory_t?
  private let stream: dnnl_stream_t
  /// Held while the memory objects point at one call's buffers.
  private let executionLock = Mutex(())

  /// Creates the descriptor of an operation, with a user-managed scratchpad.
  ///
  /// - Parameters:
  ///   - operation: A pointer to an initialised `dnnl_*_desc_t`.
  ///   - hint: The forward primitive's descriptor, for backward primitives.
  static func makeDescriptor(
    _ operation: UnsafeRawPointer, engine: dnnl_engine_t, hint: dnnl_primitive_desc_t? = nil,
    postActivation: Activation? = nil, name: @autoclosure () -> String
  ) throws(DNNLError) -> dnnl_primitive_desc_t {
    let attributes = try makeAttributes(postActivation: postActivation)
    defer { dnnl_primitive_attr_destroy(attributes) }
    var descriptor: dnnl_primitive_desc_t?
    try check(
      dnnl_primitive_desc_create(&descriptor, operation, attributes, engine, hint),
      "primitive_desc_create(\(name()))")
    return created(descriptor, "primitive_desc_create")
  }

  /// Creates the descriptor of a reorder from one layout to another.
  static func makeReorderDescriptor(
    from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, engine: dnnl_engine_t
  ) throws(DNNLError) -> dnnl_primitive_desc_t {
    let attributes = try makeAttributes()
    defer { dnnl_primitive_attr_destroy(attributes) }
    var descriptor: dnnl_primitive_desc_t?
    var (source, destination) = (source, destination)
    try check(
      dnnl_reorder_primitive_desc_create(
        &descriptor, &source, engine, &destination, engine, attributes),
      "reorder_primitive_desc_create")
    return created(descriptor, "reorder_primitive_desc_create")
  }

  /// - Parameter postActivation: An activation applied to the result in the same pass (an eltwise
  ///   post-op: `dst = act(op(src))`).
  private static func makeAttributes(postActivation: Activation? = nil) throws(DNNLError)
    -> dnnl_primitive_attr_t
  {
    var attributes: dnnl_primitive_attr_t?
    try check(dnnl_primitive_attr_create(&attributes), "primitive_attr_create")
    do {
      try check(
        dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
        "primitive_attr_set_scratchpad_mode(user)")
      if let postActivation {
        var postOps: dnnl_post_ops_t?
        try check(dnnl_post_ops_create(&postOps), "post_ops_create")
        defer { dnnl_post_ops_destroy(postOps) }
        let algorithm = postActivation == .relu ? dnnl_eltwise_relu : dnnl_eltwise_elu
        try check(
          dnnl_post_ops_append_eltwise(postOps, 1, algorithm, postActivation == .relu ? 0 : 1, 0),
          "post_ops_append_eltwise")
        try check(
          dnnl_primitive_attr_set_post_ops(attributes, postOps), "primitive_attr_set_post_ops")
      }
    } catch {
      dnnl_primitive_attr_destroy(attributes)
      throw error
    }
    return created(attributes, "primitive_attr_create")
  }

  /// Creates the primitive of `descriptor`, taking ownership of the descriptor (it is destroyed
  /// with the primitive, or here if creation fails).
  ///
  /// - Parameter candidates: The arguments the operation may take; the descriptor says which of
  ///   them this variant needs (e.g. batch-norm backward reads the shift only with
  ///   `dnnl_use_shift`, max-pooling writes a workspace only when training). Listing them per
  ///   operation matters: descriptors also answer for legacy aliases (batch norm reports
  ///   `DNNL_ARG_WEIGHTS`, the old packed scale-and-shift, even when it is not used).
  init(descriptor: dnnl_primitive_desc_t, engine: dnnl_engine_t, candidates: [Int32])
    throws(DNNLError)
  {
    var memoriesMade: [dnnl_memory_t] = []
    var primitive: dnnl_primitive_t?
    var stream: dnnl_stream_t?
    func cleanUp() {
      for memory in memoriesMade { dnnl_memory_destroy(memory) }
      if let stream { dnnl_stream_destroy(stream) }
      if let primitive { dnnl_primitive_destroy(primitive) }
      dnnl_primitive_desc_destroy(descriptor)
    }
    do {
      try check(dnnl_primitive_create(&primitive, descriptor), "primitive_create")
      try check(
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
      var arguments: [Int32: dnnl_memory_desc_t] = [:]
      var memories: [Int32: dnnl_memory_t] = [:]
      for argument in candidates {
        guard let md = dnnl_primitive_desc_query_md(descriptor, dnnl_query_exec_arg_md, argument),
          md.pointee.ndims > 0
        else { continue }
        arguments[argument] = md.pointee
        let memory = try Self.makeMemory(md, engine: engine)
        memoriesMade.append(memory)
        memories[argument] = memory
      }
      var scratchpad: dnnl_memory_t?
      var scratchpadByteCount = 0
      if let md = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0),
        md.pointee.ndims > 0
      {
        scratchpadByteCount = Int(dnnl_memory_desc_get_size(md))
        if scratchpadByteCount > 0 {
          let memory = try Self.makeMemory(md, engine: engine)
          scratchpad = memory
          memoriesMade.append(memory)
        }
      }
      var name: UnsafePointer<CChar>?
      _ = withUnsafeMutablePointer(to: &name) {
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, $0)
      }
      self.descriptor = descriptor
      self.primitive = created(primitive, "primitive_create")
      self.implementation = name.map { String(cString: $0) } ?? "unknown"
      self.arguments = arguments
      self.scratchpadByteCount = scratchpadByteCount
      self.memories = memories
      self.scratchpad = scratchpad
      self.stream = created(stream, "stream_create")
    } catch {
      cleanUp()
      throw error
    }
  }

  private static func makeMemory(_ md: UnsafePointer<dnnl_memory_desc_t>, engine: dnnl_engine_t)
    throws(DNNLError) -> dnnl_memory_t
  {
    var memory: dnnl_memory_t?
    try check(dnnl_memory_create(&memory, md, engine, wnet_dnnl_memory_none()), "memory_create")
    return created(memory, "memory_create")
  }

  deinit {
    for memory in memories.values { dnnl_memory_destroy(memory) }
    if let scratchpad { dnnl_memory_destroy(scratchpad) }
    dnnl_stream_destroy(stream)
    dnnl_primitive_destroy(primitive)
    dnnl_primitive_desc_destroy(descriptor)
  }

  /// The layout the primitive wants for `argument`.
  func layout(of argument: Int32) -> dnnl_memory_desc_t {
    guard let md = arguments[argument] else {
      preconditionFailure("\(implementation) takes no argument \(argument)")
    }
    return md
  }

  /// Whether the primitive reads or writes `argument`.
  func takes(_ argument: Int32) -> Bool { arguments[argument] != nil }

  /// The bytes the buffer of `argument` needs.
  func byteCount(of argument: Int32) -> Int { DNNLMemoryDescriptor.byteCount(layout(of: argument)) }

  /// Runs the primitive on the given buffers and waits for it to finish.
  ///
  /// Every argument the primitive takes must be given, in the layout ``layout(of:)`` reports;
  /// arguments it does not take are ignored (e.g. a shift that a variant does not read).
  func execute(_ buffers: [Int32: UnsafePointer<Float>]) {
    let scratchpadBuffer =
      scratchpadByteCount > 0
      ? Tensor(uninitializedShape: [(scratchpadByteCount + 3) / 4]) : nil
    executionLock.withLock { _ in
      var arguments: [dnnl_exec_arg_t] = []
      arguments.reserveCapacity(memories.count + 1)
      for (argument, memory) in memories {
        guard let pointer = buffers[argument] else {
          preconditionFailure(
            "\(implementation): argument \(argument) is required but was not given")
        }
        mustSucceed(
          dnnl_memory_set_data_handle(memory, UnsafeMutableRawPointer(mutating: pointer)),
          "memory_set_data_handle")
        arguments.append(dnnl_exec_arg_t(arg: argument, memory: memory))
      }
      if let memory = scratchpad, let scratchpadBuffer {
        mustSucceed(
          dnnl_memory_set_data_handle(
            memory, UnsafeMutableRawPointer(scratchpadBuffer.storage.pointer)),
          "memory_set_data_handle(scratchpad)")
        arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory))
      }
      mustSucceed(
        dnnl_primitive_execute(primitive, stream, Int32(arguments.count), arguments),
        "primitive_execute(\(implementation))")
      mustSucceed(dnnl_stream_wait(stream), "stream_wait")
    }
    withExtendedLifetime(scratchpadBuffer) {}
  }
}
