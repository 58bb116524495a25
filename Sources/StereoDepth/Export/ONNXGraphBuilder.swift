/// Collects the nodes and constants of an ONNX graph, one operator call at a time.
///
/// Each method appends one node and returns the name of the value it produces, so a forward
/// pass reads like our own: `x = builder.relu(builder.conv(x, …))`. Activations are NCHW
/// (`[N, C, H, W]`), as ONNX operators expect. Node and value names are `prefix/OpType`, made
/// unique with a counter; constants are `prefix.what`.
struct ONNXGraphBuilder {
  private(set) var nodes: [ONNXNode] = []
  private(set) var initializers: [ONNXTensor] = []
  private var usedNames: Set<String> = []

  /// `base`, or `base_1`, `base_2`, … if already taken.
  mutating func uniqueName(_ base: String) -> String {
    var name = base
    var counter = 0
    while usedNames.contains(name) {
      counter += 1
      name = "\(base)_\(counter)"
    }
    usedNames.insert(name)
    return name
  }

  /// Adds a float constant; returns its name.
  mutating func constant(_ name: String, shape: [Int], floats: [Float]) -> String {
    let unique = uniqueName(name)
    initializers.append(ONNXTensor(name: unique, shape: shape, floats: floats))
    return unique
  }

  /// Adds an int64 constant, 1-D unless `shape` is given (`[]` for a scalar); returns its name.
  mutating func constant(_ name: String, integers: [Int64], shape: [Int]? = nil) -> String {
    let unique = uniqueName(name)
    initializers.append(
      ONNXTensor(name: unique, shape: shape ?? [integers.count], integers: integers))
    return unique
  }

  /// Appends a node with one output, named `output` or `prefix/opType`; returns that name.
  mutating func node(
    _ opType: String, _ inputs: [String], attributes: [ONNXAttribute] = [], prefix: String,
    output: String? = nil
  ) -> String {
    let name = uniqueName(output ?? "\(prefix)/\(opType)")
    nodes.append(
      ONNXNode(opType: opType, name: name, inputs: inputs, outputs: [name], attributes: attributes))
    return name
  }

  // MARK: - Operators

  /// `Conv` with "same"-style explicit padding; `weight` is `[C_out, C_in/group, KH, KW]`.
  mutating func conv(
    _ x: String, weight: String, bias: String?, kernel: Int, padding: Int, stride: Int = 1,
    groups: Int = 1, prefix: String
  ) -> String {
    node(
      "Conv", [x, weight] + (bias.map { [$0] } ?? []),
      attributes: [
        ONNXAttribute("kernel_shape", .ints([kernel, kernel])),
        // ONNX order: begin of each spatial axis, then end of each: top, left, bottom, right.
        ONNXAttribute("pads", .ints([padding, padding, padding, padding])),
        ONNXAttribute("strides", .ints([stride, stride])),
        ONNXAttribute("dilations", .ints([1, 1])),
        ONNXAttribute("group", .int(groups)),
      ], prefix: prefix)
  }

  /// `ConvTranspose` with kernel = stride and no padding; `weight` is `[C_in, C_out, s, s]`.
  mutating func convTranspose(
    _ x: String, weight: String, bias: String?, stride: Int, prefix: String
  )
    -> String
  {
    node(
      "ConvTranspose", [x, weight] + (bias.map { [$0] } ?? []),
      attributes: [
        ONNXAttribute("kernel_shape", .ints([stride, stride])),
        ONNXAttribute("strides", .ints([stride, stride])),
        ONNXAttribute("pads", .ints([0, 0, 0, 0])),
      ], prefix: prefix)
  }

  /// `BatchNormalization` in inference mode: `γ(x − μ)/√(σ² + ε) + β` per channel.
  mutating func batchNormalization(
    _ x: String, scale: String, shift: String, mean: String, variance: String, epsilon: Float,
    prefix: String
  ) -> String {
    node(
      "BatchNormalization", [x, scale, shift, mean, variance],
      attributes: [ONNXAttribute("epsilon", .float(epsilon))], prefix: prefix)
  }

  /// `Relu`.
  mutating func relu(_ x: String, prefix: String) -> String {
    node("Relu", [x], prefix: prefix)
  }

  /// `MaxPool` over `size`×`size` windows with stride `size`: `[N, C, H, W]` → `[N, C, H/s, W/s]`.
  mutating func maxPool(_ x: String, size: Int, prefix: String) -> String {
    node(
      "MaxPool", [x],
      attributes: [
        ONNXAttribute("kernel_shape", .ints([size, size])),
        ONNXAttribute("strides", .ints([size, size])),
      ], prefix: prefix)
  }

  /// Bilinear ×2 up-sampling with half-pixel centres, as ``StereoTensor/Tensor/upsampled2x()``:
  /// `Resize` (linear, `half_pixel`), which clamps source coordinates to the edge as our
  /// resampler and PyTorch's `align_corners=False` do.
  mutating func upsample2x(_ x: String, prefix: String) -> String {
    let scales = constant("\(prefix).scales", shape: [4], floats: [1, 1, 2, 2])
    return node(
      "Resize", [x, "", scales],
      attributes: [
        ONNXAttribute("mode", .string("linear")),
        ONNXAttribute("coordinate_transformation_mode", .string("half_pixel")),
      ], prefix: prefix)
  }

  /// `Concat` along the channels.
  mutating func concatChannels(_ inputs: [String], prefix: String) -> String {
    node("Concat", inputs, attributes: [ONNXAttribute("axis", .int(1))], prefix: prefix)
  }

  /// The channels `range` of `x`: `[N, C, H, W]` → `[N, range.count, H, W]`, by `Slice`.
  mutating func sliceChannels(_ x: String, _ range: Range<Int>, prefix: String) -> String {
    let starts = constant("\(prefix).starts", integers: [Int64(range.lowerBound)])
    let ends = constant("\(prefix).ends", integers: [Int64(range.upperBound)])
    let axes = constant("\(prefix).axes", integers: [1])
    return node("Slice", [x, starts, ends, axes], prefix: prefix)
  }

  /// Elementwise `Add` (with broadcasting).
  mutating func add(_ a: String, _ b: String, prefix: String) -> String {
    node("Add", [a, b], prefix: prefix)
  }

  /// Elementwise `Mul` (with broadcasting).
  mutating func mul(_ a: String, _ b: String, prefix: String, output: String? = nil) -> String {
    node("Mul", [a, b], prefix: prefix, output: output)
  }

  /// `Softmax` over the channels.
  mutating func softmaxChannels(_ x: String, prefix: String, output: String? = nil) -> String {
    node(
      "Softmax", [x], attributes: [ONNXAttribute("axis", .int(1))], prefix: prefix, output: output)
  }

  /// `ReduceSum` over the channels, keeping the axis: `[N, C, H, W]` → `[N, 1, H, W]`.
  mutating func sumChannels(_ x: String, prefix: String, output: String? = nil) -> String {
    let axes = constant("\(prefix).axes", integers: [1])
    return node(
      "ReduceSum", [x, axes], attributes: [ONNXAttribute("keepdims", .int(1))], prefix: prefix,
      output: output)
  }
}
