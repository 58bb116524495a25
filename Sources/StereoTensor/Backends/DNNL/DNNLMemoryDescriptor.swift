internal import CDNNL

/// Builders for the oneDNN memory descriptors of WNet's tensors.
///
/// oneDNN names the dimensions of a 2-D activation `{N, C, H, W}` and of a filter `{O, I, KH, KW}`
/// (grouped: `{G, O/G, I/G, KH, KW}`) whatever the physical layout; the layout comes from strides.
/// Our tensors are row-major `[N, H, W, C]` and `[C_out, KH, KW, C_in/groups]`, so every
/// descriptor here is built from explicit strides over oneDNN's logical order.
enum DNNLMemoryDescriptor {
  /// A plain descriptor of logical `dims` laid out with `strides` (in elements), of `type`
  /// (`f32` unless given).
  static func strided(
    _ dims: [Int], strides: [Int], type: dnnl_data_type_t = dnnl_f32
  ) throws(DNNLError) -> dnnl_memory_desc_t {
    precondition(dims.count == strides.count, "dims \(dims) and strides \(strides) differ in rank")
    var descriptor = dnnl_memory_desc_t()
    let dims64 = dims.map(Int64.init), strides64 = strides.map(Int64.init)
    try check(
      dnnl_memory_desc_init_by_strides(&descriptor, Int32(dims.count), dims64, type, strides64),
      "memory_desc_init_by_strides(dims \(dims), strides \(strides))")
    return descriptor
  }

  /// A descriptor of logical `dims` whose layout the primitive chooses (`dnnl_format_tag_any`).
  static func any(_ dims: [Int], type: dnnl_data_type_t = dnnl_f32) throws(DNNLError)
    -> dnnl_memory_desc_t
  {
    var descriptor = dnnl_memory_desc_t()
    try check(
      dnnl_memory_desc_init_by_tag(
        &descriptor, Int32(dims.count), dims.map(Int64.init), type, dnnl_format_tag_any),
      "memory_desc_init_by_tag(any, dims \(dims))")
    return descriptor
  }

  /// An `[N, H, W, C]` activation: logical `{N, C, H, W}`, physical NHWC (`dnnl_nhwc`).
  static func activation(_ shape: [Int], type: dnnl_data_type_t = dnnl_f32) throws(DNNLError)
    -> dnnl_memory_desc_t
  {
    precondition(shape.count == 4, "An activation is [N, H, W, C], got \(shape)")
    let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
    return try strided([n, c, h, w], strides: [h * w * c, 1, w * c, c], type: type)
  }

  /// A contiguous vector of `count` elements (`dnnl_x`): biases, batch-norm statistics, and
  /// flattened tensors for element-wise primitives.
  static func vector(_ count: Int) throws(DNNLError) -> dnnl_memory_desc_t {
    try strided([count], strides: [1])
  }

  /// The logical dimensions oneDNN gives a filter of shape `[C_out, KH, KW, C_in/groups]`:
  /// `{O, I, KH, KW}`, or `{G, O/G, I/G, KH, KW}` when grouped.
  static func filterDimensions(_ shape: [Int], groups: Int) -> [Int] {
    let (o, kh, kw, i) = (shape[0], shape[1], shape[2], shape[3])
    return groups == 1 ? [o, i, kh, kw] : [groups, o / groups, i, kh, kw]
  }

  /// Our plain filter `[C_out, KH, KW, C_in/groups]`: OHWI (`dnnl_ohwi`), or GOHWI when grouped.
  static func filter(_ shape: [Int], groups: Int) throws(DNNLError) -> dnnl_memory_desc_t {
    precondition(shape.count == 4, "A filter is [C_out, KH, KW, C_in/groups], got \(shape)")
    let (o, kh, kw, i) = (shape[0], shape[1], shape[2], shape[3])
    let perOutput = kh * kw * i
    if groups == 1 {
      return try strided([o, i, kh, kw], strides: [perOutput, 1, kw * i, i])
    }
    let perGroup = o / groups * perOutput
    return try strided(
      [groups, o / groups, i, kh, kw], strides: [perGroup, perOutput, 1, kw * i, i])
  }

  /// Whether two descriptors describe the same layout.
  static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
    withUnsafePointer(to: a) { a in
      withUnsafePointer(to: b) { b in dnnl_memory_desc_equal(a, b) != 0 }
    }
  }

  /// The bytes a buffer of this descriptor occupies, padding included.
  static func byteCount(_ descriptor: dnnl_memory_desc_t) -> Int {
    withUnsafePointer(to: descriptor) { Int(dnnl_memory_desc_get_size($0)) }
  }
}
